#include "http/court_json.hpp"

#include <cmath>

#include "base/unicode.hpp"
#include "court/step_type.hpp"

namespace courtcast::http {

namespace json = boost::json;
using namespace court;

// ---- FieldReader ----

FieldReader::FieldReader(const json::object& o, std::string prefix,
                         std::span<const std::string_view> allowed)
    : o_(o), prefix_(std::move(prefix)) {
  for (const auto& [k, v] : o) {
    bool known = false;
    for (auto a : allowed) known = known || a == std::string_view(k);
    if (known) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(k, "unknown field (allowed: " + list + ")");
    return;
  }
}

std::string FieldReader::name(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

void FieldReader::fail(std::string_view key, std::string_view reason) {
  if (error_.empty()) error_ = name(key) + ": " + std::string(reason);
}

const json::value* FieldReader::get(std::string_view key) {
  if (!ok()) return nullptr;
  return o_.if_contains(key);
}

void FieldReader::text(std::string_view key, std::string& out, bool required,
                       std::size_t max_chars) {
  const auto* v = get(key);
  if (!v) {
    if (required && ok()) fail(key, "required");
    return;
  }
  if (!v->is_string()) return fail(key, "must be a string");
  if (required && v->as_string().empty()) return fail(key, "must not be empty");
  if (v->as_string().size() > max_chars * 4)
    return fail(key, "at most " + std::to_string(max_chars) + " characters");
  if (auto why = base::unsafe_text(v->as_string())) return fail(key, *why + " is not allowed");
  out = std::string(v->as_string());
}

void FieldReader::int64(std::string_view key, std::int64_t& out, bool required, std::int64_t min,
                        std::int64_t max) {
  const auto* v = get(key);
  if (!v) {
    if (required && ok()) fail(key, "required");
    return;
  }
  if (!v->is_int64() && !v->is_uint64()) return fail(key, "must be an integer");
  if (v->is_uint64() && v->as_uint64() > std::uint64_t(INT64_MAX)) return fail(key, "too large");
  const std::int64_t n = v->is_int64() ? v->as_int64() : std::int64_t(v->as_uint64());
  if (n < min) return fail(key, "must be at least " + std::to_string(min));
  if (n > max) return fail(key, "must be at most " + std::to_string(max));
  out = n;
}

void FieldReader::integer(std::string_view key, int& out, bool required, int min, int max) {
  std::int64_t n = out;
  int64(key, n, required, min, max);
  if (!ok()) return;
  out = static_cast<int>(n);
}

void FieldReader::boolean(std::string_view key, bool& out) {
  const auto* v = get(key);
  if (!v) return;
  if (!v->is_bool()) return fail(key, "must be true or false");
  out = v->as_bool();
}

void FieldReader::real(std::string_view key, double& out, double min, double max) {
  const auto* v = get(key);
  if (!v) return;
  if (!v->is_number()) return fail(key, "must be a number");
  const double d = v->to_number<double>();
  if (d < min) return fail(key, "must be at least " + std::to_string(min));
  if (!(d <= max)) return fail(key, "must be at most " + std::to_string(max));
  out = d;
}

void FieldReader::opt_int64(std::string_view key, std::optional<std::int64_t>& out) {
  if (is_null(key)) {
    if (ok()) out.reset();
    return;
  }
  if (!get(key)) return;
  std::int64_t n = 0;
  int64(key, n, false, 0);
  if (ok()) out = n;
}

void FieldReader::strings(std::string_view key, std::vector<std::string>& out) {
  const auto* v = get(key);
  if (!v) return;
  if (!v->is_array()) return fail(key, "must be an array of strings");
  std::vector<std::string> items;
  for (const auto& item : v->as_array()) {
    if (!item.is_string() || item.as_string().empty())
      return fail(key, "must be an array of non-empty strings");
    if (auto why = base::unsafe_text(item.as_string()))
      return fail(key, "[" + std::to_string(items.size()) + "]: " + *why + " is not allowed");
    items.emplace_back(item.as_string());
  }
  out = std::move(items);
}

void FieldReader::ids(std::string_view key, std::vector<std::int64_t>& out) {
  const auto* v = get(key);
  if (!v) return;
  if (!v->is_array()) return fail(key, "must be an array of ids");
  std::vector<std::int64_t> items;
  for (const auto& item : v->as_array()) {
    if (!item.is_int64() || item.as_int64() <= 0)
      return fail(key, "must be an array of positive integer ids");
    items.push_back(item.as_int64());
  }
  out = std::move(items);
}

// ---- readers ----

namespace {

constexpr std::string_view kPartyKinds = "person, organisation";
constexpr std::string_view kOfficerRoles =
    "judge, enforcement_officer, judicial_police, clerk, host, other";

void read_party(FieldReader& r, Party& p) {
  r.text("name", p.name, true);
  r.code("kind", p.kind, &party_kind_from_code, kPartyKinds);
  r.boolean("minor", p.is_minor);
}

void read_officer(FieldReader& r, Officer& o) {
  r.text("name", o.name, true);
  r.code("role", o.role, &officer_role_from_code, kOfficerRoles);
}

void read_witness(FieldReader& r, Witness& w) {
  r.text("name", w.name, true);
  r.text("organisation", w.organisation);
}

void read_officers(FieldReader& r, std::string_view key, std::vector<Officer>& out) {
  r.list(key, out, {"name", "role"}, read_officer);
}

void read_witnesses(FieldReader& r, std::vector<Witness>& out) {
  r.list("witnesses", out, {"name", "organisation"}, read_witness);
}

std::optional<StepType> step_type_code(std::string_view code) {
  return step_type_from_code(code);
}

}  // namespace

void read_campaign(FieldReader& r, Campaign& c, bool creating) {
  r.text("name", c.name, creating, 200);
  r.int64("start_ms", c.start_ms, creating);
  r.int64("end_ms", c.end_ms, creating);
  r.strings("key_tasks", c.key_tasks);
  r.integer("target_sessions_per_month", c.target_sessions_per_month);
}

void read_case(FieldReader& r, Case& c, bool creating) {
  r.opt_int64("campaign_id", c.campaign_id);
  r.text("number", c.number, creating, 100);
  r.text("cause", c.cause, creating, 200);
  r.text("handler", c.handler, false, 100);
  r.list("applicants", c.applicants, {"name", "kind", "minor"}, read_party);
  r.list("respondents", c.respondents, {"name", "kind", "minor"}, read_party);
  r.int64("claimed_fen", c.claimed_fen, false, 0, kMaxAmountFen);
  r.boolean("has_property", c.has_property);
  r.int64("filed_ms", c.filed_ms, creating);
  if (r.is_null("broadcast_bar")) {
    c.broadcast_bar.reset();
  } else if (r.has("broadcast_bar")) {
    BroadcastBar bar;
    r.object("broadcast_bar", {"reason", "note"}, [&](FieldReader& b) {
      if (!b.has("reason")) b.fail("reason", "required");
      b.code("reason", bar.reason, &bar_reason_from_code,
             "party_objection, state_secret, trade_secret, privacy, minor, other");
      b.text("note", bar.note);
    });
    if (r.ok()) c.broadcast_bar = bar;
  }
}

void read_session(FieldReader& r, LiveSession& s, bool creating) {
  r.opt_int64("campaign_id", s.campaign_id);
  r.text("title", s.title, creating, 200);
  r.text("site", s.site, false, 200);
  r.text("public_description", s.public_description, false, 2000);
  r.int64("scheduled_start_ms", s.scheduled_start_ms, creating);
  r.opt_int64("scheduled_end_ms", s.scheduled_end_ms);
  // Cases come with the create body, so the plan's case_order can name them
  // in the same call; later they are added one by one (POST …/cases).
  if (creating)
    r.ids("case_ids", s.case_ids);
  else if (r.has("case_ids"))
    r.fail("case_ids", "add a case with POST /api/v1/sessions/ID/cases");
  r.object("plan", {"case_order", "route", "officers", "supervisors", "host", "script"},
           [&](FieldReader& p) {
             p.ids("case_order", s.plan.case_order);
             p.text("route", s.plan.route);
             read_officers(p, "officers", s.plan.officers);
             p.strings("supervisors", s.plan.supervisors);
             p.text("host", s.plan.host);
             p.text("script", s.plan.script, false, 100'000);
           });
  r.list("contingency", s.contingency, {"risk", "response"},
         [](FieldReader& c, ContingencyItem& item) {
           c.text("risk", item.risk, true);
           c.text("response", item.response, true);
         });
  r.strings("inputs", s.inputs);
  r.strings("destinations", s.destinations);
  r.int64("delay_ms", s.delay_ms);
  r.object("air",
           {"mode", "width", "height", "fps", "video_bitrate_kbps", "audio_bitrate_kbps", "preset"},
           [&](FieldReader& a) {
             a.code("mode", s.air.mode, court::air_mode_from_code, court::air_mode_codes());
             a.integer("width", s.air.width);
             a.integer("height", s.air.height);
             a.integer("fps", s.air.fps);
             a.integer("video_bitrate_kbps", s.air.video_bitrate_kbps);
             a.integer("audio_bitrate_kbps", s.air.audio_bitrate_kbps);
             a.text("preset", s.air.preset, false, 16);
           });
  read_officers(r, "officers", s.officers);
  r.integer("vehicles", s.vehicles, false, 0, kMaxVehicles);
  read_witnesses(r, s.witnesses);
  r.integer("questions_answered", s.questions_answered, false, 0, kMaxQuestionsAnswered);
}

void read_step(FieldReader& r, EnforcementStep& s, bool creating) {
  if (creating)
    r.int64("case_id", s.case_id, true, 1);
  else if (r.has("case_id"))
    r.fail("case_id", "a step stays on its case");
  r.opt_int64("session_id", s.session_id);
  if (creating && !r.has("type")) r.fail("type", "required");
  static const std::string kTypes = [] {
    std::string list;
    for (const auto& t : step_catalogue()) list += (list.empty() ? "" : ", ") + std::string(t.code);
    return list + " (or the Chinese name; GET /api/v1/step-types)";
  }();
  r.code("type", s.type, &step_type_code, kTypes);
  r.int64("start_ms", s.start_ms, creating);
  r.opt_int64("end_ms", s.end_ms);
  read_officers(r, "officers", s.officers);
  read_witnesses(r, s.witnesses);
  r.text("place", s.place);
  r.text("notes", s.notes, false, 20'000);
  if (r.is_null("deadline")) {
    if (creating)
      s.deadline.reset();
    else
      r.fail("deadline", "resolve a deadline with POST /api/v1/steps/ID/deadline");
  } else if (r.has("deadline")) {
    if (!creating) {
      r.fail("deadline", "resolve a deadline with POST /api/v1/steps/ID/deadline");
    } else {
      Deadline d;
      r.object("deadline", {"due_ms"},
               [&](FieldReader& dr) { dr.int64("due_ms", d.due_ms, true); });
      if (r.ok()) s.deadline = d;
    }
  }
  if (r.is_null("recording")) {
    s.recording.reset();
  } else if (r.has("recording")) {
    RecordingRange rec = s.recording.value_or(RecordingRange{});
    r.object("recording", {"start_ms", "end_ms", "inputs"}, [&](FieldReader& rr) {
      rr.int64("start_ms", rec.start_ms, true);
      rr.int64("end_ms", rec.end_ms, true);
      rr.strings("inputs", rec.inputs);
    });
    if (r.ok()) s.recording = rec;
  }
  r.strings("clips", s.clips);
  r.int64("amount_fen", s.amount_fen, false, 0, kMaxAmountFen);
  r.integer("people_count", s.people_count, false, 0, kMaxPeopleCount);
  r.real("area_m2", s.area_m2, 0, kMaxAreaM2);
  if (r.is_null("auction")) {
    s.auction.reset();
  } else if (r.has("auction")) {
    AuctionSchedule a = s.auction.value_or(AuctionSchedule{});
    r.object("auction", {"property", "announced_ms", "bidding_start_ms", "bidding_end_ms"},
             [&](FieldReader& ar) {
               ar.code("property", a.property, &property_kind_from_code, "movables, real_estate");
               ar.int64("announced_ms", a.announced_ms, true);
               ar.int64("bidding_start_ms", a.bidding_start_ms, true);
               ar.int64("bidding_end_ms", a.bidding_end_ms, true);
             });
    if (r.ok()) s.auction = a;
  }
}

void read_audience(FieldReader& r, AudienceFigure& f) {
  r.text("platform", f.platform, true, 100);
  if (!r.has("kind")) r.fail("kind", "required");
  r.code("kind", f.kind, &view_kind_from_code, "watch_count, clicks, visits");
  r.int64("count", f.count, true, 0, kMaxAudienceCount);
  r.code("source", f.source, &audience_source_from_code, "measured, entered, posted");
}

// ---- writers ----

namespace {

json::value opt(const std::optional<std::int64_t>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
json::value opt(const std::optional<double>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}

json::array strings_json(const std::vector<std::string>& v) {
  return json::array(v.begin(), v.end());
}

json::array parties_json(const std::vector<Party>& v) {
  json::array out;
  for (const auto& p : v)
    out.push_back(
        json::object{{"name", p.name}, {"kind", party_kind_code(p.kind)}, {"minor", p.is_minor}});
  return out;
}

json::array officers_json(const std::vector<Officer>& v) {
  json::array out;
  for (const auto& o : v)
    out.push_back(json::object{{"name", o.name}, {"role", officer_role_code(o.role)}});
  return out;
}

json::array witnesses_json(const std::vector<Witness>& v) {
  json::array out;
  for (const auto& w : v)
    out.push_back(json::object{{"name", w.name}, {"organisation", w.organisation}});
  return out;
}

json::object audience_json(const AudienceTotals& a) {
  json::array platforms;
  for (const auto& p : a.platforms)
    platforms.push_back(json::object{{"platform", p.platform},
                                     {"watch_count", p.watch_count},
                                     {"clicks", p.clicks},
                                     {"visits", p.visits}});
  return json::object{{"platforms", std::move(platforms)},
                      {"watch_count", a.watch_count},
                      {"clicks", a.clicks},
                      {"visits", a.visits}};
}

json::object activity_json(const ActivityStats& a) {
  return json::object{{"questions_answered", a.questions_answered},
                      {"cases_handled", a.cases_handled},
                      {"people_summoned", a.people_summoned},
                      {"people_detained", a.people_detained},
                      {"paid_on_spot_fen", a.paid_on_spot_fen},
                      {"cases_settled", a.cases_settled},
                      {"recovered_fen", a.recovered_fen},
                      {"paid_out_fen", a.paid_out_fen},
                      {"fines_fen", a.fines_fen},
                      {"area_vacated_m2", a.area_vacated_m2},
                      {"refusal_referrals", a.refusal_referrals},
                      {"steps", a.steps},
                      {"coercive_steps", a.coercive_steps},
                      {"deadlines_met", a.deadlines_met},
                      {"deadlines_missed", a.deadlines_missed}};
}

std::string date_text(int year, int month, int day = 0) {
  char buf[16];
  if (day)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

}  // namespace

json::object campaign_json(const Campaign& c) {
  return json::object{{"id", c.id},
                      {"name", c.name},
                      {"start_ms", c.start_ms},
                      {"end_ms", c.end_ms},
                      {"key_tasks", strings_json(c.key_tasks)},
                      {"target_sessions_per_month", c.target_sessions_per_month}};
}

json::object case_json(const Case& c) {
  json::value bar = nullptr;
  if (c.broadcast_bar)
    bar = json::object{{"reason", bar_reason_code(c.broadcast_bar->reason)},
                       {"note", c.broadcast_bar->note}};
  return json::object{
      {"id", c.id},
      {"campaign_id", opt(c.campaign_id)},
      {"number", c.number},
      {"cause", c.cause},
      {"handler", c.handler},
      {"applicants", parties_json(c.applicants)},
      {"respondents", parties_json(c.respondents)},
      {"claimed_fen", c.claimed_fen},
      {"recovered_fen", c.recovered_fen},
      {"paid_out_fen", c.paid_out_fen},
      {"has_property", c.has_property},
      {"state", case_state_code(c.state)},
      {"closure_mode",
       c.closure_mode ? json::value(closure_mode_code(*c.closure_mode)) : json::value(nullptr)},
      {"outcome", outcome_code(c.outcome)},
      {"filed_ms", c.filed_ms},
      {"closed_ms", opt(c.closed_ms)},
      {"broadcast_bar", std::move(bar)}};
}

json::object session_json(const LiveSession& s) {
  json::array contingency;
  for (const auto& c : s.contingency)
    contingency.push_back(json::object{{"risk", c.risk}, {"response", c.response}});
  json::array audience;
  for (const auto& f : s.audience)
    audience.push_back(json::object{{"platform", f.platform},
                                    {"kind", view_kind_code(f.kind)},
                                    {"count", f.count},
                                    {"source", audience_source_code(f.source)},
                                    {"reported_ms", f.reported_ms}});
  return json::object{
      {"id", s.id},
      {"campaign_id", opt(s.campaign_id)},
      {"title", s.title},
      {"site", s.site},
      {"scheduled_start_ms", s.scheduled_start_ms},
      {"scheduled_end_ms", opt(s.scheduled_end_ms)},
      {"actual_start_ms", opt(s.actual_start_ms)},
      {"actual_end_ms", opt(s.actual_end_ms)},
      {"state", session_state_code(s.state)},
      {"training", s.training},
      {"submitted_by", s.submitted_by},
      {"submitted_ms", opt(s.submitted_ms)},
      {"approved_by", s.approved_by},
      {"approved_ms", opt(s.approved_ms)},
      {"rejection_reason", s.rejection_reason},
      {"plan",
       json::object{{"case_order", json::array(s.plan.case_order.begin(), s.plan.case_order.end())},
                    {"route", s.plan.route},
                    {"officers", officers_json(s.plan.officers)},
                    {"supervisors", strings_json(s.plan.supervisors)},
                    {"host", s.plan.host},
                    {"script", s.plan.script}}},
      {"contingency", std::move(contingency)},
      {"case_ids", json::array(s.case_ids.begin(), s.case_ids.end())},
      {"inputs", strings_json(s.inputs)},
      {"destinations", strings_json(s.destinations)},
      {"delay_ms", s.delay_ms},
      {"air", json::object{{"mode", court::air_mode_code(s.air.mode)},
                           {"width", s.air.width},
                           {"height", s.air.height},
                           {"fps", s.air.fps},
                           {"video_bitrate_kbps", s.air.video_bitrate_kbps},
                           {"audio_bitrate_kbps", s.air.audio_bitrate_kbps},
                           {"preset", s.air.preset}}},
      {"audience", std::move(audience)},
      {"officers", officers_json(s.officers)},
      {"vehicles", s.vehicles},
      {"witnesses", witnesses_json(s.witnesses)},
      {"questions_answered", s.questions_answered},
      {"public_description", s.public_description}};
}

json::object step_json(const EnforcementStep& s) {
  const auto& info = step_type_info(s.type);
  json::value deadline = nullptr;
  if (s.deadline)
    deadline = json::object{{"due_ms", s.deadline->due_ms},
                            {"state", deadline_state_code(s.deadline->state)},
                            {"resolved_ms", opt(s.deadline->resolved_ms)}};
  json::value recording = nullptr;
  if (s.recording)
    recording = json::object{{"start_ms", s.recording->start_ms},
                             {"end_ms", s.recording->end_ms},
                             {"inputs", strings_json(s.recording->inputs)}};
  json::value auction = nullptr;
  if (s.auction)
    auction = json::object{{"property", property_kind_code(s.auction->property)},
                           {"announced_ms", s.auction->announced_ms},
                           {"bidding_start_ms", s.auction->bidding_start_ms},
                           {"bidding_end_ms", s.auction->bidding_end_ms}};
  return json::object{{"id", s.id},
                      {"case_id", s.case_id},
                      {"session_id", opt(s.session_id)},
                      {"type", info.code},
                      {"type_name_zh", info.name_zh},
                      {"coercive", info.coercive},
                      {"start_ms", s.start_ms},
                      {"end_ms", opt(s.end_ms)},
                      {"officers", officers_json(s.officers)},
                      {"witnesses", witnesses_json(s.witnesses)},
                      {"place", s.place},
                      {"notes", s.notes},
                      {"deadline", std::move(deadline)},
                      {"recording", std::move(recording)},
                      {"clips", strings_json(s.clips)},
                      {"amount_fen", s.amount_fen},
                      {"people_count", s.people_count},
                      {"area_m2", s.area_m2},
                      {"auction", std::move(auction)}};
}

json::object session_stats_json(const SessionStats& s) {
  return json::object{
      {"session_id", s.session_id},
      {"title", s.title},
      {"site", s.site},
      {"date", s.date ? json::value(date_text(s.date->year, s.date->month, s.date->day))
                      : json::value(nullptr)},
      {"start_ms", opt(s.start_ms)},
      {"duration_ms", s.duration_ms},
      {"platforms", strings_json(s.platforms)},
      {"audience", audience_json(s.audience)},
      {"officers", s.officers},
      {"vehicles", s.vehicles},
      {"witnesses", s.witnesses},
      {"activity", activity_json(s.activity)}};
}

json::object period_stats_json(const PeriodStats& s) {
  return json::object{{"sessions_held", s.sessions_held},
                      {"sessions_target", s.sessions_target},
                      {"live_ms", s.live_ms},
                      // Hours to two decimals, as reports give them (2.87).
                      {"hours_live", std::round(s.hours_live() * 100) / 100},
                      {"audience", audience_json(s.audience)},
                      {"activity", activity_json(s.activity)},
                      {"cases_received", s.cases_received},
                      {"cases_closed", s.cases_closed},
                      {"cases_actually_enforced", s.cases_actually_enforced},
                      {"closures_within_deadline", s.closures_within_deadline},
                      {"closed_claimed_fen", s.closed_claimed_fen},
                      {"closed_recovered_fen", s.closed_recovered_fen},
                      {"closure_rate", opt(s.closure_rate())},
                      {"actual_enforcement_rate", opt(s.actual_enforcement_rate())},
                      {"amount_recovery_rate", opt(s.amount_recovery_rate())},
                      {"closure_within_deadline_rate", opt(s.closure_within_deadline_rate())}};
}

json::object campaign_stats_json(const CampaignStats& s) {
  json::array months;
  for (const auto& m : s.months) {
    json::object o = period_stats_json(m.stats);
    o["month"] = date_text(m.month.year, m.month.month);
    months.push_back(std::move(o));
  }
  json::array sessions;
  for (const auto& ss : s.sessions) sessions.push_back(session_stats_json(ss));
  return json::object{{"campaign_id", s.campaign_id},
                      {"total", period_stats_json(s.total)},
                      {"months", std::move(months)},
                      {"sessions", std::move(sessions)}};
}

json::object audit_json(const store::AuditEntry& e) {
  boost::system::error_code ec;
  json::value details = json::parse(e.details, ec);
  if (ec) details = e.details;
  return json::object{{"seq", e.seq},       {"at_ms", e.at_ms},   {"actor", e.actor},
                      {"action", e.action}, {"details", details}, {"prev_hash", e.prev_hash},
                      {"hash", e.hash}};
}

json::object user_json(const store::User& u) {
  return json::object{{"id", u.id},
                      {"username", u.username},
                      {"role", store::role_code(u.role)},
                      {"disabled", u.disabled},
                      {"created_ms", u.created_ms}};
}

}  // namespace courtcast::http
