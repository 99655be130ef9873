#pragma once
// The one HTTP server: REST API under /api/v1, HTTP-FLV and HLS playback under /live,
// the web console's files everywhere else (static_site.hpp).
// Connections are spread over the worker event loops like RTMP ones.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/connection_admission.hpp"
#include "hls/channel.hpp"
#include "http/events.hpp"
#include "http/forwarded.hpp"
#include "http/recording_api.hpp"
#include "http/static_site.hpp"
#include "live/hub.hpp"
#include "program/card_store.hpp"
#include "program/emblem_store.hpp"
#include "program/registry.hpp"
#include "relay/relay.hpp"

namespace courtcast::http {

namespace asio = boost::asio;

class Auth;
class CourtApi;
class HttpMetrics;
class MetricsEndpoint;
class QaApi;

// The application's policy for HTTP: who may play, who may control.
class Access {
 public:
  virtual ~Access() = default;
  // nullopt when `stream` may be played with this query string; else what the
  // public is told, the same for every refusal (it must not tell which exist).
  // `team`: the caller is logged in (a console session of any role), which
  // opens the previews (programs, inputs) as `?token=` does for scripts.
  virtual std::optional<std::string> refuse_play(const std::string& stream,
                                                 const std::string& query, bool team) = 0;
  // Whether an Authorization header value grants the control API.
  virtual bool allow_control(std::string_view authorization) = 0;
};

// What the plain listener does with the console and the API when HTTPS is
// on ([http] plain); media under /live/ is served either way.
enum class PlainHttp { serve, redirect, refuse };

// What the HTTP server serves. `relay` and `events` may be null.
struct Services {
  live::Hub& hub;
  Access& access;
  relay::Relay* relay = nullptr;
  EventHub* events = nullptr;
  program::ProgramRegistry* programs = nullptr;
  // See rtmp::ServerOptions::player_send_buffer_bytes: same purpose.
  int player_send_buffer_bytes = 256 * 1024;
  // Users, roles and the court endpoints (auth.hpp, court_api.hpp):
  // required, every /api/v1 call passes Auth and the route table.
  Auth* auth = nullptr;
  CourtApi* court = nullptr;
  QaApi* qa = nullptr;                  // the watch page's public answers and viewers' questions
  RecordingApi* recordings = nullptr;   // recorder state and clip export
  program::CardStore* cards = nullptr;  // the standby card and the court's uploads
  program::EmblemStore* emblems = nullptr;  // the court's emblem on air
  // After a destination is added, changed or removed through the API (to
  // keep the set across restarts).
  std::function<void()> destinations_changed = nullptr;
  // HLS of public streams under /live (hls_api.hpp); null: not served.
  hls::Registry* hls = nullptr;
  // The web console's files, served for GET and HEAD outside /api and /live.
  const StaticSite* site = nullptr;
  // Origins besides the console's own (the request's Host) whose pages may
  // open the events WebSocket with a login cookie ([http] allowed_origins).
  std::vector<std::string> allowed_origins = {};
  // Request counters by route, and GET /metrics (metrics.hpp); may be null.
  HttpMetrics* http_metrics = nullptr;
  const MetricsEndpoint* metrics = nullptr;
  // HTTPS ([http] tls_cert, tls_key): the context serve_tls uses; when set,
  // the plain listener treats the console and the API as `plain` says,
  // sending redirects to `https_port`, and HTTPS answers carry HSTS.
  std::shared_ptr<asio::ssl::context> tls = nullptr;
  PlainHttp plain = PlainHttp::serve;
  std::uint16_t https_port = 443;
  // Whose X-Forwarded-For names the client ([http] trusted_proxies).
  TrustedProxies trusted_proxies = {};
  // Open connections (players, WebSockets, idle keep-alives) past which a
  // new one is closed at once ([http] max_connections): idle connections
  // must not take the descriptors that cameras and recordings need.
  std::size_t max_connections = 10000;
  // Of those, what one peer address may hold ([http]
  // max_connections_per_address; 0: no cap), so that one address cannot
  // take them all. Trusted proxies are not capped: an edge speaks for many.
  std::size_t max_connections_per_address = 500;
};

class Server {
 public:
  // Throws std::invalid_argument without `auth` and `court`.
  explicit Server(Services services);
  // Runs one connection on the socket's own executor (its worker).
  void serve(asio::ip::tcp::socket socket, std::size_t worker);
  // The same over TLS with Services::tls (required).
  void serve_tls(asio::ip::tcp::socket socket, std::size_t worker);
  // The HTTPS port as bound (a configured 0 picks one); before serving.
  void set_https_port(std::uint16_t port) { services_.https_port = port; }
  // Connections open, and refused under max_connections(_per_address).
  const base::ConnectionAdmission& admission() const;
  struct State;  // connections open and refused, refused plays

 private:
  Services services_;
  std::shared_ptr<State> state_;
};

}  // namespace courtcast::http
