#include "http/auth.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <set>

#include "base/address_block.hpp"
#include "base/codes.hpp"
#include "base/log_value.hpp"
#include "base/text.hpp"
#include "base/unicode.hpp"
#include "http/routes.hpp"
#include "http/server.hpp"
#include "store/password.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;
using boost::beast::http::verb;
using court::Unexpected;
using store::Role;

namespace {

constexpr std::string_view kCookieName = "courtcast_session";
// How long a cached session is trusted before the store is asked again.
constexpr std::int64_t kSessionRecheckMs = 30'000;
bool is_change(verb m) {
  return m != verb::get && m != verb::head && m != verb::options;
}

// A username as it may appear in a log line: plain characters only.
json::object user_json(const Principal& p) {
  return json::object{{"id", p.user_id ? json::value(p.user_id) : json::value(nullptr)},
                      {"name", p.name},
                      {"role", store::role_code(p.role)}};
}

constexpr base::CodeTable<Principal::Via, 3> kViaCodes = {
    {{Principal::Via::session, "session"},
     {Principal::Via::api_token, "api_token"},
     {Principal::Via::bootstrap, "bootstrap_token"}}};

const char* via_code(Principal::Via v) {
  return base::code_of(kViaCodes, v).data();
}

// The key of a username's failures from one address: a stranger's guesses
// lock the stranger's address out of that account, not the account. An IPv6
// address counts by its /64 (base/address_block.hpp).
std::string user_at_address(std::string_view username, std::string_view address) {
  return base::address_block(address) + ' ' + std::string(username);
}

ApiResult unauthorized(std::string_view code, std::string_view message) {
  return api_error(status::unauthorized, code, message);
}

}  // namespace

// ---- helpers shared by the handlers ----

court::Expected<json::object, ApiResult> parse_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
  if (ec || !v.is_object())
    return Unexpected<ApiResult>{
        api_error(status::bad_request, "invalid_json", "the body must be a JSON object")};
  return std::move(v.as_object());
}

ApiResult store_error(const store::Error& e) {
  // A rule about where something stands (its state) is a conflict with the
  // current state; the others refuse what was asked as such (422).
  static const std::set<std::string, std::less<>> kStateRules{"session_transition_not_allowed",
                                                              "session_needs_approval_to_go_live",
                                                              "session_already_ended",
                                                              "session_locked_after_submission",
                                                              "deadline_already_resolved",
                                                              "deadline_not_yet_passed",
                                                              "case_already_closed",
                                                              "case_has_open_deadline",
                                                              "step_on_closed_case",
                                                              "last_admin"};
  switch (e.kind) {
    case store::ErrorKind::rule:
      return api_error(kStateRules.count(e.code) ? status::conflict : status::unprocessable_entity,
                       e.code, e.message);
    case store::ErrorKind::invalid:
      return api_error(status::bad_request, e.code == "invalid_input" ? "invalid_field" : e.code,
                       e.message);
    case store::ErrorKind::not_found:
      return api_error(status::not_found, "not_found", e.message);
    case store::ErrorKind::conflict:
      return api_error(status::conflict, "conflict", "already exists (a unique field is taken)");
    case store::ErrorKind::database:
      break;
  }
  spdlog::error("event=database_error code={} error=\"{}\"", e.code, e.message);
  return api_error(status::internal_server_error, "database",
                   "the database failed; the server log has the details");
}

std::optional<court::Id> parse_id(std::string_view text) {
  // One spelling per id (no sign, space, leading zero, fraction or
  // exponent), so that the role table and the handler cannot read one path
  // two ways. 18 digits always fit an int64.
  if (text.empty() || text.size() > 18 || text[0] < '1' || text[0] > '9') return std::nullopt;
  court::Id id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

// ---- Auth ----

Auth::Auth(store::Repository& repo, Access& bootstrap, AuthOptions options)
    : repo_(repo), bootstrap_(bootstrap), options_(options) {
  dummy_hash_ = store::hash_password(store::random_password()).value();
}

court::Expected<std::optional<Principal>, ApiResult> Auth::authorize(const ApiRequest& req,
                                                                     const Route* rule) {
  using Out = court::Expected<std::optional<Principal>, ApiResult>;
  const bool has_credentials =
      !req.authorization.empty() || !base::cookie_value(req.cookie, kCookieName).empty();
  const bool is_public = rule && (rule->roles & kPublic);
  if (is_public) {
    if (auto e = bad_route_id(*rule, req.path)) return Unexpected<ApiResult>{std::move(*e)};
  }
  if (is_public && !has_credentials) return Out(std::nullopt);
  std::string csrf_token;
  auto who = authenticate(req, &csrf_token);
  if (!who) {
    if (is_public) return Out(std::nullopt);  // stale cookie on a public page
    return Unexpected<ApiResult>{std::move(who).error()};
  }
  if (is_public) return Out(std::optional<Principal>(*who));
  // No row: no handler is asked, whatever the role.
  if (!rule) return Unexpected<ApiResult>{no_route(req.method, req.path)};
  if (who->via == Principal::Via::session && is_change(req.method)) {
    if (req.csrf_token.empty() || !base::same_secret(req.csrf_token, csrf_token))
      return Unexpected<ApiResult>{
          api_error(status::forbidden, "csrf_token_invalid",
                    "X-CSRF-Token: must be the csrf_token the login answered with")};
  }
  if (!(rule->roles & role_bit(who->role))) {
    return Unexpected<ApiResult>{
        api_error(status::forbidden, "forbidden",
                  "role " + std::string(store::role_code(who->role)) + " may not " +
                      std::string(boost::beast::http::to_string(req.method)) + " " +
                      std::string(req.path) + " (allowed: " + role_list(rule->roles) + ")")};
  }
  // Only now the id: a role refused the row is refused whatever the id's
  // spelling, and one allowed meets the 404 the handler would give.
  if (auto e = bad_route_id(*rule, req.path)) return Unexpected<ApiResult>{std::move(*e)};
  return Out(std::optional<Principal>(*who));
}

std::optional<Principal> Auth::logged_in(const ApiRequest& req) {
  auto who = authenticate(req);
  if (!who) return std::nullopt;
  return *who;
}

court::Expected<Principal, ApiResult> Auth::authenticate(const ApiRequest& req,
                                                         std::string* csrf_token) {
  if (!req.authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (!std::string_view(req.authorization).starts_with(kBearer))
      return Unexpected<ApiResult>{
          unauthorized("unauthorized", "Authorization: must be 'Bearer TOKEN'")};
    if (bootstrap_.allow_control(req.authorization))
      return Principal{"api-token", Role::admin, Principal::Via::bootstrap, 0, "bootstrap"};
    if (auto p = from_api_token(std::string_view(req.authorization).substr(kBearer.size())))
      return *p;
    return Unexpected<ApiResult>{
        unauthorized("invalid_token", "the API token is unknown or revoked")};
  }
  if (base::cookie_value(req.cookie, kCookieName).empty())
    return Unexpected<ApiResult>{unauthorized(
        "unauthorized", "log in (POST /api/v1/login) or send Authorization: Bearer TOKEN")};
  auto session = find_session(req);
  if (!session)
    return Unexpected<ApiResult>{
        unauthorized("session_expired", "the session has ended; log in again")};
  if (csrf_token) *csrf_token = session->csrf_token;
  return session->who;
}

std::optional<Principal> Auth::from_api_token(std::string_view token) {
  if (token.empty() || token.size() > 256) return std::nullopt;
  const std::string hash = sha256_hex(token);
  const std::int64_t now = base::utc_now_ms();
  // Tokens are checked on every scripted call; a short cache spares the
  // database, and revoking through the API clears it at once.
  constexpr std::int64_t kCacheMs = 30'000;
  {
    std::lock_guard lock(mutex_);
    if (auto it = tokens_.find(hash); it != tokens_.end()) {
      if (now - it->second.cached_ms < kCacheMs) return it->second.who;
      tokens_.erase(it);
    }
  }
  auto stored = repo_.find_api_token(hash);
  if (!stored || stored->revoked) return std::nullopt;
  Principal p{"token:" + stored->name, stored->role, Principal::Via::api_token, 0, "token:" + hash};
  std::lock_guard lock(mutex_);
  if (tokens_.size() > 10'000) tokens_.clear();
  tokens_[hash] = CachedToken{p, now};
  return p;
}

bool Auth::expired(const SessionEntry& s, std::int64_t now) const {
  return now - s.last_seen_ms > options_.session_idle_ms ||
         now - s.created_ms > options_.session_max_ms;
}

std::optional<Auth::SessionEntry> Auth::find_session(const ApiRequest& req) {
  const std::string cookie = base::cookie_value(req.cookie, kCookieName);
  if (cookie.empty() || cookie.size() > 128) return std::nullopt;
  const std::string key = sha256_hex(cookie);
  const std::int64_t now = base::utc_now_ms();
  std::optional<SessionEntry> cached;
  {
    std::lock_guard lock(mutex_);
    if (auto it = sessions_.find(key); it != sessions_.end()) {
      if (expired(it->second, now)) {
        sessions_.erase(it);
      } else if (now - it->second.checked_ms < kSessionRecheckMs) {
        it->second.last_seen_ms = now;
        return it->second;
      } else {
        cached = it->second;
      }
    }
  }
  // Not in memory (a restart, another node) or due for a check.
  auto loaded = load_session(key, now, cached);
  std::lock_guard lock(mutex_);
  if (!loaded) {
    sessions_.erase(key);
    return std::nullopt;
  }
  loaded->last_seen_ms = now;
  sessions_[key] = *loaded;
  return loaded;
}

std::optional<Auth::SessionEntry> Auth::load_session(const std::string& key, std::int64_t now,
                                                     const std::optional<SessionEntry>& cached) {
  auto stored = repo_.find_login_session(key);
  if (!stored) {
    if (stored.error().kind == store::ErrorKind::not_found) return std::nullopt;
    // A database that does not answer for a moment does not log out a
    // console in the middle of a broadcast; one never seen is not let in.
    spdlog::error("event=session_lookup_failed error=\"{}\"", stored.error().message);
    return cached;
  }
  SessionEntry entry{Principal{}, stored->csrf_token, stored->created_ms,
                     std::max(stored->last_seen_ms, cached ? cached->last_seen_ms : 0), now};
  if (expired(entry, now) || now >= stored->expires_ms) {
    (void)repo_.end_login_session(key);
    return std::nullopt;
  }
  auto user = repo_.get_user(stored->user_id);
  if (!user) {
    if (user.error().kind != store::ErrorKind::not_found) return cached;
    return std::nullopt;
  }
  if (user->disabled) {
    (void)repo_.end_login_session(key);
    return std::nullopt;
  }
  entry.who =
      Principal{user->username, user->role, Principal::Via::session, user->id, "session:" + key};
  if (auto r = repo_.touch_login_session(key, entry.last_seen_ms); !r)
    spdlog::error("event=session_touch_failed error=\"{}\"", r.error().message);
  return entry;
}

void Auth::end_sessions_of(court::Id user_id) {
  if (auto r = repo_.end_login_sessions_of(user_id); !r)
    spdlog::error("event=session_end_failed user_id={} error=\"{}\"", user_id, r.error().message);
  {
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [&](const auto& kv) { return kv.second.who.user_id == user_id; });
  }
  if (events_) events_->close_logins(EventLogin{{}, user_id});
}

void Auth::audit(const Principal& who, std::string action, const json::object& details) {
  auto r = repo_.append_audit(std::move(action), json::serialize(details),
                              store::Actor{who.name, base::utc_now_ms()});
  if (!r) spdlog::error("event=audit_failed error=\"{}\"", r.error().message);
}

// ---- login throttling ----

std::int64_t Auth::lockout_ms(const std::string& username, const std::string& address) {
  const std::int64_t now = base::utc_now_ms();
  std::lock_guard lock(mutex_);
  std::int64_t wait = 0;
  if (auto it = failures_by_user_at_address_.find(user_at_address(username, address));
      it != failures_by_user_at_address_.end())
    wait = std::max(wait, it->second.locked_until_ms - now);
  if (auto it = failures_by_address_.find(base::address_block(address));
      it != failures_by_address_.end())
    wait = std::max(wait, it->second.locked_until_ms - now);
  return wait;
}

void Auth::count_failure(std::unordered_map<std::string, Failures>& map, const std::string& key,
                         int free_failures, std::int64_t now) {
  // Bounded: an attacker cycling names cannot grow the map without end.
  if (map.size() > 50'000) {
    std::erase_if(map, [&](const auto& kv) {
      return now - kv.second.last_ms > options_.failures_forgotten_after_ms;
    });
    if (map.size() > 50'000) map.clear();
  }
  Failures& f = map[key];
  if (now - f.last_ms > options_.failures_forgotten_after_ms) f = Failures{};
  ++f.count;
  f.last_ms = now;
  if (f.count >= free_failures) {
    const int doublings = std::min(f.count - free_failures, 20);
    f.locked_until_ms =
        now + std::min<std::int64_t>(std::int64_t{1000} << doublings, options_.max_lockout_ms);
  }
}

void Auth::count_failure(const std::string& username, const std::string& address) {
  const std::int64_t now = base::utc_now_ms();
  std::lock_guard lock(mutex_);
  count_failure(failures_by_user_at_address_, user_at_address(username, address),
                options_.free_failures_per_username, now);
  count_failure(failures_by_address_, base::address_block(address),
                options_.free_failures_per_address, now);
}

// ---- endpoints ----

ApiResult Auth::login(const ApiRequest& req) {
  auto body = parse_body(req.body);
  if (!body) return body.error();
  for (const auto& [k, v] : *body)
    if (k != "username" && k != "password")
      return bad_field(k, "unknown field (allowed: username, password)");
  const auto* user_v = body->if_contains("username");
  const auto* pass_v = body->if_contains("password");
  if (!user_v || !user_v->is_string() || user_v->as_string().empty())
    return bad_field("username", "required, a string");
  if (!pass_v || !pass_v->is_string() || pass_v->as_string().empty())
    return bad_field("password", "required, a string");
  const std::string username(user_v->as_string());
  const std::string_view password(pass_v->as_string());
  if (username.size() > 64) return bad_field("username", "at most 64 characters");
  if (password.size() > 1024) return bad_field("password", "at most 1024 characters");

  if (const std::int64_t wait = lockout_ms(username, req.client_address); wait > 0) {
    throttled_logins_.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("event=login_throttled user={} address={}", base::log_value(username),
                 req.client_address);
    ApiResult r = api_error(
        status::too_many_requests, "too_many_login_attempts",
        "too many failed logins; try again in " + std::to_string((wait + 999) / 1000) + " s");
    r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    return r;
  }
  auto user = repo_.find_user(username);
  if (!user && user.error().kind != store::ErrorKind::not_found) return store_error(user.error());
  // The hash is checked even for unknown users, so timing does not tell
  // which names exist.
  const bool ok = store::verify_password(user ? user->password_hash : dummy_hash_, password) &&
                  user && !user->disabled;
  if (!ok) {
    failed_logins_.fetch_add(1, std::memory_order_relaxed);
    count_failure(username, req.client_address);
    spdlog::warn("event=login_failed user={} address={}", base::log_value(username),
                 req.client_address);
    return unauthorized("invalid_credentials",
                        "wrong username or password, or the user is disabled");
  }

  const std::int64_t now = base::utc_now_ms();
  const std::string cookie = random_hex(32);
  const std::string key = sha256_hex(cookie);
  SessionEntry entry{
      Principal{user->username, user->role, Principal::Via::session, user->id, "session:" + key},
      random_hex(32), now, now, now};
  // Logins are rare: the moment to drop the rows of sessions long over.
  if (auto purged = repo_.purge_login_sessions(now - options_.session_idle_ms, now); !purged)
    spdlog::error("event=session_purge_failed error=\"{}\"", purged.error().message);
  if (auto stored = repo_.create_login_session(store::LoginSession{
          key, user->id, entry.csrf_token, now, now, now + options_.session_max_ms});
      !stored)
    return store_error(stored.error());
  {
    std::lock_guard lock(mutex_);
    failures_by_user_at_address_.erase(user_at_address(username, req.client_address));
    if (sessions_.size() > 10'000) {
      std::erase_if(sessions_, [&](const auto& kv) { return expired(kv.second, now); });
    }
    sessions_[key] = entry;
  }
  spdlog::info("event=login user={} role={} address={}", base::log_value(username),
               store::role_code(user->role), req.client_address);
  audit(entry.who, "user.login", json::object{{"user_id", user->id}});

  ApiResult r{status::ok, json::object{{"user", user_json(entry.who)},
                                       {"csrf_token", entry.csrf_token},
                                       {"expires_ms", entry.created_ms + options_.session_max_ms}}};
  r.headers.emplace_back("Set-Cookie", std::string(kCookieName) + "=" + cookie +
                                           "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                           std::to_string(options_.session_max_ms / 1000) +
                                           (options_.secure_cookie ? "; Secure" : ""));
  return r;
}

ApiResult Auth::logout(const ApiRequest& req, const Principal& who) {
  const std::string cookie = base::cookie_value(req.cookie, kCookieName);
  if (who.via == Principal::Via::session && !cookie.empty()) {
    const std::string key = sha256_hex(cookie);
    if (auto r = repo_.end_login_session(key); !r) return store_error(r.error());
    std::lock_guard lock(mutex_);
    sessions_.erase(key);
  }
  if (who.via == Principal::Via::session) {
    // This session's sockets only: the user's other consoles stay logged in.
    if (events_) events_->close_logins(EventLogin{who.credential, 0});
    audit(who, "user.logout", json::object{});
  }
  ApiResult r{status::no_content, nullptr};
  r.headers.emplace_back(
      "Set-Cookie", std::string(kCookieName) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  return r;
}

ApiResult Auth::me(const ApiRequest& req, const Principal& who) {
  json::object out{{"user", user_json(who)}, {"via", via_code(who.via)}};
  // A console reloaded in the browser gets its CSRF token back here: the
  // cookie is SameSite=Strict and CORS answers no credentialed reads, so
  // only the console's own pages can see it.
  if (who.via == Principal::Via::session) {
    if (auto s = find_session(req)) out["csrf_token"] = s->csrf_token;
  }
  return {status::ok, std::move(out)};
}

namespace {

json::object token_json(const store::ApiToken& t) {
  return json::object{{"id", t.id},
                      {"name", t.name},
                      {"role", store::role_code(t.role)},
                      {"created_by", t.created_by},
                      {"created_ms", t.created_ms},
                      {"revoked", t.revoked}};
}

}  // namespace

ApiResult Auth::list_tokens() {
  auto list = repo_.list_api_tokens();
  if (!list) return store_error(list.error());
  json::array out;
  for (const auto& t : *list) out.push_back(token_json(t));
  return {status::ok, json::object{{"tokens", std::move(out)}}};
}

ApiResult Auth::create_token(const ApiRequest& req, const Principal& who) {
  auto body = parse_body(req.body);
  if (!body) return body.error();
  for (const auto& [k, v] : *body)
    if (k != "name" && k != "role") return bad_field(k, "unknown field (allowed: name, role)");
  const auto* name = body->if_contains("name");
  const auto* role = body->if_contains("role");
  if (!name || !name->is_string() || name->as_string().empty() || name->as_string().size() > 64)
    return bad_field("name", "required, 1 to 64 characters");
  // The audit log names the token's actions "token:NAME".
  if (auto why = base::unsafe_text(name->as_string()))
    return bad_field("name", *why + " is not allowed");
  std::optional<Role> r =
      role && role->is_string() ? store::role_from_code(role->as_string()) : std::nullopt;
  if (!r) return bad_field("role", "required: admin, director, officer, moderator or readonly");
  const std::string token = "cct_" + random_hex(32);
  store::ApiToken t{0, std::string(name->as_string()), *r, sha256_hex(token), "", 0, false};
  auto created = repo_.create_api_token(std::move(t), store::Actor{who.name, base::utc_now_ms()});
  if (!created) return store_error(created.error());
  // The one time the token is shown: only its hash is kept.
  json::object out = token_json(*created);
  out["token"] = token;
  return {status::created, std::move(out)};
}

ApiResult Auth::revoke_token(court::Id id, const Principal& who) {
  auto revoked = repo_.revoke_api_token(id, store::Actor{who.name, base::utc_now_ms()});
  if (!revoked) return store_error(revoked.error());
  {
    std::lock_guard lock(mutex_);
    tokens_.clear();
  }
  if (events_) events_->close_logins(EventLogin{"token:" + revoked->token_hash, 0});
  return {status::no_content, nullptr};
}

}  // namespace courtcast::http
