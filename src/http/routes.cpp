#include "http/routes.hpp"

#include <boost/json.hpp>
#include <stdexcept>

#include "base/clock.hpp"
#include "base/text.hpp"
#include "http/card_api.hpp"
#include "http/court_api.hpp"
#include "http/destination_api.hpp"
#include "http/program_api.hpp"
#include "http/qa_api.hpp"
#include "http/recording_api.hpp"
#include "http/server.hpp"
#include "http/stream_api.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;
using boost::beast::http::verb;
using store::Role;
using Call = const RouteCall&;

court::Id RouteCall::id(std::size_t i) const {
  // The row's "{id}" was checked before the handler ran (bad_route_id).
  if (auto id = parse_id(param(i))) return *id;
  throw std::logic_error("route parameter is not an id");
}

Auth& RouteCall::auth() const {
  return *services.auth;
}

CourtApi& RouteCall::court() const {
  return *services.court;
}

namespace {

constexpr RoleSet A = role_bit(Role::admin);
constexpr RoleSet D = role_bit(Role::director);
constexpr RoleSet O = role_bit(Role::officer);
constexpr RoleSet M = role_bit(Role::moderator);

// A successful change goes into the audit log under `action`, with what it
// changed (`details`, less the answer's "accepted").
void audit_change(Call c, std::string action, const ApiResult& r,
                  const json::object* changed = nullptr) {
  if (!c.who || c.req.method == verb::get || static_cast<int>(r.status) >= 300) return;
  json::object details{{"method", boost::beast::http::to_string(c.req.method)},
                       {"path", c.req.path}};
  if (changed)
    for (const auto& [key, value] : *changed)
      if (key != "accepted") details[key] = value;
  c.auth().audit(*c.who, std::move(action), details);
}

// ---- streams: the public sees what it may play (air), without
// publishers' addresses; the team sees inputs and programs too ----

bool stream_shown(Call c, const std::string& name) {
  return c.who || !c.services.access.refuse_play(name, {}, false);
}

ApiResult list_streams(Call c) {
  return {status::ok,
          streams_json(
              c.services.hub, [&](const std::string& name) { return stream_shown(c, name); },
              c.who.has_value())};
}

ApiResult get_stream(Call c) {
  const std::string name(c.param(0));
  auto s = c.services.hub.find(name);
  if (!s || !stream_shown(c, name))
    return api_error(status::not_found, "stream_not_found",
                     "no stream named '" + name + "' is live or being played");
  return {status::ok, stream_json(s->info(), c.who.has_value())};
}

// GET without the upgrade: the events are a WebSocket (server.cpp).
ApiResult events_need_websocket(Call) {
  return api_error(status::bad_request, "websocket_required",
                   "/api/v1/events is a WebSocket: connect with an Upgrade request");
}

// ---- destinations ----

std::optional<ApiResult> no_relay(Call c) {
  if (c.services.relay) return std::nullopt;
  return api_error(status::service_unavailable, "relay_disabled", "no relay is running");
}

// A change to the set is audited and kept across restarts.
ApiResult destinations_changed(Call c, ApiResult r) {
  audit_change(c, "destination.change", r);
  if (static_cast<int>(r.status) < 300 && c.services.destinations_changed)
    c.services.destinations_changed();
  return r;
}

template <ApiResult (*F)(Call)>
ApiResult with_relay(Call c) {
  if (auto e = no_relay(c)) return *e;
  return F(c);
}

ApiResult list_destinations_(Call c) {
  return list_destinations(*c.services.relay);
}
ApiResult get_destination_(Call c) {
  return get_destination(*c.services.relay, c.param(0));
}
ApiResult add_destination_(Call c) {
  return destinations_changed(c, add_destination(*c.services.relay, c.req.body));
}
ApiResult change_destination_(Call c) {
  return destinations_changed(c, change_destination(*c.services.relay, c.param(0), c.req.body));
}
ApiResult remove_destination_(Call c) {
  return destinations_changed(c, remove_destination(*c.services.relay, c.param(0)));
}
template <bool Running>
ApiResult run_destination_(Call c) {
  return destinations_changed(c, run_destination(*c.services.relay, c.param(0), Running));
}

// ---- programs ----

const program::ProgramRegistry& programs(Call c) {
  static const program::ProgramRegistry kNone;
  return c.services.programs ? *c.services.programs : kNone;
}

ApiResult list_programs_(Call c) {
  return list_programs(programs(c));
}
ApiResult get_program_(Call c) {
  return get_program(programs(c), c.param(0));
}
// Each control action is audited under its own name, with what it changed
// (the input taken, the delay set, the cut's reason).
template <ProgramAction Action>
ApiResult program_action_(Call c) {
  auto r = program_action(programs(c), c.param(0), Action, std::string(c.req.body), c.by());
  audit_change(c, "program." + std::string(program_action_code(Action)), r,
               r.body.is_object() ? &r.body.as_object() : nullptr);
  return r;
}

// ---- the standby card ----

std::optional<ApiResult> no_cards(Call c) {
  if (c.services.cards) return std::nullopt;
  return api_error(status::service_unavailable, "card_disabled", "no standby card store");
}

// Uploads and resets are announced (the console shows the card) and audited.
ApiResult card_changed(Call c, ApiResult r, bool upload) {
  if (r.status != status::ok) return r;
  if (c.services.events)
    c.services.events->publish(json::serialize(json::object{{"type", "card"},
                                                            {"action", upload ? "upload" : "reset"},
                                                            {"by", c.by()},
                                                            {"card", r.body}}));
  json::object details{{"method", boost::beast::http::to_string(c.req.method)},
                       {"path", c.req.path}};
  if (upload) {
    const auto& card = r.body.as_object();
    for (const char* key : {"sha256", "format", "size_bytes"}) details[key] = card.at(key);
  }
  c.auth().audit(*c.who, upload ? "card.upload" : "card.reset", details);
  return r;
}

ApiResult get_card_(Call c) {
  if (auto e = no_cards(c)) return *e;
  return get_card(*c.services.cards);
}
// The card in effect as one FLV file, for the card page's preview.
ApiResult card_media_(Call c) {
  if (auto e = no_cards(c)) return *e;
  ApiResult r{status::ok, nullptr};
  r.file = FileReply{c.services.cards->media_path(), "video/x-flv", "standby-card.flv", "", {}};
  return r;
}
ApiResult upload_card_(Call c) {
  if (auto e = no_cards(c)) return *e;
  return card_changed(
      c, upload_card(*c.services.cards, c.req.body, c.req.content_type, c.by(), base::utc_now_ms()),
      true);
}
ApiResult reset_card_(Call c) {
  if (auto e = no_cards(c)) return *e;
  return card_changed(c, reset_card(*c.services.cards, c.by()), false);
}

// ---- the court's emblem ----

std::optional<ApiResult> no_emblems(Call c) {
  if (c.services.emblems) return std::nullopt;
  return api_error(status::service_unavailable, "emblem_disabled", "no emblem store");
}

// Uploads and removals are announced and audited, like the card's.
ApiResult emblem_changed(Call c, ApiResult r, bool upload) {
  if (r.status != status::ok) return r;
  if (c.services.events)
    c.services.events->publish(json::serialize(json::object{{"type", "emblem"},
                                                            {"action", upload ? "upload" : "reset"},
                                                            {"by", c.by()},
                                                            {"emblem", r.body}}));
  json::object details{{"method", boost::beast::http::to_string(c.req.method)},
                       {"path", c.req.path}};
  if (upload)
    for (const char* key : {"sha256", "size_bytes", "width", "height"})
      details[key] = r.body.as_object().at(key);
  c.auth().audit(*c.who, upload ? "emblem.upload" : "emblem.reset", details);
  return r;
}

ApiResult get_emblem_(Call c) {
  if (auto e = no_emblems(c)) return *e;
  return get_emblem(*c.services.emblems);
}
ApiResult upload_emblem_(Call c) {
  if (auto e = no_emblems(c)) return *e;
  return emblem_changed(
      c, upload_emblem(*c.services.emblems, c.req.body, c.req.content_type, c.by()), true);
}
ApiResult reset_emblem_(Call c) {
  if (auto e = no_emblems(c)) return *e;
  return emblem_changed(c, reset_emblem(*c.services.emblems, c.by()), false);
}

// ---- recordings and clip export ----

std::optional<ApiResult> no_recordings(Call c) {
  if (c.services.recordings) return std::nullopt;
  return api_error(status::service_unavailable, "recording_disabled", "recording is off");
}

// A download is audited under the file's own action.
ApiResult export_answered(Call c, ApiResult r) {
  audit_change(c, "recording.export", r);
  if (r.file && c.who) c.auth().audit(*c.who, r.file->audit_action, r.file->audit_details);
  return r;
}

ApiResult list_recorders_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  return c.services.recordings->list_recorders();
}
ApiResult start_export_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  return export_answered(c, c.services.recordings->start_export(c.param(0), c.param(1),
                                                                std::string(c.req.body), c.by()));
}
ApiResult list_exports_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  return c.services.recordings->list_exports(c.param(0), c.param(1));
}
ApiResult get_export_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  return c.services.recordings->get_export(c.param(0), c.param(1), c.param(2));
}
template <char Which>  // 'c'lip, 's'idecar, 'p'art
ApiResult export_file_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  const std::string_view which = Which == 'c' ? "clip" : Which == 's' ? "sidecar" : c.param(3);
  return export_answered(
      c, c.services.recordings->export_file(c.param(0), c.param(1), c.param(2), which));
}
// GET …/recordings lists; with ?verify=1 it verifies like POST …/verify,
// for whoever that row lets in: one row decides for both forms.
ApiResult session_recordings_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  bool verify = false;
  if (const auto v = base::query_value(c.req.query, "verify")) {
    if (*v != "1" && *v != "0") return bad_field("verify", "1 or 0");
    verify = *v == "1";
  }
  if (verify) {
    const Route* row = find_route(verb::post, std::string(c.req.path) + "/verify");
    if (!row || !c.who || !(row->roles & role_bit(c.who->role)))
      return api_error(status::forbidden, "forbidden",
                       "verifying recordings is for " + role_list(row ? row->roles : 0) +
                           " (the role may list them without ?verify=1)");
  }
  return c.services.recordings->session_recordings(c.id(), verify);
}
ApiResult verify_session_recordings_(Call c) {
  if (auto e = no_recordings(c)) return *e;
  return c.services.recordings->session_recordings(c.id(), true);
}

// ---- the court ----

template <ApiResult (CourtApi::*F)(Call)>
ApiResult court(Call c) {
  return (c.court().*F)(c);
}

template <store::SessionAction Action>
ApiResult transition(Call c) {
  return c.court().transition_session(c, Action);
}

// ---- the watch page and viewers' questions (qa_api.cpp) ----

std::optional<ApiResult> no_qa(Call c) {
  if (c.services.qa) return std::nullopt;
  return api_error(status::service_unavailable, "questions_disabled", "no watch page service");
}

ApiResult public_sessions_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return c.services.qa->public_sessions(c.req);
}
template <ApiResult (QaApi::*F)(const ApiRequest&, court::Id)>
ApiResult qa_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return (c.services.qa->*F)(c.req, c.id());
}
template <store::QuestionAction Action>
ApiResult decide_question_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return c.services.qa->decide(c.req, *c.who, c.id(), Action);
}
ApiResult reveal_question_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return c.services.qa->reveal(*c.who, c.id());
}
ApiResult question_decisions_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return c.services.qa->decisions(c.id());
}
ApiResult reload_words_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return c.services.qa->reload_words(*c.who);
}
template <bool Csv>
ApiResult comments_(Call c) {
  if (auto e = no_qa(c)) return *e;
  return c.services.qa->comments(c.req, *c.who, c.id(), Csv);
}

constexpr auto kPasswordPool = RouteRuns::password_pool;
constexpr auto kBlockingPool = RouteRuns::blocking_pool;
constexpr auto kStorePool = RouteRuns::store_pool;

// The one table. A request that no row matches is refused (404, or 405
// when only the method differs) before any handler sees it. First match
// wins; rows are chosen by shape ("{id}" matches any segment), so that
// "sessions/02/approve" meets the approve row and its roles, and "02" is
// then refused as not an id.
const Route kRoutes[] = {
    // Logging in, API tokens.
    {"POST", "/api/v1/login", kPublic, [](Call c) { return c.auth().login(c.req); },
     kBodyLimitBytes, kPasswordPool},
    {"POST", "/api/v1/logout", kAnyRole, [](Call c) { return c.auth().logout(c.req, *c.who); }},
    {"GET", "/api/v1/me", kAnyRole, [](Call c) { return c.auth().me(c.req, *c.who); }},
    {"GET", "/api/v1/tokens", A, [](Call c) { return c.auth().list_tokens(); }},
    {"POST", "/api/v1/tokens", A, [](Call c) { return c.auth().create_token(c.req, *c.who); }},
    {"DELETE", "/api/v1/tokens/{id}", A,
     [](Call c) { return c.auth().revoke_token(c.id(), *c.who); }},
    // Users and the audit log (admin_api.cpp).
    {"GET", "/api/v1/users", A, court<&CourtApi::list_users>},
    {"POST", "/api/v1/users", A, court<&CourtApi::create_user>, kBodyLimitBytes, kPasswordPool},
    {"GET", "/api/v1/users/{id}", A, court<&CourtApi::get_user>},
    {"PATCH", "/api/v1/users/{id}", A, court<&CourtApi::update_user>, kBodyLimitBytes,
     kPasswordPool},
    {"GET", "/api/v1/audit", A, court<&CourtApi::audit_log>},
    {"GET", "/api/v1/audit/verify", A, court<&CourtApi::verify_audit>},
    // Live core: stream state is public, as before users existed.
    {"GET", "/api/v1/streams", kPublic, list_streams},
    {"GET", "/api/v1/streams/{rest}", kPublic, get_stream},
    {"GET", "/api/v1/events", kAnyRole, events_need_websocket},
    {"GET", "/api/v1/destinations", kAnyRole, with_relay<list_destinations_>},
    {"POST", "/api/v1/destinations", A | D, with_relay<add_destination_>},
    {"GET", "/api/v1/destinations/{name}", kAnyRole, with_relay<get_destination_>},
    {"PATCH", "/api/v1/destinations/{name}", A | D, with_relay<change_destination_>},
    {"PUT", "/api/v1/destinations/{name}", A | D, with_relay<change_destination_>},
    {"DELETE", "/api/v1/destinations/{name}", A | D, with_relay<remove_destination_>},
    {"POST", "/api/v1/destinations/{name}/start", A | D, with_relay<run_destination_<true>>},
    {"POST", "/api/v1/destinations/{name}/stop", A | D, with_relay<run_destination_<false>>},
    {"GET", "/api/v1/programs", kAnyRole, list_programs_},
    {"GET", "/api/v1/programs/{name}", kAnyRole, get_program_},
    {"POST", "/api/v1/programs/{name}/take", A | D, program_action_<ProgramAction::take>},
    {"POST", "/api/v1/programs/{name}/card", A | D, program_action_<ProgramAction::card>},
    {"POST", "/api/v1/programs/{name}/delay", A | D, program_action_<ProgramAction::delay>},
    {"POST", "/api/v1/programs/{name}/auto_return", A | D,
     program_action_<ProgramAction::auto_return>},
    // What air shows besides the cameras: the slate's message and the
    // graphics switches, changed live by the director.
    {"POST", "/api/v1/programs/{name}/slate", A | D, program_action_<ProgramAction::slate>},
    {"POST", "/api/v1/programs/{name}/graphics", A | D, program_action_<ProgramAction::graphics>},
    // The privacy cut belongs to whoever guards privacy: the moderator
    // (审核员) may cut and resume, not take.
    {"POST", "/api/v1/programs/{name}/cut", A | D | M, program_action_<ProgramAction::cut>},
    {"POST", "/api/v1/programs/{name}/resume", A | D | M, program_action_<ProgramAction::resume>},
    {"GET", "/api/v1/card", kAnyRole, get_card_},
    {"GET", "/api/v1/card/media", kAnyRole, card_media_},
    // A card is up to 32 MiB, remuxed and synced off the worker loops; its
    // caller is checked before the body is read (server.cpp).
    {"PUT", "/api/v1/card", A | D, upload_card_, program::kCardMaxBytes, kBlockingPool},
    {"DELETE", "/api/v1/card", A | D, reset_card_},
    {"GET", "/api/v1/emblem", kAnyRole, get_emblem_},
    // Twice the emblem's limit, so that an oversized PNG is refused by name.
    {"PUT", "/api/v1/emblem", A | D, upload_emblem_, 2 * program::kEmblemMaxBytes, kBlockingPool},
    {"DELETE", "/api/v1/emblem", A | D, reset_emblem_, kBodyLimitBytes, kBlockingPool},
    // Evidence: anyone on the team sees the recorders; clips for the case
    // file are cut, followed and downloaded by officers and the broadcast
    // team, who also verify a session's recordings on demand.
    {"GET", "/api/v1/recordings", kAnyRole, list_recorders_},
    {"POST", "/api/v1/recordings/{name}/{name}/exports", A | D | O, start_export_},
    {"GET", "/api/v1/recordings/{name}/{name}/exports", A | D | O, list_exports_},
    {"GET", "/api/v1/recordings/{name}/{name}/exports/{name}", A | D | O, get_export_},
    {"GET", "/api/v1/recordings/{name}/{name}/exports/{name}/clip", A | D | O, export_file_<'c'>},
    {"GET", "/api/v1/recordings/{name}/{name}/exports/{name}/sidecar", A | D | O,
     export_file_<'s'>},
    {"GET", "/api/v1/recordings/{name}/{name}/exports/{name}/parts/{name}", A | D | O,
     export_file_<'p'>},
    {"GET", "/api/v1/sessions/{id}/recordings", kAnyRole, session_recordings_, kBodyLimitBytes,
     kBlockingPool},
    {"POST", "/api/v1/sessions/{id}/recordings/verify", A | D | O, verify_session_recordings_,
     kBodyLimitBytes, kBlockingPool},
    // The enforcement domain (court_api.cpp). The broadcast team plans
    // sessions, officers keep cases and steps, approval (一案一审核) is for
    // leadership (admin).
    {"GET", "/api/v1/campaigns", kAnyRole, court<&CourtApi::list_campaigns>},
    {"POST", "/api/v1/campaigns", A | D, court<&CourtApi::create_campaign>},
    {"GET", "/api/v1/campaigns/{id}", kAnyRole, court<&CourtApi::get_campaign>},
    {"PATCH", "/api/v1/campaigns/{id}", A | D, court<&CourtApi::update_campaign>},
    {"GET", "/api/v1/campaigns/{id}/stats", kAnyRole, court<&CourtApi::campaign_stats>},
    {"GET", "/api/v1/campaigns/{id}/stats/{name}", kAnyRole,
     court<&CourtApi::campaign_month_stats>},
    {"GET", "/api/v1/sessions", kAnyRole, court<&CourtApi::list_sessions>},
    {"POST", "/api/v1/sessions", A | D, court<&CourtApi::create_session>},
    {"GET", "/api/v1/sessions/{id}", kAnyRole, court<&CourtApi::get_session>},
    {"PATCH", "/api/v1/sessions/{id}", A | D, court<&CourtApi::update_session>},
    {"GET", "/api/v1/sessions/{id}/stats", kAnyRole, court<&CourtApi::session_stats>},
    {"GET", "/api/v1/sessions/{id}/steps", kAnyRole, court<&CourtApi::session_steps>},
    {"GET", "/api/v1/sessions/{id}/broadcast", kAnyRole, court<&CourtApi::session_broadcast>},
    {"POST", "/api/v1/sessions/{id}/publish-urls", A | D, court<&CourtApi::session_publish_urls>},
    {"POST", "/api/v1/sessions/{id}/inputs/{name}/publish-key", A | D,
     court<&CourtApi::rotate_publish_key>},
    {"POST", "/api/v1/sessions/{id}/cases", A | D | O, court<&CourtApi::add_case_to_session>},
    {"POST", "/api/v1/sessions/{id}/audience", A | D, court<&CourtApi::record_audience>},
    {"POST", "/api/v1/sessions/{id}/submit", A | D | O, transition<store::SessionAction::submit>},
    {"POST", "/api/v1/sessions/{id}/withdraw", A | D, transition<store::SessionAction::withdraw>},
    {"POST", "/api/v1/sessions/{id}/approve", A, transition<store::SessionAction::approve>},
    {"POST", "/api/v1/sessions/{id}/reject", A, transition<store::SessionAction::reject>},
    {"POST", "/api/v1/sessions/{id}/start", A | D, transition<store::SessionAction::go_live>},
    {"POST", "/api/v1/sessions/{id}/end", A | D, transition<store::SessionAction::end>},
    // The public watch page: anonymous, read-only but for asking, cached
    // (qa_api.hpp).
    {"GET", "/api/v1/public/sessions", kPublic, public_sessions_},
    {"GET", "/api/v1/public/sessions/{id}", kPublic, qa_<&QaApi::public_session>},
    {"GET", "/api/v1/public/sessions/{id}/questions", kPublic, qa_<&QaApi::public_questions>},
    {"POST", "/api/v1/public/sessions/{id}/questions", kPublic, qa_<&QaApi::ask>},
    {"POST", "/api/v1/public/sessions/{id}/views", kPublic, qa_<&QaApi::view>},
    // Viewers' questions: the moderator (审核员) screens them, officers
    // answer those marked for the air, the broadcast team watches the
    // queue. The text as asked is the moderator's alone, and audited. A
    // platform's bridge posts comments with an API token of the moderator
    // role.
    {"GET", "/api/v1/sessions/{id}/questions", A | D | O | M, qa_<&QaApi::queue>},
    {"POST", "/api/v1/sessions/{id}/comments", A | M, comments_<false>},
    {"POST", "/api/v1/sessions/{id}/comments/import", A | M, comments_<true>},
    {"POST", "/api/v1/questions/{id}/approve", A | M,
     decide_question_<store::QuestionAction::approve>},
    {"POST", "/api/v1/questions/{id}/reject", A | M,
     decide_question_<store::QuestionAction::reject>},
    {"POST", "/api/v1/questions/{id}/to_answer", A | M,
     decide_question_<store::QuestionAction::to_answer>},
    {"POST", "/api/v1/questions/{id}/pin", A | M, decide_question_<store::QuestionAction::pin>},
    {"POST", "/api/v1/questions/{id}/unpin", A | M, decide_question_<store::QuestionAction::unpin>},
    {"POST", "/api/v1/questions/{id}/merge", A | M, decide_question_<store::QuestionAction::merge>},
    {"POST", "/api/v1/questions/{id}/answer", A | O,
     decide_question_<store::QuestionAction::answer>},
    {"POST", "/api/v1/questions/{id}/reveal", A | M, reveal_question_},
    {"GET", "/api/v1/questions/{id}/decisions", A | M, question_decisions_},
    {"POST", "/api/v1/words/reload", A | M, reload_words_},
    {"GET", "/api/v1/cases", kAnyRole, court<&CourtApi::list_cases>},
    {"POST", "/api/v1/cases", A | O, court<&CourtApi::create_case>},
    {"GET", "/api/v1/cases/{id}", kAnyRole, court<&CourtApi::get_case>},
    {"PATCH", "/api/v1/cases/{id}", A | O, court<&CourtApi::update_case>},
    {"GET", "/api/v1/cases/{id}/steps", kAnyRole, court<&CourtApi::case_steps>},
    {"POST", "/api/v1/cases/{id}/close", A | O, court<&CourtApi::close_case>},
    {"GET", "/api/v1/steps", kAnyRole, court<&CourtApi::list_steps>},
    {"POST", "/api/v1/steps", A | O, court<&CourtApi::mark_step>, kBodyLimitBytes, kStorePool},
    {"GET", "/api/v1/steps/{id}", kAnyRole, court<&CourtApi::get_step>},
    {"PATCH", "/api/v1/steps/{id}", A | O, court<&CourtApi::update_step>, kBodyLimitBytes,
     kStorePool},
    {"POST", "/api/v1/steps/{id}/deadline", A | O, court<&CourtApi::record_deadline>,
     kBodyLimitBytes, kStorePool},
    {"GET", "/api/v1/step-types", kAnyRole, court<&CourtApi::step_types>},
};

bool path_matches(std::string_view pattern, std::string_view path) {
  const auto want = base::path_segments(pattern);
  const auto have = base::path_segments(path);
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{rest}") return i < have.size();
    if (i >= have.size()) return false;
    if (want[i] != "{id}" && want[i] != "{name}" && want[i] != have[i]) return false;
  }
  return want.size() == have.size();
}

}  // namespace

std::span<const Route> route_table() {
  return kRoutes;
}

const Route* find_route(verb method, std::string_view path) {
  const std::string_view m = boost::beast::http::to_string(method);
  for (const auto& route : kRoutes) {
    if (route.method == m && path_matches(route.pattern, path)) return &route;
  }
  return nullptr;
}

ApiResult no_route(verb method, std::string_view path) {
  for (const auto& route : kRoutes) {
    if (path_matches(route.pattern, path))
      return api_error(status::method_not_allowed, "method_not_allowed",
                       std::string(boost::beast::http::to_string(method)) + " is not allowed on " +
                           std::string(path));
  }
  return api_error(status::not_found, "not_found", "no API endpoint at " + std::string(path));
}

std::optional<ApiResult> bad_route_id(const Route& route, std::string_view path) {
  const auto want = base::path_segments(route.pattern);
  const auto have = base::path_segments(path);
  for (std::size_t i = 0; i < want.size() && i < have.size(); ++i) {
    if (want[i] == "{id}" && !parse_id(have[i]))
      return api_error(status::not_found, "not_found",
                       "'" + std::string(have[i]).substr(0, 40) +
                           "' is not an id (a positive integer without leading zeros)");
  }
  return std::nullopt;
}

std::vector<std::string_view> route_params(const Route& route, std::string_view path) {
  const auto want = base::path_segments(route.pattern);
  const auto have = base::path_segments(path);
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < want.size() && i < have.size(); ++i) {
    if (want[i] == "{rest}") {
      // From this segment to the end of the path, slashes and all.
      out.push_back(path.substr(static_cast<std::size_t>(have[i].data() - path.data())));
      break;
    }
    if (want[i] == "{id}" || want[i] == "{name}") out.push_back(have[i]);
  }
  return out;
}

std::string role_list(RoleSet roles) {
  std::string out;
  for (Role r : {Role::admin, Role::director, Role::officer, Role::moderator, Role::readonly}) {
    if (roles & role_bit(r)) out += (out.empty() ? "" : ", ") + std::string(store::role_code(r));
  }
  return out;
}

}  // namespace courtcast::http
