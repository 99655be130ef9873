#pragma once
// Who calls the API, and whether they may: console logins with an HttpOnly
// session cookie and a CSRF token, API tokens for scripts, the bootstrap
// token (data_dir/keys/api-token, an admin), login throttling, and the one
// table of which roles may call which endpoint.
//
// Sessions are kept in the store (by the SHA-256 of the cookie), so a restart
// of courtcast in the middle of a broadcast does not log the director out:
// the console reconnects by itself. Memory holds a cache of them; a cached
// session is checked against the store again every 30 s (the
// user may have been disabled on another node of one PostgreSQL), which is
// also when its last use is written: not a write per request.
// Thread-safe: every HTTP worker calls the one Auth; its maps sit behind a
// mutex, and the slow part of a login (argon2id) runs outside it.

#include <atomic>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.hpp"
#include "base/secret.hpp"
#include "base/text.hpp"
#include "court/expected.hpp"
#include "court/id.hpp"
#include "http/api.hpp"
#include "http/events.hpp"
#include "store/repository.hpp"
#include "store/user.hpp"

namespace courtcast::http {

class Access;
struct Route;

// What authentication needs of a request, apart from Beast's types.
struct ApiRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string_view path;  // without the query
  std::string_view query;
  std::string_view body;
  std::string authorization;      // the header, or "Bearer X" from ?token= (WebSocket)
  std::string_view cookie;        // the Cookie header
  std::string_view csrf_token;    // the X-CSRF-Token header
  std::string_view content_type;  // the Content-Type header
  std::string client_address;
  std::string_view host;           // the Host header (never used for URLs: any client may set it)
  std::string_view if_none_match;  // for the public answers' ETags
};

// The caller, as the audit log names them.
struct Principal {
  enum class Via { session, api_token, bootstrap };
  std::string name;  // a username, "token:NAME", or "api-token" for the bootstrap token
  store::Role role = store::Role::readonly;
  Via via = Via::session;
  court::Id user_id = 0;  // 0 unless logged in as a user
  // Which credential: "session:" and the session's key, "token:" and the
  // token's hash, or "bootstrap". Never shown; it names what ending the
  // login (logout, revoke) closes.
  std::string credential;
};

// Roles as bits, for the route table (routes.hpp).
using RoleSet = unsigned;
constexpr RoleSet role_bit(store::Role r) {
  return 1u << static_cast<unsigned>(r);
}
inline constexpr RoleSet kPublic = 1u << 31;  // no credentials needed
inline constexpr RoleSet kAnyRole = role_bit(store::Role::admin) | role_bit(store::Role::director) |
                                    role_bit(store::Role::officer) |
                                    role_bit(store::Role::moderator) |
                                    role_bit(store::Role::readonly);

struct AuthOptions {
  std::int64_t session_idle_ms = 2 * 3600 * 1000;  // a console left alone this long logs out
  std::int64_t session_max_ms = 12 * 3600 * 1000;  // a night-long broadcast fits
  // Login throttling: after this many failures in a row, each further
  // failure doubles the wait (1 s, 2 s, 4 s … up to max_lockout_ms).
  // Counted per username and client address together, so that a stranger's
  // failures lock out the stranger, not the user logging in from elsewhere;
  // and per address whatever the names tried.
  int free_failures_per_username = 5;
  int free_failures_per_address = 20;  // higher: a court's offices share one address
  std::int64_t max_lockout_ms = 15 * 60 * 1000;
  std::int64_t failures_forgotten_after_ms = 3600 * 1000;
  bool secure_cookie = false;  // add Secure when served over HTTPS
};

class Auth {
 public:
  Auth(store::Repository& repo, Access& bootstrap, AuthOptions options = {});

  // The caller of an /api/v1 request if its row of the route table
  // (find_route: null when none) lets them in; nullopt for a public row
  // called without credentials. Otherwise the answer: 401 without valid
  // credentials; 404 (405) when no row matches the path (and method); 403
  // for a missing or wrong CSRF token on a cookie-authenticated change, or
  // for a role not allowed; 404 for an id that is not one in its canonical
  // spelling (parse_id).
  court::Expected<std::optional<Principal>, ApiResult> authorize(const ApiRequest& req,
                                                                 const Route* route);

  // Who calls, by session cookie or token, outside the route table: for
  // what lives outside /api (the console's previews). nullopt when no one.
  std::optional<Principal> logged_in(const ApiRequest& req);

  // The endpoints of logging in and of API tokens (routes.cpp).
  ApiResult login(const ApiRequest& req);
  ApiResult logout(const ApiRequest& req, const Principal& who);
  ApiResult me(const ApiRequest& req, const Principal& who);
  ApiResult list_tokens();
  ApiResult create_token(const ApiRequest& req, const Principal& who);
  ApiResult revoke_token(court::Id id, const Principal& who);

  // Ends a user's sessions (disabled, role or password changed), and
  // closes their events sockets.
  void end_sessions_of(court::Id user_id);

  // Where the events sockets are, so that a logout, a revoked token or a
  // disabled user closes theirs at once. May stay unset (no events).
  void set_event_hub(EventHub* events) { events_ = events; }

  // An audit entry for an action the store does not log itself.
  void audit(const Principal& who, std::string action, const boost::json::object& details);

  store::Repository& repository() { return repo_; }

  // Logins refused since start, for /metrics: a wrong name or password,
  // and attempts turned away by the lockout.
  std::uint64_t failed_logins() const { return failed_logins_.load(std::memory_order_relaxed); }
  std::uint64_t throttled_logins() const {
    return throttled_logins_.load(std::memory_order_relaxed);
  }

 private:
  struct SessionEntry {
    Principal who;
    std::string csrf_token;
    std::int64_t created_ms = 0;
    std::int64_t last_seen_ms = 0;
    std::int64_t checked_ms = 0;  // when the store last confirmed it
  };
  struct Failures {
    int count = 0;
    std::int64_t last_ms = 0;
    std::int64_t locked_until_ms = 0;
  };
  struct CachedToken {
    Principal who;
    std::int64_t cached_ms = 0;
  };

  // For a console session, `csrf_token` receives the session's token.
  court::Expected<Principal, ApiResult> authenticate(const ApiRequest& req,
                                                     std::string* csrf_token = nullptr);
  std::optional<Principal> from_api_token(std::string_view token);
  // The session the request's cookie names, refreshed; null when none.
  std::optional<SessionEntry> find_session(const ApiRequest& req);
  // The session as the store has it, with its user as they are now; null
  // when it ended, expired or its user is disabled. `cached` (if any) is
  // what memory held, used when the database cannot answer.
  std::optional<SessionEntry> load_session(const std::string& key, std::int64_t now,
                                           const std::optional<SessionEntry>& cached);
  bool expired(const SessionEntry& s, std::int64_t now) const;

  // Milliseconds the caller must still wait, or 0.
  std::int64_t lockout_ms(const std::string& username, const std::string& address);
  void count_failure(const std::string& username, const std::string& address);
  void count_failure(std::unordered_map<std::string, Failures>& map, const std::string& key,
                     int free_failures, std::int64_t now_ms);

  store::Repository& repo_;
  Access& bootstrap_;
  AuthOptions options_;
  EventHub* events_ = nullptr;
  std::string dummy_hash_;  // verified against for unknown users, so timing tells nothing

  std::mutex mutex_;
  std::atomic<std::uint64_t> failed_logins_{0};
  std::atomic<std::uint64_t> throttled_logins_{0};
  std::unordered_map<std::string, SessionEntry> sessions_;  // by SHA-256 of the cookie
  std::unordered_map<std::string, Failures> failures_by_user_at_address_;
  std::unordered_map<std::string, Failures> failures_by_address_;
  std::unordered_map<std::string, CachedToken> tokens_;  // by SHA-256 of the token
};

// Shared by the API handlers.
using base::random_hex;
using base::sha256_hex;
// A request body as a JSON object, or the 400 to answer with.
court::Expected<boost::json::object, ApiResult> parse_body(std::string_view body);
// A store error with the status it maps to (404, 409, 422, 400, 500).
ApiResult store_error(const store::Error& e);
using base::path_segments;
// A positive id in its one canonical spelling ("12", not "012", "+12",
// " 12" or "12.0"); used by the route table's "{id}" and by every handler.
std::optional<court::Id> parse_id(std::string_view text);

}  // namespace courtcast::http
