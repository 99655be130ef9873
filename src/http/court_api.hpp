#pragma once
// The control API of the enforcement domain under /api/v1: campaigns, live
// sessions and their transitions, cases, enforcement steps and deadlines,
// statistics per session, campaign and month, and (admin) users and the
// audit log. Bodies are read strictly (court_json.hpp); the store applies the
// court:: rules and logs every change with who did it.
//
// Who may call what is decided before this, by Auth's endpoint table.
// Thread-safe: it holds no state of its own beyond the settings.

#include <optional>
#include <string_view>
#include <vector>

#include "court/settings.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"
#include "http/session_media.hpp"

namespace courtcast::http {

class CourtApi {
 public:
  CourtApi(Auth& auth, court::Settings settings) : auth_(auth), settings_(settings) {}

  // The answer for a court path; nullopt for a path that is not one.
  std::optional<ApiResult> handle(const ApiRequest& req, const Principal& who);
  // Sessions' inputs, program, air and destinations; without it sessions
  // are records only.
  void set_session_media(SessionMedia* media) { media_ = media; }

 private:
  using Segments = std::vector<std::string_view>;
  ApiResult campaigns(const ApiRequest& req, const Principal& who, const Segments& seg);
  ApiResult sessions(const ApiRequest& req, const Principal& who, const Segments& seg);
  ApiResult cases(const ApiRequest& req, const Principal& who, const Segments& seg);
  ApiResult steps(const ApiRequest& req, const Principal& who, const Segments& seg);
  ApiResult step_types(const ApiRequest& req);
  // admin_api.cpp
  ApiResult users(const ApiRequest& req, const Principal& who, const Segments& seg);
  ApiResult audit(const ApiRequest& req, const Segments& seg);

  store::Repository& repo() { return auth_.repository(); }

  Auth& auth_;
  court::Settings settings_;
  SessionMedia* media_ = nullptr;
};

// Helpers for the handlers.
store::Actor actor(const Principal& who);
ApiResult method_not_allowed(std::string_view allowed);

}  // namespace courtcast::http
