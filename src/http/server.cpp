#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <deque>
#include <stdexcept>
#include <thread>

#include "base/burst_log.hpp"
#include "base/connection_admission.hpp"
#include "base/log_value.hpp"
#include "base/saturating.hpp"
#include "base/text.hpp"
#include "http/auth.hpp"
#include "http/hls_api.hpp"
#include "http/json_text.hpp"
#include "http/metrics.hpp"
#include "http/metrics_text.hpp"
#include "http/routes.hpp"
#include "live/player_count.hpp"
#include "live/player_writer.hpp"
#include "media/flv.hpp"

namespace courtcast::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
namespace websocket = boost::beast::websocket;
using asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

// Work too slow for a worker loop (a standby card's remux and fsync).
asio::thread_pool& blocking_pool() {
  static asio::thread_pool pool(1);
  return pool;
}

// Password hashing and checking (argon2id, ~64 MiB and tens of ms each): on
// the worker loops, 8 logins at once held every other API call for a second.
// A few threads, so that logins cannot take every core or much memory, and
// a bounded queue: past it a login is answered 503 at once.
asio::thread_pool& password_pool() {
  static asio::thread_pool pool(std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u));
  return pool;
}
constexpr int kPasswordQueueMax = 32;

// The events WebSocket's largest incoming message: the console sends none.
constexpr std::size_t kEventsReadMaxBytes = 4096;

std::atomic<int> password_jobs{0};

// Writes that mostly wait for the database (routes.hpp, store_pool): more
// threads than cores, so that enough of them wait together to share a
// commit; each is asleep while it waits.
constexpr int kStorePoolThreads = 16;
asio::thread_pool& store_pool() {
  static asio::thread_pool pool(kStorePoolThreads);
  return pool;
}

template <typename Message>
void add_cors(Message& res) {
  res.set(bhttp::field::access_control_allow_origin, "*");
  res.set(bhttp::field::access_control_allow_methods, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  res.set(bhttp::field::access_control_allow_headers, "Content-Type, Authorization, X-CSRF-Token");
}

// What every answer that is not one of the console's files carries (those
// have their own, static_site.cpp): JSON, errors, media and clips must
// never run as a page or be framed, whatever a browser is led to do with
// them, and nothing is sniffed into a type it was not sent as.
// A year, this host only: a court's other hosts are not ours to decide.
constexpr std::string_view kHsts = "max-age=31536000";

template <typename Message>
void add_security_headers(Message& res) {
  static constexpr std::pair<std::string_view, std::string_view> kHeaders[] = {
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "same-origin"},
      {"Content-Security-Policy", kNotAPagePolicy},
      {"X-Frame-Options", "DENY"}};
  for (const auto& [name, value] : kHeaders)
    if (res.find(name) == res.end()) res.set(name, value);
}

Response make_response(const Request& req, const ApiResult& r) {
  Response res{r.status, req.version()};
  res.set(bhttp::field::server, "courtcast");
  res.set(bhttp::field::cache_control, "no-store");
  add_cors(res);
  add_security_headers(res);
  res.keep_alive(req.keep_alive());
  if (r.body_text) {
    res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    res.body() = *r.body_text;
  } else if (!r.body.is_null()) {
    res.set(bhttp::field::content_type, "application/json; charset=utf-8");
    res.body() = json_text(r.body);
  }
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.prepare_payload();
  return res;
}

// The bearer token from the header, or from `?token=` (browsers cannot set
// headers on a WebSocket).
std::string authorization(const Request& req, const std::string& query) {
  if (auto it = req.find(bhttp::field::authorization); it != req.end())
    return std::string(it->value());
  if (auto token = base::query_value(query, "token")) return "Bearer " + *token;
  return {};
}

// Where a browser cannot send a header, and so where ?token= is taken: the
// events WebSocket (media previews read it in Access::refuse_play). Anywhere
// else a token in the URL would end up in proxy logs and browser history.
bool token_in_query_allowed(const Request& req, std::string_view path) {
  return path == "/api/v1/events" && websocket::is_upgrade(req);
}

// The Origin a cookie-authenticated WebSocket must come from: the console's
// own pages, served from the Host the request names, or one the config
// allows ([http] allowed_origins, e.g. a console behind another host name).
bool allowed_origin(const Request& req, const std::vector<std::string>& allowed) {
  const auto origin = req[bhttp::field::origin];
  if (origin.empty()) return false;
  for (const auto& o : allowed)
    if (beast::iequals(origin, o)) return true;
  const auto host = req[bhttp::field::host];
  if (host.empty()) return false;
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.size() == scheme.size() + host.size() && origin.starts_with(scheme) &&
        beast::iequals(origin.substr(scheme.size()), host))
      return true;
  return false;
}

// HTTP-FLV players get each packet's FLV tag as the packet holds it.
std::span<const std::uint8_t> flv_framing(const media::Packet& p) {
  return p.flv_tag();
}

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

struct Server::State {
  explicit State(base::ConnectionAdmission::Limits limits) : admission(limits) {}
  base::ConnectionAdmission admission;
  // Plays refused (wrong key, unknown stream): anyone can ask, as fast as
  // they like, so the log says the first ten of a burst (10 s) and counts
  // the rest.
  std::atomic<std::uint64_t> plays_refused{0};
  base::BurstLog play_refused_log{10};
};

namespace {

using Slot = base::ConnectionAdmission::Slot;

// A place for the connection under the caps, or it is closed and counted.
// A trusted proxy (an edge) speaks for many viewers: the total counts it,
// the cap per address does not.
std::optional<Slot> admit(Server::State& state, const TrustedProxies& proxies,
                          tcp::socket& socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  auto admitted = state.admission.admit(peer.address(), !ec && proxies.trusts(peer.address()));
  if (auto* slot = std::get_if<Slot>(&admitted)) return std::move(*slot);
  const auto& refusal = std::get<base::ConnectionAdmission::Refusal>(admitted);
  if (refusal.log)
    spdlog::warn(
        "event=http_connection_refused address={} reason=\"{}\" total={} "
        "(further ones within 10 s are counted, not logged)",
        ec ? std::string("unknown") : peer.address().to_string(), refusal.reason, refusal.total);
  socket.close(ec);
  return std::nullopt;
}

// One connection, plain (beast::tcp_stream) or HTTPS (TlsStream).
template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, Slot slot, std::shared_ptr<Server::State> server, std::size_t worker,
          const Services& services) requires(!kTls)
      : stream_(std::move(socket)),
        slot_(std::move(slot)),
        server_(std::move(server)),
        worker_(worker),
        services_(services) {}
  Session(tcp::socket socket, Slot slot, std::shared_ptr<Server::State> server, std::size_t worker,
          const Services& services) requires kTls
      : stream_(beast::tcp_stream(std::move(socket)), *services.tls),
        slot_(std::move(slot)),
        server_(std::move(server)),
        worker_(worker),
        services_(services) {}

  asio::any_io_executor executor() { return stream_.get_executor(); }

  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    beast::flat_buffer buffer;
    if constexpr (kTls) {
      lowest().expires_after(10s);
      auto [hec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, use_nothrow);
      if (hec) {
        beast::error_code ec;
        lowest().socket().close(ec);
        co_return;
      }
    }
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      // The largest body any path takes; each path's own limit is applied
      // once its header is read.
      parser.body_limit(program::kCardMaxBytes);
      parser.header_limit(16 * 1024);
      lowest().expires_after(60s);
      auto [header_ec, header_n] =
          co_await bhttp::async_read_header(stream_, buffer, parser, use_nothrow);
      beast::error_code ec = header_ec;
      std::string path, query;
      const Route* api_route = nullptr;  // the request's row of the route table
      std::uint64_t body_limit = kBodyLimitBytes;
      if (!ec || ec == bhttp::error::body_limit) {  // either way the header is there
        std::string_view target(parser.get().target().data(), parser.get().target().size());
        const auto q = target.find('?');
        path = target.substr(0, q);
        query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
        if (path.starts_with("/api/")) api_route = find_route(parser.get().method(), path);
        if (api_route) body_limit = api_route->body_limit_bytes;
      }
      begin_request(
          ec && ec != bhttp::error::body_limit ? bhttp::verb::unknown : parser.get().method(), path,
          api_route);
      std::optional<Response> refusal;
      if (!ec) refusal = plain_refusal(parser.get(), path);
      if (!ec && !refusal) {
        if (auto refused = admit_body(parser, path, query, api_route, body_limit)) {
          refusal = make_response(parser.get(), *refused);
          refusal->keep_alive(false);  // its body was not read
        }
      }
      if (refusal) {
        co_await send(std::move(*refusal));
        break;
      }
      if (!ec) {
        if (beast::iequals(parser.get()[bhttp::field::expect], "100-continue")) {
          bhttp::response<bhttp::empty_body> go_on{bhttp::status::continue_, 11};
          auto [cec, cn] = co_await bhttp::async_write(stream_, go_on, use_nothrow);
          if (cec) break;
        }
        // A card is up to 32 MiB: a slow uplink gets longer than 60 s for it.
        if (body_limit > kBodyLimitBytes) lowest().expires_after(300s);
        auto [body_ec, body_n] = co_await bhttp::async_read(stream_, buffer, parser, use_nothrow);
        ec = body_ec;
      }
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) break;
      if (ec) {
        if (ec != beast::error::timeout && ec != asio::error::connection_reset) {
          Request bad;
          bad.version(11);
          bad.keep_alive(false);
          // Chosen outside the co_await: GCC 12 destroys both arms of a ?:
          // that sits in a co_await expression.
          Response answer =
              make_response(bad, ec == bhttp::error::body_limit
                                     ? too_large(path, body_limit)
                                     : api_error(bhttp::status::bad_request, "bad_request",
                                                 "malformed HTTP request: " + ec.message()));
          co_await send(std::move(answer));
        }
        break;
      }
      Request req = parser.release();

      if (path.starts_with("/live/") && path.ends_with(".flv") &&
          req.method() == bhttp::verb::get) {
        co_await serve_flv(req, path, path.substr(6, path.size() - 10), query);
        break;  // the FLV response ends with the connection
      }
      if (services_.hls && is_hls_path(path) &&
          (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
        if (!co_await serve_hls(req, path, query) || !req.keep_alive()) break;
        continue;
      }
      if (path == "/api/v1/events" && websocket::is_upgrade(req)) {
        if (auto login = events_login(req, path, query); login && services_.events) {
          co_await serve_events(std::move(req), path, query, std::move(*login));
          co_return;
        }
        co_await send(make_response(
            req, api_error(bhttp::status::unauthorized, "unauthorized",
                           "events need the API token (Authorization: Bearer TOKEN)")));
        break;
      }
      Response res;  // (not a ?: with a co_await arm, see above)
      if (path == "/metrics" && services_.metrics &&
          (req.method() == bhttp::verb::get || req.method() == bhttp::verb::head)) {
        res = metrics_response(req);
      } else if (services_.site && StaticSite::serves(req.method(), path)) {
        res = static_response(req, path);
      } else {
        ApiResult answer;
        const RouteRuns runs = api_route ? api_route->runs : RouteRuns::event_loop;
        if (runs == RouteRuns::password_pool)
          answer = co_await route_on_password_pool(req, path, query, api_route);
        else if (runs == RouteRuns::blocking_pool)
          answer = co_await route_off_loop(req, path, query, api_route, blocking_pool());
        else if (runs == RouteRuns::store_pool && writes_share_commits())
          answer = co_await route_off_loop(req, path, query, api_route, store_pool());
        else
          answer = route(req, path, query, api_route);
        if (answer.file) {
          if (!co_await send_file(req, std::move(answer)) || !req.keep_alive()) break;
          continue;
        }
        res = make_response(req, answer);
      }
      const bool keep = res.keep_alive();
      if (!co_await send(std::move(res)) || !keep) break;
    }
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
  }

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // On the plain listener when HTTPS is on ([http] plain): the console and
  // the API are sent to HTTPS or refused; media under /live/ stays
  // playable, for caches and players in front of the public streams.
  std::optional<Response> plain_refusal(const Request& req, const std::string& path) const {
    if (kTls || !services_.tls || services_.plain == PlainHttp::serve || path.starts_with("/live/"))
      return std::nullopt;
    Response res;
    if (services_.plain == PlainHttp::redirect) {
      std::string host(req[bhttp::field::host]);
      // The host without its port ([v6]:port too), then HTTPS's port.
      const auto colon = host.rfind(':');
      if (colon != std::string::npos && host.find(']', colon) == std::string::npos)
        host.resize(colon);
      if (host.empty() || host.find_first_of("/\\@ ") != std::string::npos) host = "localhost";
      std::string location = "https://" + host;
      if (services_.https_port != 443) location += ":" + std::to_string(services_.https_port);
      location += std::string(req.target());
      res = make_response(req, api_error(bhttp::status::permanent_redirect, "https_required",
                                         "this server is used over HTTPS: " + location));
      res.set(bhttp::field::location, location);
    } else {
      res = make_response(req, api_error(bhttp::status::forbidden, "https_required",
                                         "this server is used over HTTPS only"));
    }
    res.keep_alive(false);  // the body, if any, was not read
    return res;
  }

  ApiRequest api_request(const Request& req, const std::string& path, const std::string& query) {
    const bool header = req.find(bhttp::field::authorization) != req.end();
    ApiRequest api;
    api.method = req.method();
    api.path = path;
    api.query = query;
    api.body = req.body();
    if (header || token_in_query_allowed(req, path)) api.authorization = authorization(req, query);
    if (auto it = req.find(bhttp::field::cookie); it != req.end()) api.cookie = it->value();
    if (auto it = req.find("X-CSRF-Token"); it != req.end()) api.csrf_token = it->value();
    if (auto it = req.find(bhttp::field::content_type); it != req.end())
      api.content_type = it->value();
    if (auto it = req.find(bhttp::field::host); it != req.end()) api.host = it->value();
    if (auto it = req.find(bhttp::field::if_none_match); it != req.end())
      api.if_none_match = it->value();
    beast::error_code ec;
    const auto peer = lowest().socket().remote_endpoint(ec);
    if (!ec) {
      // Every X-Forwarded-For line, in order, as one list (RFC 9110 5.3).
      std::string forwarded;
      if (!services_.trusted_proxies.empty())
        for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
          if (!forwarded.empty()) forwarded += ',';
          forwarded.append(it->value().data(), it->value().size());
        }
      api.client_address = services_.trusted_proxies.client_address(peer.address(), forwarded);
    }
    return api;
  }

  // A file of the console. Read on this worker: the files are small and in
  // the page cache after the first load, and a console loads them once.
  Response static_response(const Request& req, const std::string& path) {
    StaticResponse out = services_.site->serve(
        StaticRequest{req.method(), path, req[bhttp::field::accept],
                      req[bhttp::field::accept_encoding], req[bhttp::field::if_none_match]});
    Response res{out.status, req.version()};
    res.set(bhttp::field::server, "courtcast");
    for (const auto& [name, value] : out.headers) res.set(name, value);
    res.keep_alive(req.keep_alive());
    if (out.has_body) {
      res.body() = std::move(out.body);
      res.content_length(out.content_length);  // a HEAD's too, with no body
    }
    return res;
  }

  // Remuxing and syncing a card, or reading every segment of a session's
  // recordings, takes long enough to stall this worker's players; it runs
  // on the blocking pool instead.
  asio::awaitable<ApiResult> route_off_loop(const Request& req, const std::string& path,
                                            const std::string& query, const Route* api_route,
                                            asio::thread_pool& pool) {
    co_return co_await asio::co_spawn(
        pool, [&]() -> asio::awaitable<ApiResult> { co_return route(req, path, query, api_route); },
        asio::use_awaitable);
  }

  // A clip or sidecar, read from disk as the socket takes it. The name a
  // browser saves it under is given both as plain ASCII and as UTF-8
  // (RFC 6266), since case numbers are written in Chinese.
  asio::awaitable<bool> send_file(const Request& req, ApiResult answer) {
    const FileReply& f = *answer.file;
    bhttp::response<bhttp::file_body> res{bhttp::status::ok, req.version()};
    beast::error_code ec;
    res.body().open(f.path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      co_return co_await send(make_response(
          req, api_error(bhttp::status::not_found, "file_missing",
                         "the file " + f.download_name + " is no longer on the server")));
    }
    res.set(bhttp::field::server, "courtcast");
    res.set(bhttp::field::cache_control, "no-store");
    res.set(bhttp::field::content_type, f.content_type);
    res.set(bhttp::field::content_disposition, content_disposition(f.download_name));
    add_cors(res);
    add_security_headers(res);
    if constexpr (kTls) res.set(bhttp::field::strict_transport_security, kHsts);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    bhttp::response_serializer<bhttp::file_body> sr{res};
    while (!sr.is_done()) {
      lowest().expires_after(30s);  // per chunk: a big clip may take minutes in all
      auto [wec, n] = co_await bhttp::async_write_some(stream_, sr, use_nothrow);
      if (wec) co_return false;
    }
    count_request(200);
    co_return true;
  }

  static std::string content_disposition(const std::string& name) {
    std::string ascii, encoded;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned char c : name) {
      const bool plain = std::isalnum(c) || c == '-' || c == '_' || c == '.';
      ascii.push_back(c < 0x80 && c >= 0x20 && c != '"' && c != '\\' ? static_cast<char>(c) : '_');
      if (plain) {
        encoded.push_back(static_cast<char>(c));
      } else {
        encoded += '%';
        encoded += kHex[c >> 4];
        encoded += kHex[c & 15];
      }
    }
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }

  asio::awaitable<ApiResult> route_on_password_pool(const Request& req, const std::string& path,
                                                    const std::string& query,
                                                    const Route* api_route) {
    if (password_jobs.fetch_add(1) >= kPasswordQueueMax) {
      password_jobs.fetch_sub(1);
      ApiResult busy = api_error(bhttp::status::service_unavailable, "busy",
                                 "too many logins at once; try again in a second");
      busy.headers.emplace_back("Retry-After", "1");
      co_return busy;
    }
    ApiResult r = co_await route_off_loop(req, path, query, api_route, password_pool());
    password_jobs.fetch_sub(1);
    co_return r;
  }

  // Only a store that groups its writes gains from the pool (store/open.cpp
  // groups SQLite's). On PostgreSQL, which does not, the pool measured slower
  // than the loops (371 against 621 step marks a second): more transactions
  // at once only queue longer for the audit chain.
  bool writes_share_commits() const {
    return services_.auth && services_.auth->repository().groups_writes();
  }

  static ApiResult too_large(std::string_view path, std::uint64_t limit) {
    return api_error(bhttp::status::payload_too_large, "body_too_large",
                     (path == "/api/v1/card" ? std::string("standby card: more than the ")
                                             : std::string("the request body is more than ")) +
                         std::to_string(limit >> 20) + " MiB allowed");
  }

  // Before a body is read: it must fit its row's limit, and a row that
  // takes more than the usual limit (a card upload) must be called by
  // someone allowed to, so that no one else can make the server hold 32 MiB.
  std::optional<ApiResult> admit_body(bhttp::request_parser<bhttp::string_body>& parser,
                                      const std::string& path, const std::string& query,
                                      const Route* api_route, std::uint64_t limit) {
    const Request& req = parser.get();
    if (api_route && limit > kBodyLimitBytes) {
      auto gate = services_.auth->authorize(api_request(req, path, query), api_route);
      if (!gate) return gate.error();
    }
    if (auto length = parser.content_length(); length && *length > limit)
      return too_large(path, limit);
    parser.body_limit(limit);  // chunked bodies count against it as they come
    return std::nullopt;
  }

  // Any logged-in role may follow events; the bootstrap token too. The
  // login the socket follows them as, or nullopt when it may not.
  std::optional<EventLogin> events_login(const Request& req, const std::string& path,
                                         const std::string& query) {
    const ApiRequest api = api_request(req, path, query);
    // A cookie comes with any page's WebSocket: only the console's own may use it.
    if (api.authorization.empty() && !allowed_origin(req, services_.allowed_origins))
      return std::nullopt;
    auto who = services_.auth->authorize(api, find_route(req.method(), path));
    if (!who || !*who) return std::nullopt;
    return EventLogin{(*who)->credential, (*who)->user_id};
  }

  asio::awaitable<bool> send(Response res) {
    if constexpr (kTls) res.set(bhttp::field::strict_transport_security, kHsts);
    lowest().expires_after(30s);
    const unsigned code = res.result_int();
    auto [ec, n] = co_await bhttp::async_write(stream_, res, use_nothrow);
    count_request(code);
    co_return !ec;
  }

  // ---- /metrics: this request's route slot and start, counted once answered ----

  void begin_request(bhttp::verb method, std::string_view path, const Route* api_route) {
    if (!services_.http_metrics) return;
    request_slot_ = services_.http_metrics->slot(method, path, api_route);
    request_started_ = std::chrono::steady_clock::now();
    request_counted_ = false;
  }

  void count_request(unsigned code) {
    if (request_counted_ || !services_.http_metrics) return;
    request_counted_ = true;
    services_.http_metrics->count(request_slot_, code,
                                  std::chrono::steady_clock::now() - request_started_);
  }

  // Read by the socket's own peer: a forwarded header could be forged.
  Response metrics_response(const Request& req) {
    beast::error_code ec;
    const auto peer = lowest().socket().remote_endpoint(ec);
    const auto allowed = services_.metrics->admit(ec ? std::string() : peer.address().to_string(),
                                                  req[bhttp::field::authorization]);
    if (allowed != bhttp::status::ok) {
      Response res =
          make_response(req, allowed == bhttp::status::not_found
                                 ? api_error(allowed, "not_found", "nothing at /metrics")
                                 : api_error(allowed, "metrics_refused",
                                             "/metrics is for loopback or Authorization: Bearer "
                                             "TOKEN ([metrics] in the config)"));
      if (allowed == bhttp::status::unauthorized) res.set(bhttp::field::www_authenticate, "Bearer");
      return res;
    }
    Response res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::server, "courtcast");
    res.set(bhttp::field::cache_control, "no-store");
    res.set(bhttp::field::content_type, kMetricsContentType);
    res.keep_alive(req.keep_alive());
    res.body() = services_.metrics->collect();
    res.prepare_payload();
    if (req.method() == bhttp::verb::head) {
      const auto length = res.body().size();
      res.body().clear();
      res.content_length(length);
    }
    return res;
  }

  // An answer from the route table for /api/, else a 404. Every /api/
  // request passes its row's role rule first (Auth::authorize).
  ApiResult route(const Request& req, const std::string& path, const std::string& query,
                  const Route* api_route) {
    using bhttp::status;
    if (req.method() == bhttp::verb::options) return {status::no_content, nullptr};
    if (!path.starts_with("/api/"))
      return api_error(status::not_found, "not_found", "nothing at " + path);
    if (req.find(bhttp::field::authorization) == req.end() && base::query_value(query, "token") &&
        !token_in_query_allowed(req, path))
      return api_error(status::unauthorized, "token_in_query_refused",
                       "send the token as Authorization: Bearer TOKEN; ?token= is taken only by "
                       "the events WebSocket and media previews");
    const ApiRequest api = api_request(req, path, query);
    auto gate = services_.auth->authorize(api, api_route);
    if (!gate) return gate.error();
    const std::optional<Principal> who = *gate;
    const RouteCall call{services_, api, who, route_params(*api_route, path)};
    // A handler that throws is a defect. Left to the coroutine it ended the
    // connection with no answer and no log line (co_spawn's detached drops
    // the exception); the caller gets a 500 and the log says where.
    try {
      return api_route->handler(call);
    } catch (const std::exception& e) {
      spdlog::error("event=request_failed method={} path={} error={}",
                    base::log_value(std::string(req.method_string())), base::log_value(path),
                    base::log_value(e.what()));
      return api_error(status::internal_server_error, "internal_error",
                       "the server failed on this request; its log says why");
    }
  }

  asio::awaitable<void> serve_flv(const Request& req, const std::string& path,
                                  const std::string& name, const std::string& query) {
    // The console's previews play with its login cookie: no API token
    // ever reaches the browser.
    bool team = false;
    if (req.find(bhttp::field::cookie) != req.end())
      team = services_.auth->logged_in(api_request(req, path, query)).has_value();
    if (auto why = services_.access.refuse_play(name, query, team)) {
      auto& server = *server_;
      const auto total = base::saturating_increment(server.plays_refused);
      if (server.play_refused_log.due(std::chrono::steady_clock::now()))
        spdlog::warn(
            "event=http_flv_refused stream={} reason={} total={} "
            "(past ten within 10 s they are counted, not logged)",
            base::log_value(name), base::log_value(*why), total);
      co_await send(make_response(req, api_error(bhttp::status::forbidden, "play_refused", *why)));
      co_return;
    }
    auto handle = services_.hub.acquire(name);
    live::Player player(handle.shared(), worker_);
    beast::error_code buffer_ec;  // best effort
    lowest().socket().set_option(tcp::socket::send_buffer_size(services_.player_send_buffer_bytes),
                                 buffer_ec);
    const auto header = media::flv_file_header(true, true);
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: courtcast\r\nContent-Type: video/x-flv\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n" +
        media_security_head() + "\r\n";
    head.append(reinterpret_cast<const char*>(header.data()), header.size());
    lowest().expires_after(30s);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(head), use_nothrow);
    if (ec) co_return;
    count_request(200);
    const live::ProtocolPlayer counted(live::PlayerProtocol::http_flv);
    spdlog::info("event=http_flv_play stream={}", base::log_value(name));
    lowest().expires_never();  // the writer below watches for stalls itself
    // A player that stops reading for this long is dropped.
    constexpr auto kStallTimeout = 30s;
    if constexpr (kTls) {
      live::PlayerWriter writer(player, stream_, lowest().socket(), flv_framing, kStallTimeout);
      co_await writer.run();
    } else {
      live::PlayerWriter writer(player, lowest().socket(), flv_framing, kStallTimeout);
      co_await writer.run();
    }
  }

  // add_security_headers() for the media answers whose head is written by
  // hand (HTTP-FLV, HLS).
  static std::string media_security_head() {
    return "X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n"
           "X-Frame-Options: DENY\r\nContent-Security-Policy: " +
           std::string(kNotAPagePolicy) + "\r\n" +
           (kTls ? "Strict-Transport-Security: " + std::string(kHsts) + "\r\n" : std::string());
  }

  // An HLS answer: the head, then the playlist or the media bytes straight
  // from the channel's window in one gathered write (no copy per player).
  asio::awaitable<bool> serve_hls(const Request& req, const std::string& path,
                                  const std::string& query) {
    const HlsReply r = co_await hls_reply(services_, path, query);
    const std::size_t size = r.size();
    std::string head =
        "HTTP/1.1 " + std::to_string(static_cast<unsigned>(r.status)) + " " +
        std::string(bhttp::obsolete_reason(r.status)) +
        "\r\nServer: courtcast\r\nContent-Length: " + std::to_string(size) +
        "\r\nCache-Control: " + r.cache_control +
        "\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: Age\r\n" +
        media_security_head();
    if (!r.content_type.empty()) head += "Content-Type: " + r.content_type + "\r\n";
    if (!r.location.empty()) head += "Location: " + r.location + "\r\n";
    if (!r.retry_after.empty()) head += "Retry-After: " + r.retry_after + "\r\n";
    if (!req.keep_alive())
      head += "Connection: close\r\n";
    else if (req.version() == 10)
      head += "Connection: keep-alive\r\n";
    head += "\r\n";
    std::vector<asio::const_buffer> buffers{asio::buffer(head)};
    if (req.method() != bhttp::verb::head) {
      if (r.text) buffers.push_back(asio::buffer(*r.text));
      for (const auto& b : r.body) buffers.push_back(asio::buffer(*b));
    }
    lowest().expires_after(30s);
    auto [ec, n] = co_await asio::async_write(stream_, buffers, use_nothrow);
    if (!ec && r.status == bhttp::status::ok)
      services_.hls->counters().bytes.fetch_add(size, std::memory_order_relaxed);
    if (!ec) count_request(static_cast<unsigned>(r.status));
    co_return !ec;
  }

  asio::awaitable<void> serve_events(Request req, std::string path, std::string query,
                                     EventLogin login) {
    auto ws = std::make_shared<websocket::stream<Stream>>(std::move(stream_));
    beast::get_lowest_layer(*ws).expires_never();
    ws->set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    // Events only go out; what comes in is read to notice the client leaving.
    // Beast would buffer a message of up to 16 MB per connection for that.
    ws->read_message_max(kEventsReadMaxBytes);
    // Beast's default Server header names the library and its version.
    ws->set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(bhttp::field::server, "courtcast"); }));
    auto [aec] = co_await ws->async_accept(req, use_nothrow);
    if (aec) co_return;
    count_request(101);
    // Events queue here and this loop sends them in order; a reader notices
    // the client leaving. Both share the state below by shared_ptr.
    struct State {
      std::deque<std::shared_ptr<const std::string>> queue;
      asio::steady_timer wake;
      bool open = true;
      bool login_ended = false;
      bool writing = false;
    };
    auto state = std::make_shared<State>(State{{}, asio::steady_timer(ws->get_executor())});
    const std::string credential = login.credential;
    auto subscription = services_.events->subscribe(
        ws->get_executor(),
        [state](std::shared_ptr<const std::string> text) {
          if (state->queue.size() < 1024) state->queue.push_back(std::move(text));
          state->wake.cancel();
        },
        std::move(login),
        // The login ended (logout, revoked token, disabled user): the loop
        // below says so in a close frame; a client not reading, whose write
        // is stuck, is cut off at once.
        [state, ws] {
          state->login_ended = true;
          state->open = false;
          state->wake.cancel();
          if (state->writing) {
            beast::error_code ec;
            beast::get_lowest_layer(*ws).socket().close(ec);
          }
        });
    // A login that ended between the check and the subscription above.
    if (credential != "bootstrap" && !services_.auth->logged_in(api_request(req, path, query))) {
      state->login_ended = true;
      state->open = false;
    }
    asio::co_spawn(
        ws->get_executor(),
        [ws, state]() -> asio::awaitable<void> {
          beast::flat_buffer in;
          for (;;) {
            auto [ec, n] = co_await ws->async_read(in, use_nothrow);
            if (ec) break;
            in.consume(n);
          }
          state->open = false;
          state->wake.cancel();
        },
        asio::detached);
    ws->text(true);
    while (state->open) {
      if (state->queue.empty()) {
        state->wake.expires_at(asio::steady_timer::time_point::max());
        co_await state->wake.async_wait(use_nothrow);
        continue;
      }
      auto text = std::move(state->queue.front());
      state->queue.pop_front();
      state->writing = true;
      auto [wec, wn] = co_await ws->async_write(asio::buffer(*text), use_nothrow);
      state->writing = false;
      if (wec) break;
    }
    if (state->login_ended) {
      // 1008: the client should not reconnect with the same credentials.
      // A client that does not answer the close is cut off after a second.
      asio::steady_timer guard(ws->get_executor(), 1s);
      guard.async_wait([ws](beast::error_code ec) {
        if (ec) return;
        beast::get_lowest_layer(*ws).socket().close(ec);
      });
      co_await ws->async_close(
          websocket::close_reason(websocket::close_code::policy_error, "the login has ended"),
          use_nothrow);
      guard.cancel();
    }
    beast::error_code ec;
    beast::get_lowest_layer(*ws).socket().close(ec);
  }

  Stream stream_;
  Slot slot_;  // this connection's place under max_connections
  std::shared_ptr<Server::State> server_;
  std::size_t worker_;
  const Services& services_;
  std::size_t request_slot_ = 0;
  std::chrono::steady_clock::time_point request_started_{};
  bool request_counted_ = true;
};

}  // namespace

Server::Server(Services services)
    : services_(services),
      state_(std::make_shared<State>(base::ConnectionAdmission::Limits{
          services_.max_connections, services_.max_connections_per_address})) {
  if (!services_.auth || !services_.court)
    throw std::invalid_argument("http::Server needs Services::auth and Services::court");
}

const base::ConnectionAdmission& Server::admission() const {
  return state_->admission;
}

void Server::serve(tcp::socket socket, std::size_t worker) {
  auto slot = admit(*state_, services_.trusted_proxies, socket);
  if (!slot) return;
  auto session = std::make_shared<Session<beast::tcp_stream>>(std::move(socket), std::move(*slot),
                                                              state_, worker, services_);
  auto executor = session->executor();
  asio::co_spawn(
      executor, [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
}

void Server::serve_tls(tcp::socket socket, std::size_t worker) {
  if (!services_.tls) throw std::logic_error("http::Server::serve_tls without Services::tls");
  auto slot = admit(*state_, services_.trusted_proxies, socket);
  if (!slot) return;
  auto session = std::make_shared<Session<TlsStream>>(std::move(socket), std::move(*slot), state_,
                                                      worker, services_);
  auto executor = session->executor();
  asio::co_spawn(
      executor, [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
}

}  // namespace courtcast::http
