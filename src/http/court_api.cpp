#include "http/court_api.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <charconv>

#include "court/step_type.hpp"
#include "http/court_json.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;
using boost::beast::http::verb;

store::Actor actor(const Principal& who) {
  return store::Actor{who.name, now_ms()};
}

ApiResult method_not_allowed(std::string_view allowed) {
  return api_error(status::method_not_allowed, "method_not_allowed", "use " + std::string(allowed));
}

namespace {

// The store's answer as JSON, or its error with the right status.
template <typename T, typename F>
ApiResult answer(const store::Result<T>& r, F&& to_json, status ok = status::ok) {
  if (!r) return store_error(r.error());
  return {ok, to_json(*r)};
}

template <typename T, typename F>
ApiResult answer_list(const store::Result<std::vector<T>>& r, std::string_view key, F&& to_json) {
  if (!r) return store_error(r.error());
  json::array items;
  for (const auto& item : *r) items.push_back(to_json(item));
  return {status::ok, json::object{{key, std::move(items)}}};
}

// Reads the request body with `read(FieldReader&)`; the 400 on bad input.
template <typename F>
std::optional<ApiResult> read_body(const ApiRequest& req, std::span<const std::string_view> fields,
                                   F&& read) {
  auto body = parse_body(req.body);
  if (!body) return body.error();
  FieldReader r(*body, "", fields);
  if (r.ok()) read(r);
  if (!r.ok()) return api_error(status::bad_request, "invalid_field", r.error());
  return std::nullopt;
}

template <typename F>
std::optional<ApiResult> read_body(const ApiRequest& req,
                                   std::initializer_list<std::string_view> fields, F&& read) {
  return read_body(req, std::span(fields.begin(), fields.size()), std::forward<F>(read));
}

ApiResult not_found(std::string_view path) {
  return api_error(status::not_found, "not_found", "no API endpoint at " + std::string(path));
}

// ?NAME=ID, absent or a positive id; else the 400.
std::optional<ApiResult> id_param(const ApiRequest& req, std::string_view name,
                                  std::optional<court::Id>& out) {
  auto text = base::query_value(req.query, name);
  if (!text) return std::nullopt;
  out = parse_id(*text);
  if (!out) return bad_field(name, "must be a positive integer id");
  return std::nullopt;
}

}  // namespace

std::optional<ApiResult> CourtApi::handle(const ApiRequest& req, const Principal& who) {
  constexpr std::string_view kBase = "/api/v1/";
  if (!req.path.starts_with(kBase)) return std::nullopt;
  const Segments seg = path_segments(req.path.substr(kBase.size()));
  if (seg.empty()) return std::nullopt;
  // Other modules' resources (streams, destinations, programs) are not ours.
  static constexpr std::string_view kResources[] = {"campaigns",  "sessions", "cases", "steps",
                                                    "step-types", "users",    "audit"};
  if (std::find(std::begin(kResources), std::end(kResources), seg[0]) == std::end(kResources))
    return std::nullopt;
  const Segments rest(seg.begin() + 1, seg.end());
  if (!rest.empty() && !parse_id(rest[0]) && !(seg[0] == "audit" && rest[0] == "verify"))
    return api_error(status::not_found, "not_found",
                     std::string(seg[0]) + ": '" + std::string(rest[0]) + "' is not an id");
  if (seg[0] == "campaigns") return campaigns(req, who, rest);
  if (seg[0] == "sessions") return sessions(req, who, rest);
  if (seg[0] == "cases") return cases(req, who, rest);
  if (seg[0] == "steps") return steps(req, who, rest);
  if (seg[0] == "step-types" && rest.empty()) return step_types(req);
  if (seg[0] == "users") return users(req, who, rest);
  if (seg[0] == "audit") return audit(req, rest);
  return std::nullopt;
}

ApiResult CourtApi::campaigns(const ApiRequest& req, const Principal& who, const Segments& seg) {
  if (seg.empty()) {
    if (req.method == verb::get)
      return answer_list(repo().list_campaigns(), "campaigns", campaign_json);
    if (req.method != verb::post) return method_not_allowed("GET or POST");
    court::Campaign c;
    if (auto e =
            read_body(req, kCampaignFields, [&](FieldReader& r) { read_campaign(r, c, true); }))
      return *e;
    return answer(repo().create_campaign(c, actor(who)), campaign_json, status::created);
  }
  const court::Id id = *parse_id(seg[0]);
  if (seg.size() == 1) {
    if (req.method == verb::get) return answer(repo().get_campaign(id), campaign_json);
    if (req.method != verb::patch) return method_not_allowed("GET or PATCH");
    auto c = repo().get_campaign(id);
    if (!c) return store_error(c.error());
    if (auto e =
            read_body(req, kCampaignFields, [&](FieldReader& r) { read_campaign(r, *c, false); }))
      return *e;
    return answer(repo().update_campaign(*c, actor(who)), campaign_json);
  }
  if (seg[1] != "stats" || seg.size() > 3) return not_found(req.path);
  if (req.method != verb::get) return method_not_allowed("GET");
  auto stats = repo().campaign_stats(id, settings_);
  if (!stats) return store_error(stats.error());
  if (seg.size() == 2) return {status::ok, campaign_stats_json(*stats)};
  // One month: /campaigns/ID/stats/YYYY-MM.
  const std::string_view month = seg[2];
  int y = 0, m = 0;
  if (month.size() != 7 || month[4] != '-' ||
      std::from_chars(month.data(), month.data() + 4, y).ptr != month.data() + 4 ||
      std::from_chars(month.data() + 5, month.data() + 7, m).ptr != month.data() + 7)
    return bad_field("month", "want YYYY-MM, e.g. 2024-08");
  for (const auto& ms : stats->months) {
    if (ms.month.year == y && ms.month.month == m) {
      json::object o = period_stats_json(ms.stats);
      o["month"] = std::string(month);
      o["campaign_id"] = id;
      return {status::ok, std::move(o)};
    }
  }
  return api_error(status::not_found, "not_found",
                   "month " + std::string(month) + " is outside the campaign's period");
}

ApiResult CourtApi::sessions(const ApiRequest& req, const Principal& who, const Segments& seg) {
  // Every change reaches the session's broadcast (inputs, program, air).
  const auto changed = [this](store::Result<court::LiveSession> r) {
    if (r && media_) media_->session_changed(*r);
    return r;
  };
  if (seg.empty()) {
    if (req.method == verb::get) {
      store::SessionFilter filter;
      if (auto e = id_param(req, "campaign_id", filter.campaign_id)) return *e;
      return answer_list(repo().list_sessions(filter), "sessions", session_json);
    }
    if (req.method != verb::post) return method_not_allowed("GET or POST");
    court::LiveSession s;
    if (auto e = read_body(req, kSessionFields, [&](FieldReader& r) { read_session(r, s, true); }))
      return *e;
    return answer(changed(repo().create_session(s, actor(who))), session_json, status::created);
  }
  const court::Id id = *parse_id(seg[0]);
  if (seg.size() == 1) {
    if (req.method == verb::get) return answer(repo().get_session(id), session_json);
    if (req.method != verb::patch) return method_not_allowed("GET or PATCH");
    auto s = repo().get_session(id);
    if (!s) return store_error(s.error());
    if (auto e =
            read_body(req, kSessionFields, [&](FieldReader& r) { read_session(r, *s, false); }))
      return *e;
    return answer(changed(repo().update_session(*s, actor(who))), session_json);
  }
  if (seg.size() != 2) return not_found(req.path);
  const std::string_view what = seg[1];
  if (what == "stats" || what == "steps") {
    if (req.method != verb::get) return method_not_allowed("GET");
    if (what == "stats") {
      return answer(repo().session_stats(id, settings_), session_stats_json);
    }
    if (auto s = repo().get_session(id); !s) return store_error(s.error());
    return answer_list(repo().list_steps(store::StepFilter::of_session(id)), "steps", step_json);
  }
  if (what == "broadcast" || what == "publish-urls") {
    if (req.method != (what == "broadcast" ? verb::get : verb::post))
      return method_not_allowed(what == "broadcast" ? "GET" : "POST");
    if (auto e = read_body(req, {}, [](FieldReader&) {}); e && what != "broadcast") return *e;
    auto s = repo().get_session(id);
    if (!s) return store_error(s.error());
    if (!media_)
      return api_error(status::service_unavailable, "broadcast_disabled",
                       "this server runs no broadcasts");
    if (what == "broadcast") return {status::ok, media_->broadcast_json(*s)};
    // The keys are secrets: who asked for them is on the record.
    auth_.audit(who, "session.publish_urls", json::object{{"session_id", id}});
    return {status::ok, media_->publish_urls_json(*s)};
  }
  if (req.method != verb::post) return method_not_allowed("POST");
  if (what == "cases") {
    std::int64_t case_id = 0;
    if (auto e = read_body(req, {"case_id"},
                           [&](FieldReader& r) { r.int64("case_id", case_id, true, 1); }))
      return *e;
    return answer(changed(repo().add_case_to_session(id, case_id, actor(who))), session_json);
  }
  if (what == "audience") {
    court::AudienceFigure f;
    f.reported_ms = now_ms();
    if (auto e = read_body(req, kAudienceFields, [&](FieldReader& r) { read_audience(r, f); }))
      return *e;
    return answer(repo().record_audience(id, f, actor(who)), session_json);
  }
  static const std::pair<std::string_view, store::SessionAction> kActions[] = {
      {"submit", store::SessionAction::submit},   {"withdraw", store::SessionAction::withdraw},
      {"approve", store::SessionAction::approve}, {"reject", store::SessionAction::reject},
      {"start", store::SessionAction::go_live},   {"end", store::SessionAction::end}};
  for (const auto& [name, action] : kActions) {
    if (what != name) continue;
    std::string reason;
    if (action == store::SessionAction::reject) {
      if (auto e = read_body(req, {"reason"},
                             [&](FieldReader& r) { r.text("reason", reason, true, 2000); }))
        return *e;
    } else if (auto e = read_body(req, {}, [](FieldReader&) {})) {
      return *e;
    }
    return answer(changed(repo().transition_session(id, action, reason, settings_, actor(who))),
                  session_json);
  }
  return not_found(req.path);
}

ApiResult CourtApi::cases(const ApiRequest& req, const Principal& who, const Segments& seg) {
  if (seg.empty()) {
    if (req.method == verb::get) {
      store::CaseFilter filter;
      if (auto e = id_param(req, "campaign_id", filter.campaign_id)) return *e;
      return answer_list(repo().list_cases(filter), "cases", case_json);
    }
    if (req.method != verb::post) return method_not_allowed("GET or POST");
    court::Case c;
    if (auto e = read_body(req, kCaseFields, [&](FieldReader& r) { read_case(r, c, true); }))
      return *e;
    return answer(repo().create_case(c, actor(who)), case_json, status::created);
  }
  const court::Id id = *parse_id(seg[0]);
  if (seg.size() == 1) {
    if (req.method == verb::get) return answer(repo().get_case(id), case_json);
    if (req.method != verb::patch) return method_not_allowed("GET or PATCH");
    auto c = repo().get_case(id);
    if (!c) return store_error(c.error());
    if (auto e = read_body(req, kCaseFields, [&](FieldReader& r) { read_case(r, *c, false); }))
      return *e;
    return answer(repo().update_case(*c, actor(who)), case_json);
  }
  if (seg.size() != 2) return not_found(req.path);
  if (seg[1] == "steps") {
    if (req.method != verb::get) return method_not_allowed("GET");
    if (auto c = repo().get_case(id); !c) return store_error(c.error());
    return answer_list(repo().list_steps(store::StepFilter::of_case(id)), "steps", step_json);
  }
  if (seg[1] != "close") return not_found(req.path);
  if (req.method != verb::post) return method_not_allowed("POST");
  court::ClosureMode mode = court::ClosureMode::fully_enforced;
  court::EnforcementOutcome outcome = court::EnforcementOutcome::none;
  if (auto e = read_body(req, {"closure_mode", "outcome"}, [&](FieldReader& r) {
        if (!r.has("closure_mode")) r.fail("closure_mode", "required");
        r.code("closure_mode", mode, &court::closure_mode_from_code,
               "fully_enforced, ended_for_now, terminated, withdrawn, not_enforced, "
               "application_rejected");
        r.code("outcome", outcome, &court::outcome_from_code, "none, forced, voluntary, settled");
      }))
    return *e;
  return answer(repo().close_case(id, mode, outcome, actor(who)), case_json);
}

ApiResult CourtApi::steps(const ApiRequest& req, const Principal& who, const Segments& seg) {
  if (seg.empty()) {
    if (req.method == verb::get) {
      store::StepFilter filter;
      if (auto e = id_param(req, "case_id", filter.case_id)) return *e;
      if (auto e = id_param(req, "session_id", filter.session_id)) return *e;
      if (auto e = id_param(req, "campaign_id", filter.campaign_id)) return *e;
      const int given = !!filter.case_id + !!filter.session_id + !!filter.campaign_id;
      if (given != 1)
        return bad_field("query", "give exactly one of case_id, session_id, campaign_id");
      return answer_list(repo().list_steps(filter), "steps", step_json);
    }
    if (req.method != verb::post) return method_not_allowed("GET or POST");
    court::EnforcementStep s;
    if (auto e = read_body(req, kStepFields, [&](FieldReader& r) { read_step(r, s, true); }))
      return *e;
    return answer(repo().mark_step(s, settings_, actor(who)), step_json, status::created);
  }
  const court::Id id = *parse_id(seg[0]);
  if (seg.size() == 1) {
    if (req.method == verb::get) return answer(repo().get_step(id), step_json);
    if (req.method != verb::patch) return method_not_allowed("GET or PATCH");
    auto s = repo().get_step(id);
    if (!s) return store_error(s.error());
    if (auto e = read_body(req, kStepFields, [&](FieldReader& r) { read_step(r, *s, false); }))
      return *e;
    return answer(repo().update_step(*s, settings_, actor(who)), step_json);
  }
  if (seg.size() != 2 || seg[1] != "deadline") return not_found(req.path);
  if (req.method != verb::post) return method_not_allowed("POST");
  // {"outcome": "met", "at_ms": …} (at_ms defaults to now) or {"outcome": "missed"}.
  std::string outcome;
  std::optional<std::int64_t> at_ms;
  if (auto e = read_body(req, {"outcome", "at_ms"}, [&](FieldReader& r) {
        r.text("outcome", outcome, true);
        if (r.ok() && outcome != "met" && outcome != "missed")
          r.fail("outcome", "one of met, missed");
        r.opt_int64("at_ms", at_ms);
        if (r.ok() && outcome == "missed" && at_ms)
          r.fail("at_ms", "only for met: a deadline is missed as of now");
      }))
    return *e;
  std::optional<court::UtcMs> met_at;
  if (outcome == "met") met_at = at_ms.value_or(now_ms());
  return answer(repo().record_deadline(id, met_at, actor(who)), step_json);
}

ApiResult CourtApi::step_types(const ApiRequest& req) {
  if (req.method != verb::get) return method_not_allowed("GET");
  json::array out;
  for (const auto& t : court::step_catalogue()) {
    out.push_back(json::object{{"code", t.code},
                               {"name_zh", t.name_zh},
                               {"coercive", t.coercive},
                               {"needs_witnesses", t.needs_witnesses},
                               {"is_notice", t.is_notice},
                               {"needs_deadline", t.needs_deadline}});
  }
  return {status::ok, json::object{{"step_types", std::move(out)}}};
}

}  // namespace courtcast::http
