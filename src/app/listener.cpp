#include "app/listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace courtcast::app {

using asio::ip::tcp;

Listener::Listener(std::vector<asio::io_context*> workers, OnConnection on_connection)
    : workers_(std::move(workers)),
      on_connection_(std::move(on_connection)),
      acceptor_(*workers_.at(0)) {}

Listener::~Listener() {
  stop();
}

tcp::endpoint Listener::listen(const tcp::endpoint& endpoint) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), asio::detached);
  return acceptor_.local_endpoint();
}

void Listener::stop() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

asio::awaitable<void> Listener::accept_loop() {
  for (;;) {
    const std::size_t worker = next_worker_++ % workers_.size();
    auto [ec, socket] =
        co_await acceptor_.async_accept(*workers_[worker], asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;  // out of descriptors or a connection reset before accept
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::post(*workers_[worker], [this, worker, s = std::move(socket)]() mutable {
      on_connection_(std::move(s), worker);
    });
  }
}

}  // namespace courtcast::app
