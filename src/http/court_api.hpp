#pragma once
// The control API of the enforcement domain under /api/v1: campaigns, live
// sessions and their transitions, cases, enforcement steps and deadlines,
// statistics per session, campaign and month, and (admin) users and the
// audit log. Bodies are read strictly (court_json.hpp); the store applies the
// court:: rules and logs every change with who did it.
//
// Who may call what is decided before this, by the route table (routes.hpp).
// Thread-safe: it holds no state of its own beyond the settings.

#include <string_view>

#include "court/settings.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/routes.hpp"
#include "http/session_media.hpp"

namespace courtcast::http {

// One member per endpoint (routes.cpp has the table that calls them); each
// "{id}" of its row is call.id(…), already checked.
class CourtApi {
 public:
  CourtApi(Auth& auth, court::Settings settings) : auth_(auth), settings_(settings) {}

  // Sessions' inputs, program, air and destinations; without it sessions
  // are records only.
  void set_session_media(SessionMedia* media) { media_ = media; }

  ApiResult list_campaigns(const RouteCall& c);
  ApiResult create_campaign(const RouteCall& c);
  ApiResult get_campaign(const RouteCall& c);
  ApiResult update_campaign(const RouteCall& c);
  ApiResult campaign_stats(const RouteCall& c);
  ApiResult campaign_month_stats(const RouteCall& c);  // …/stats/YYYY-MM

  ApiResult list_sessions(const RouteCall& c);
  ApiResult create_session(const RouteCall& c);
  ApiResult get_session(const RouteCall& c);
  ApiResult update_session(const RouteCall& c);
  ApiResult session_stats(const RouteCall& c);
  ApiResult session_steps(const RouteCall& c);
  ApiResult session_broadcast(const RouteCall& c);
  ApiResult session_publish_urls(const RouteCall& c);
  ApiResult rotate_publish_key(const RouteCall& c);
  ApiResult add_case_to_session(const RouteCall& c);
  ApiResult record_audience(const RouteCall& c);
  // submit, withdraw, approve, reject, start, end.
  ApiResult transition_session(const RouteCall& c, store::SessionAction action);

  ApiResult list_cases(const RouteCall& c);
  ApiResult create_case(const RouteCall& c);
  ApiResult get_case(const RouteCall& c);
  ApiResult update_case(const RouteCall& c);
  ApiResult case_steps(const RouteCall& c);
  ApiResult close_case(const RouteCall& c);

  ApiResult list_steps(const RouteCall& c);
  ApiResult mark_step(const RouteCall& c);
  ApiResult get_step(const RouteCall& c);
  ApiResult update_step(const RouteCall& c);
  ApiResult record_deadline(const RouteCall& c);
  ApiResult step_types(const RouteCall& c);

  // admin_api.cpp
  ApiResult list_users(const RouteCall& c);
  ApiResult create_user(const RouteCall& c);
  ApiResult get_user(const RouteCall& c);
  ApiResult update_user(const RouteCall& c);
  ApiResult audit_log(const RouteCall& c);
  ApiResult verify_audit(const RouteCall& c);

 private:
  store::Repository& repo() { return auth_.repository(); }
  // The change reaches the session's broadcast (inputs, program, air).
  store::Result<court::LiveSession> changed(store::Result<court::LiveSession> r);
  // 503 broadcast_disabled on a server that runs no broadcasts.
  std::optional<ApiResult> require_media() const;

  Auth& auth_;
  court::Settings settings_;
  SessionMedia* media_ = nullptr;
};

// Helpers for the handlers.
store::Actor actor(const Principal& who);

}  // namespace courtcast::http
