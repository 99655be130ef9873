#pragma once
// Accepts TCP connections on one address and spreads them over the worker
// event loops, round robin; what a connection speaks is the handler's
// business (the RTMP server, the HTTP server).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>
#include <vector>

namespace courtcast::app {

namespace asio = boost::asio;

class Listener {
 public:
  // Called on the chosen worker's loop with a socket bound to that loop.
  using OnConnection = std::function<void(asio::ip::tcp::socket, std::size_t worker)>;

  Listener(std::vector<asio::io_context*> workers, OnConnection on_connection);
  ~Listener();
  // Binds and starts accepting; a port of 0 picks a free one. Returns the bound address.
  asio::ip::tcp::endpoint listen(const asio::ip::tcp::endpoint& endpoint);
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  std::string address() const;  // HOST:PORT, for the log

  std::vector<asio::io_context*> workers_;
  OnConnection on_connection_;
  asio::ip::tcp::acceptor acceptor_;
  std::size_t next_worker_ = 0;
};

}  // namespace courtcast::app
