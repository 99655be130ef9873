// The admin part of CourtApi: users and the audit log.

#include <boost/json.hpp>

#include "http/court_api.hpp"
#include "http/court_json.hpp"
#include "store/credential_rules.hpp"
#include "store/password.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;

namespace {

constexpr std::string_view kRoles = "admin, director, officer, moderator, readonly";

// The user fields of a body: creating takes username, role and password;
// a change takes role, password and disabled. The password is hashed here.
std::optional<ApiResult> read_user(const ApiRequest& req, store::User& u, bool creating) {
  auto body = parse_body(req.body);
  if (!body) return body.error();
  FieldReader r(*body, "",
                creating ? std::initializer_list<std::string_view>{"username", "role", "password"}
                         : std::initializer_list<std::string_view>{"role", "password", "disabled"});
  std::string password;
  if (creating) {
    r.text("username", u.username, true, store::kMaxUsernameChars);
    if (r.ok())
      if (auto why = store::username_problem(u.username)) r.fail("username", *why);
    if (!r.has("role")) r.fail("role", "required");
  }
  r.code("role", u.role, &store::role_from_code, kRoles);
  r.text("password", password, creating, 1024);
  if (r.ok() && r.has("password"))
    if (auto why = store::password_problem(password, u.username)) r.fail("password", *why);
  if (!creating) r.boolean("disabled", u.disabled);
  if (!r.ok()) return bad_field(r.error());
  if (!password.empty()) {
    auto hash = store::hash_password(password);
    if (!hash) return store_error(hash.error());
    u.password_hash = *hash;
  }
  return std::nullopt;
}

}  // namespace

ApiResult CourtApi::list_users(const RouteCall&) {
  auto list = repo().list_users();
  if (!list) return store_error(list.error());
  json::array out;
  for (const auto& u : *list) out.push_back(user_json(u));
  return {status::ok, json::object{{"users", std::move(out)}}};
}

ApiResult CourtApi::create_user(const RouteCall& c) {
  store::User u;
  if (auto e = read_user(c.req, u, true)) return *e;
  auto created = repo().create_user(u, actor(*c.who));
  if (!created) return store_error(created.error());
  return {status::created, user_json(*created)};
}

ApiResult CourtApi::get_user(const RouteCall& c) {
  auto u = repo().get_user(c.id());
  if (!u) return store_error(u.error());
  return {status::ok, user_json(*u)};
}

ApiResult CourtApi::update_user(const RouteCall& c) {
  auto u = repo().get_user(c.id());
  if (!u) return store_error(u.error());
  if (auto e = read_user(c.req, *u, false)) return *e;
  auto updated = repo().update_user(*u, actor(*c.who));
  if (!updated) return store_error(updated.error());
  // A changed role, password or a disabled account takes effect at once.
  auth_.end_sessions_of(c.id());
  return {status::ok, user_json(*updated)};
}

ApiResult CourtApi::verify_audit(const RouteCall&) {
  auto v = repo().verify_audit();
  if (!v) return store_error(v.error());
  return {status::ok,
          json::object{{"ok", v->ok()},
                       {"entries", v->entries},
                       {"first_bad_seq",
                        v->first_bad_seq ? json::value(*v->first_bad_seq) : json::value(nullptr)},
                       {"problem", v->problem}}};
}

ApiResult CourtApi::audit_log(const RouteCall& c) {
  std::int64_t after = 0;
  int limit = 100;
  if (auto a = base::query_value(c.req.query, "after")) {
    auto id = parse_id(*a);
    if (!id && *a != "0") return bad_field("after", "must be a sequence number");
    after = id.value_or(0);
  }
  if (auto l = base::query_value(c.req.query, "limit")) {
    auto n = parse_id(*l);
    if (!n || *n > 1000) return bad_field("limit", "1 to 1000");
    limit = static_cast<int>(*n);
  }
  auto entries = repo().list_audit(after, limit);
  if (!entries) return store_error(entries.error());
  json::array out;
  for (const auto& e : *entries) out.push_back(audit_json(e));
  return {status::ok, json::object{{"entries", std::move(out)}}};
}

}  // namespace courtcast::http
