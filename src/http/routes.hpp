#pragma once
// The one table of the HTTP API under /api/v1: each row is a method, a path
// pattern, the roles that may call it, the body it takes, where it runs and
// its handler. An endpoint exists only as a row here, so none is served
// without its role rule and no rule stands without a handler.
//
// Adding an endpoint: one row in routes.cpp, its handler, its line in
// docs/api.md (docs/architecture.md, "Where to add an endpoint").

#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "court/id.hpp"
#include "http/api.hpp"
#include "http/auth.hpp"

namespace courtcast::http {

struct Services;
class CourtApi;

// What every handler gets: the request, its caller and the path's
// parameters. Each "{id}" has been checked (parse_id) before the handler
// runs, so id() cannot fail on a row's own "{id}".
struct RouteCall {
  const Services& services;
  const ApiRequest& req;
  // nullopt only on a public row called without credentials.
  const std::optional<Principal>& who;
  // The "{id}", "{name}" and "{rest}" parts of the path, in order ("{rest}"
  // may hold '/').
  std::vector<std::string_view> params;

  std::string_view param(std::size_t i) const { return params.at(i); }
  court::Id id(std::size_t i = 0) const;
  // The caller as logs, sidecars and the audit log name them.
  std::string by() const { return who ? who->name : "anonymous"; }
  // The services every court row needs (set at start-up, never null).
  Auth& auth() const;
  CourtApi& court() const;
};

using RouteHandler = ApiResult (*)(const RouteCall&);

// Where a handler runs: on the connection's worker loop, or off it when it
// is slow enough to stall that worker's players.
enum class RouteRuns {
  event_loop,
  blocking_pool,  // disk work: a card's remux and fsync, reading every segment
  password_pool,  // argon2id: bounded, a full queue answers 503
  // Step marks, the busiest writes: while one waits for its commit, the
  // loop serves others, and writes waiting together share one commit
  // (store/group_commit.cpp), which a loop's one-at-a-time wait never gave.
  store_pool,
};

inline constexpr std::uint64_t kBodyLimitBytes = 1 << 20;

struct Route {
  std::string_view method;  // "GET", "POST", …
  // Segments are literal, "{id}" (an id in its canonical spelling, see
  // parse_id), "{name}" (any one segment) or, last, "{rest}" (one or more).
  std::string_view pattern;
  RoleSet roles;
  RouteHandler handler;
  std::uint64_t body_limit_bytes = kBodyLimitBytes;
  RouteRuns runs = RouteRuns::event_loop;
};

std::span<const Route> route_table();

// The row for a request; null when none has its method and path. A row is
// chosen by the path's shape ("{id}" matches any segment), so that
// "sessions/02/approve" meets the approve row and its roles; the id itself
// is checked after the role (bad_route_id).
const Route* find_route(boost::beast::http::verb method, std::string_view path);

// The answer when no row matches: 405 when a row has the path with another
// method, else 404.
ApiResult no_route(boost::beast::http::verb method, std::string_view path);

// The 404 for a path whose "{id}" segment is not an id in its one spelling;
// nullopt when every id is one.
std::optional<ApiResult> bad_route_id(const Route& route, std::string_view path);

// The path's parameters under the row's pattern (RouteCall::params).
std::vector<std::string_view> route_params(const Route& route, std::string_view path);

// "admin, director" for a role set, as refusals name who is allowed.
std::string role_list(RoleSet roles);

}  // namespace courtcast::http
