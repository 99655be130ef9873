#include "app/listener.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>

#include "base/log_value.hpp"

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

std::string Listener::address() const {
  boost::system::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}

namespace {

// Out of descriptors or kernel memory, a connection stays queued and the
// next accept fails at once: retried at once, that is a loop at full CPU on
// a worker that also serves players and cameras.
bool out_of_resources(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec.value() == ENFILE ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

}  // namespace

asio::awaitable<void> Listener::accept_loop() {
  using namespace std::chrono_literals;
  asio::steady_timer pause(acceptor_.get_executor());
  std::chrono::steady_clock::time_point paused_since{};
  std::uint64_t failed_accepts = 0;  // during this pause
  for (;;) {
    const std::size_t worker = next_worker_++ % workers_.size();
    auto [ec, socket] =
        co_await acceptor_.async_accept(*workers_[worker], asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (out_of_resources(ec)) {
      // As nginx does: stop accepting for a moment, say so once per episode.
      if (failed_accepts++ == 0) {
        paused_since = std::chrono::steady_clock::now();
        spdlog::error("event=accept_paused address={} error={}", address(),
                      base::log_value(ec.message()));
      }
      pause.expires_after(100ms);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    if (ec) continue;  // a connection reset before it was accepted
    if (failed_accepts > 0) {
      spdlog::warn("event=accept_resumed address={} paused_ms={} failed_accepts={}", address(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - paused_since)
                       .count(),
                   failed_accepts);
      failed_accepts = 0;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::post(*workers_[worker], [this, worker, s = std::move(socket)]() mutable {
      on_connection_(std::move(s), worker);
    });
  }
}

}  // namespace courtcast::app
