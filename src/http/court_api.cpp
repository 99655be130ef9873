#include "http/court_api.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "base/clock.hpp"
#include "court/step_type.hpp"
#include "http/court_json.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;

store::Actor actor(const Principal& who) {
  return store::Actor{who.name, base::utc_now_ms()};
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
  if (!r.ok()) return bad_field(r.error());
  return std::nullopt;
}

template <typename F>
std::optional<ApiResult> read_body(const ApiRequest& req,
                                   std::initializer_list<std::string_view> fields, F&& read) {
  return read_body(req, std::span(fields.begin(), fields.size()), std::forward<F>(read));
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

store::Result<court::LiveSession> CourtApi::changed(store::Result<court::LiveSession> r) {
  if (r && media_) media_->session_changed(*r);
  return r;
}

// ---- campaigns ----

ApiResult CourtApi::list_campaigns(const RouteCall&) {
  return answer_list(repo().list_campaigns(), "campaigns", campaign_json);
}

ApiResult CourtApi::create_campaign(const RouteCall& c) {
  court::Campaign campaign;
  if (auto e = read_body(c.req, kCampaignFields,
                         [&](FieldReader& r) { read_campaign(r, campaign, true); }))
    return *e;
  return answer(repo().create_campaign(campaign, actor(*c.who)), campaign_json, status::created);
}

ApiResult CourtApi::get_campaign(const RouteCall& c) {
  return answer(repo().get_campaign(c.id()), campaign_json);
}

ApiResult CourtApi::update_campaign(const RouteCall& c) {
  auto campaign = repo().get_campaign(c.id());
  if (!campaign) return store_error(campaign.error());
  if (auto e = read_body(c.req, kCampaignFields,
                         [&](FieldReader& r) { read_campaign(r, *campaign, false); }))
    return *e;
  return answer(repo().update_campaign(*campaign, actor(*c.who)), campaign_json);
}

ApiResult CourtApi::campaign_stats(const RouteCall& c) {
  return answer(repo().campaign_stats(c.id(), settings_), campaign_stats_json);
}

ApiResult CourtApi::campaign_month_stats(const RouteCall& c) {
  const court::Id id = c.id();
  auto stats = repo().campaign_stats(id, settings_);
  if (!stats) return store_error(stats.error());
  // One month: /campaigns/ID/stats/YYYY-MM.
  const std::string_view month = c.param(1);
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

// ---- sessions ----

ApiResult CourtApi::list_sessions(const RouteCall& c) {
  store::SessionFilter filter;
  if (auto e = id_param(c.req, "campaign_id", filter.campaign_id)) return *e;
  return answer_list(repo().list_sessions(filter), "sessions", session_json);
}

ApiResult CourtApi::create_session(const RouteCall& c) {
  court::LiveSession s;
  if (auto e = read_body(c.req, kSessionFields, [&](FieldReader& r) { read_session(r, s, true); }))
    return *e;
  return answer(changed(repo().create_session(s, actor(*c.who))), session_json, status::created);
}

ApiResult CourtApi::get_session(const RouteCall& c) {
  return answer(repo().get_session(c.id()), session_json);
}

ApiResult CourtApi::update_session(const RouteCall& c) {
  auto s = repo().get_session(c.id());
  if (!s) return store_error(s.error());
  if (auto e =
          read_body(c.req, kSessionFields, [&](FieldReader& r) { read_session(r, *s, false); }))
    return *e;
  return answer(changed(repo().update_session(*s, actor(*c.who))), session_json);
}

ApiResult CourtApi::session_stats(const RouteCall& c) {
  return answer(repo().session_stats(c.id(), settings_), session_stats_json);
}

ApiResult CourtApi::session_steps(const RouteCall& c) {
  if (auto s = repo().get_session(c.id()); !s) return store_error(s.error());
  return answer_list(repo().list_steps(store::StepFilter::of_session(c.id())), "steps", step_json);
}

std::optional<ApiResult> CourtApi::require_media() const {
  if (media_) return std::nullopt;
  return api_error(status::service_unavailable, "broadcast_disabled",
                   "this server runs no broadcasts");
}

ApiResult CourtApi::session_broadcast(const RouteCall& c) {
  auto s = repo().get_session(c.id());
  if (!s) return store_error(s.error());
  if (auto e = require_media()) return *e;
  return {status::ok, media_->broadcast_json(*s)};
}

ApiResult CourtApi::session_publish_urls(const RouteCall& c) {
  if (auto e = read_body(c.req, {}, [](FieldReader&) {})) return *e;
  auto s = repo().get_session(c.id());
  if (!s) return store_error(s.error());
  if (auto e = require_media()) return *e;
  // The keys are secrets: who asked for them is on the record.
  auth_.audit(*c.who, "session.publish_urls", json::object{{"session_id", c.id()}});
  return {status::ok, media_->publish_urls_json(*s)};
}

ApiResult CourtApi::rotate_publish_key(const RouteCall& c) {
  if (auto e = read_body(c.req, {}, [](FieldReader&) {})) return *e;
  auto s = repo().get_session(c.id());
  if (!s) return store_error(s.error());
  if (auto e = require_media()) return *e;
  const std::string input(c.param(1));
  json::value urls = media_->rotate_publish_key(*s, input);
  if (urls.is_null())
    return api_error(status::not_found, "not_found",
                     "session " + std::to_string(c.id()) + " has no input '" + input +
                         "', or its new key could not be kept");
  // Who gave a camera a new key, and which: on the record (never the key).
  auth_.audit(*c.who, "session.publish_key_rotate",
              json::object{{"session_id", c.id()}, {"input", input}});
  return {status::ok, std::move(urls)};
}

ApiResult CourtApi::add_case_to_session(const RouteCall& c) {
  std::int64_t case_id = 0;
  if (auto e = read_body(c.req, {"case_id"},
                         [&](FieldReader& r) { r.int64("case_id", case_id, true, 1); }))
    return *e;
  return answer(changed(repo().add_case_to_session(c.id(), case_id, actor(*c.who))), session_json);
}

ApiResult CourtApi::record_audience(const RouteCall& c) {
  court::AudienceFigure f;
  f.reported_ms = base::utc_now_ms();
  if (auto e = read_body(c.req, kAudienceFields, [&](FieldReader& r) { read_audience(r, f); }))
    return *e;
  return answer(repo().record_audience(c.id(), f, actor(*c.who)), session_json);
}

ApiResult CourtApi::transition_session(const RouteCall& c, store::SessionAction action) {
  std::string reason;
  if (action == store::SessionAction::reject) {
    if (auto e = read_body(c.req, {"reason"},
                           [&](FieldReader& r) { r.text("reason", reason, true, 2000); }))
      return *e;
  } else if (auto e = read_body(c.req, {}, [](FieldReader&) {})) {
    return *e;
  }
  return answer(
      changed(repo().transition_session(c.id(), action, reason, settings_, actor(*c.who))),
      session_json);
}

// ---- cases ----

ApiResult CourtApi::list_cases(const RouteCall& c) {
  store::CaseFilter filter;
  if (auto e = id_param(c.req, "campaign_id", filter.campaign_id)) return *e;
  return answer_list(repo().list_cases(filter), "cases", case_json);
}

ApiResult CourtApi::create_case(const RouteCall& c) {
  court::Case kase;
  if (auto e = read_body(c.req, kCaseFields, [&](FieldReader& r) { read_case(r, kase, true); }))
    return *e;
  return answer(repo().create_case(kase, actor(*c.who)), case_json, status::created);
}

ApiResult CourtApi::get_case(const RouteCall& c) {
  return answer(repo().get_case(c.id()), case_json);
}

ApiResult CourtApi::update_case(const RouteCall& c) {
  auto kase = repo().get_case(c.id());
  if (!kase) return store_error(kase.error());
  if (auto e = read_body(c.req, kCaseFields, [&](FieldReader& r) { read_case(r, *kase, false); }))
    return *e;
  return answer(repo().update_case(*kase, actor(*c.who)), case_json);
}

ApiResult CourtApi::case_steps(const RouteCall& c) {
  if (auto kase = repo().get_case(c.id()); !kase) return store_error(kase.error());
  return answer_list(repo().list_steps(store::StepFilter::of_case(c.id())), "steps", step_json);
}

ApiResult CourtApi::close_case(const RouteCall& c) {
  court::ClosureMode mode = court::ClosureMode::fully_enforced;
  court::EnforcementOutcome outcome = court::EnforcementOutcome::none;
  if (auto e = read_body(c.req, {"closure_mode", "outcome"}, [&](FieldReader& r) {
        if (!r.has("closure_mode")) r.fail("closure_mode", "required");
        r.code("closure_mode", mode, &court::closure_mode_from_code,
               "fully_enforced, ended_for_now, terminated, withdrawn, not_enforced, "
               "application_rejected");
        r.code("outcome", outcome, &court::outcome_from_code, "none, forced, voluntary, settled");
      }))
    return *e;
  return answer(repo().close_case(c.id(), mode, outcome, actor(*c.who)), case_json);
}

// ---- steps ----

ApiResult CourtApi::list_steps(const RouteCall& c) {
  store::StepFilter filter;
  if (auto e = id_param(c.req, "case_id", filter.case_id)) return *e;
  if (auto e = id_param(c.req, "session_id", filter.session_id)) return *e;
  if (auto e = id_param(c.req, "campaign_id", filter.campaign_id)) return *e;
  const int given = !!filter.case_id + !!filter.session_id + !!filter.campaign_id;
  if (given != 1) return bad_field("query", "give exactly one of case_id, session_id, campaign_id");
  return answer_list(repo().list_steps(filter), "steps", step_json);
}

ApiResult CourtApi::mark_step(const RouteCall& c) {
  court::EnforcementStep s;
  if (auto e = read_body(c.req, kStepFields, [&](FieldReader& r) { read_step(r, s, true); }))
    return *e;
  auto marked = repo().mark_step(s, settings_, actor(*c.who));
  if (marked && media_) media_->step_marked(*marked);
  return answer(std::move(marked), step_json, status::created);
}

ApiResult CourtApi::get_step(const RouteCall& c) {
  return answer(repo().get_step(c.id()), step_json);
}

ApiResult CourtApi::update_step(const RouteCall& c) {
  auto s = repo().get_step(c.id());
  if (!s) return store_error(s.error());
  if (auto e = read_body(c.req, kStepFields, [&](FieldReader& r) { read_step(r, *s, false); }))
    return *e;
  auto updated = repo().update_step(*s, settings_, actor(*c.who));
  if (updated && media_) media_->step_marked(*updated);
  return answer(std::move(updated), step_json);
}

ApiResult CourtApi::record_deadline(const RouteCall& c) {
  // {"outcome": "met", "at_ms": …} (at_ms defaults to now) or {"outcome": "missed"}.
  std::string code;
  std::optional<court::DeadlineState> outcome;
  std::optional<std::int64_t> at_ms;
  if (auto e = read_body(c.req, {"outcome", "at_ms"}, [&](FieldReader& r) {
        r.text("outcome", code, true);
        outcome = court::deadline_outcome_from_code(code);
        if (r.ok() && !outcome) r.fail("outcome", "one of " + court::deadline_outcome_codes());
        r.opt_int64("at_ms", at_ms);
        if (r.ok() && outcome == court::DeadlineState::missed && at_ms)
          r.fail("at_ms", "only for met: a deadline is missed as of now");
      }))
    return *e;
  std::optional<court::UtcMs> met_at;
  if (outcome == court::DeadlineState::met) met_at = at_ms.value_or(base::utc_now_ms());
  return answer(repo().record_deadline(c.id(), met_at, actor(*c.who)), step_json);
}

ApiResult CourtApi::step_types(const RouteCall&) {
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
