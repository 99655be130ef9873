#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "http/stream_api.hpp"
#include "media/flv.hpp"

namespace courtcast::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

void add_cors(Response& res) {
  res.set(bhttp::field::access_control_allow_origin, "*");
  res.set(bhttp::field::access_control_allow_methods, "GET, POST, PUT, PATCH, DELETE, OPTIONS");
  res.set(bhttp::field::access_control_allow_headers, "Content-Type, Authorization, X-CSRF-Token");
}

Response json_response(const Request& req, bhttp::status status, const json::value& body) {
  Response res{status, req.version()};
  res.set(bhttp::field::server, "courtcast");
  res.set(bhttp::field::content_type, "application/json; charset=utf-8");
  res.set(bhttp::field::cache_control, "no-store");
  add_cors(res);
  res.keep_alive(req.keep_alive());
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

Response error_response(const Request& req, bhttp::status status, std::string_view code,
                        std::string_view message) {
  return json_response(req, status,
                       json::object{{"error", json::object{{"code", code}, {"message", message}}}});
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::size_t worker, live::Hub& hub, Access& access,
          int send_buffer_bytes)
      : stream_(std::move(socket)),
        worker_(worker),
        hub_(hub),
        access_(access),
        send_buffer_bytes_(send_buffer_bytes) {}

  asio::awaitable<void> run() {
    auto self = shared_from_this();
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(1 << 20);
      parser.header_limit(16 * 1024);
      stream_.expires_after(60s);
      auto [ec, n] = co_await bhttp::async_read(stream_, buffer, parser, use_nothrow);
      if (ec == bhttp::error::end_of_stream || ec == asio::error::eof) break;
      if (ec) {
        if (ec != beast::error::timeout && ec != asio::error::connection_reset) {
          Request bad;
          bad.version(11);
          co_await send(error_response(bad, bhttp::status::bad_request, "bad_request",
                                       "malformed HTTP request: " + ec.message()));
        }
        break;
      }
      Request req = parser.release();
      std::string_view target(req.target().data(), req.target().size());
      const auto q = target.find('?');
      const std::string path(target.substr(0, q));
      const std::string query(q == std::string_view::npos ? std::string_view()
                                                          : target.substr(q + 1));

      if (path.starts_with("/live/") && path.ends_with(".flv") &&
          req.method() == bhttp::verb::get) {
        co_await serve_flv(req, path.substr(6, path.size() - 10), query);
        break;  // the FLV response ends with the connection
      }
      Response res = route(req, path);
      const bool keep = res.keep_alive();
      if (!co_await send(std::move(res)) || !keep) break;
    }
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

 private:
  asio::awaitable<bool> send(Response res) {
    stream_.expires_after(30s);
    auto [ec, n] = co_await bhttp::async_write(stream_, res, use_nothrow);
    co_return !ec;
  }

  Response route(const Request& req, const std::string& path) {
    if (req.method() == bhttp::verb::options) {
      Response res{bhttp::status::no_content, req.version()};
      add_cors(res);
      res.keep_alive(req.keep_alive());
      return res;
    }
    if (path == "/api/v1/streams") {
      if (req.method() != bhttp::verb::get)
        return error_response(req, bhttp::status::method_not_allowed, "method_not_allowed",
                              "use GET");
      return json_response(req, bhttp::status::ok, streams_json(hub_));
    }
    if (path.starts_with("/api/v1/streams/")) {
      if (req.method() != bhttp::verb::get)
        return error_response(req, bhttp::status::method_not_allowed, "method_not_allowed",
                              "use GET");
      const std::string name = path.substr(16);
      auto s = hub_.find(name);
      if (!s)
        return error_response(req, bhttp::status::not_found, "stream_not_found",
                              "no stream named '" + name + "' is live or being played");
      return json_response(req, bhttp::status::ok, stream_json(s->info()));
    }
    if (path.starts_with("/api/"))
      return error_response(req, bhttp::status::not_found, "not_found",
                            "no API endpoint at " + path);
    return error_response(req, bhttp::status::not_found, "not_found", "nothing at " + path);
  }

  asio::awaitable<void> serve_flv(const Request& req, const std::string& name,
                                  const std::string& query) {
    if (auto why = access_.refuse_play(name, query)) {
      spdlog::warn("event=http_flv_refused stream={} reason=\"{}\"", name, *why);
      co_await send(error_response(req, bhttp::status::forbidden, "play_refused", *why));
      co_return;
    }
    auto handle = hub_.acquire(name);
    live::Player player(handle.shared(), worker_);
    beast::error_code buffer_ec;  // best effort
    stream_.socket().set_option(tcp::socket::send_buffer_size(send_buffer_bytes_), buffer_ec);
    const auto header = media::flv_file_header(true, true);
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: courtcast\r\nContent-Type: video/x-flv\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\nAccess-Control-Allow-Origin: *\r\n\r\n";
    head.append(reinterpret_cast<const char*>(header.data()), header.size());
    stream_.expires_after(30s);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(head), use_nothrow);
    if (ec) co_return;
    spdlog::info("event=http_flv_play stream={}", name);
    std::vector<media::PacketPtr> batch;
    std::vector<asio::const_buffer> buffers;
    while (co_await player.next(batch)) {
      buffers.clear();
      std::size_t bytes = 0;
      for (const auto& p : batch) {
        buffers.emplace_back(p->flv_tag().data(), p->flv_tag().size());
        bytes += p->flv_tag().size();
      }
      stream_.expires_after(30s);  // a player that stops reading for this long is dropped
      auto [wec, wn] = co_await asio::async_write(stream_, buffers, use_nothrow);
      if (wec) break;
      player.count_sent(bytes);
    }
  }

  beast::tcp_stream stream_;
  std::size_t worker_;
  live::Hub& hub_;
  Access& access_;
  int send_buffer_bytes_;
};

}  // namespace

Server::Server(std::vector<asio::io_context*> workers, live::Hub& hub, Access& access,
               int player_send_buffer_bytes)
    : workers_(std::move(workers)),
      hub_(hub),
      access_(access),
      player_send_buffer_bytes_(player_send_buffer_bytes),
      acceptor_(*workers_.at(0)) {}

Server::~Server() {
  stop();
}

tcp::endpoint Server::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
  return acceptor_.local_endpoint();
}

void Server::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Server::accept_loop() {
  for (;;) {
    const std::size_t worker = next_worker_++ % workers_.size();
    auto [ec, socket] = co_await acceptor_.async_accept(*workers_[worker], use_nothrow);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true));
    auto session = std::make_shared<Session>(std::move(socket), worker, hub_, access_,
                                             player_send_buffer_bytes_);
    asio::co_spawn(
        workers_[worker]->get_executor(),
        [session]() -> asio::awaitable<void> { co_await session->run(); }, asio::detached);
  }
}

}  // namespace courtcast::http
