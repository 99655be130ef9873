#pragma once
// The one HTTP server: REST API under /api/v1, HTTP-FLV playback under /live.
// Connections are spread over the worker event loops like RTMP ones.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>
#include <vector>

#include "live/hub.hpp"

namespace courtcast::http {

namespace asio = boost::asio;

// The application's policy for playback over HTTP.
class Access {
 public:
  virtual ~Access() = default;
  // nullopt when `stream` may be played with this query string; else why not.
  virtual std::optional<std::string> refuse_play(const std::string& stream,
                                                 const std::string& query) = 0;
};

class Server {
 public:
  // `player_send_buffer_bytes`: see rtmp::ServerOptions, same purpose.
  Server(std::vector<asio::io_context*> workers, live::Hub& hub, Access& access,
         int player_send_buffer_bytes);
  ~Server();
  asio::ip::tcp::endpoint listen(const asio::ip::tcp::endpoint& endpoint);
  void stop();

 private:
  asio::awaitable<void> accept_loop();

  std::vector<asio::io_context*> workers_;
  live::Hub& hub_;
  Access& access_;
  int player_send_buffer_bytes_;
  asio::ip::tcp::acceptor acceptor_;
  std::size_t next_worker_ = 0;
};

}  // namespace courtcast::http
