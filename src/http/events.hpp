#pragma once
// Server events (destination state changes, later: takes, cuts, alerts)
// pushed to WebSocket clients of GET /api/v1/events. Thread-safe: publish
// from any thread; each subscriber is served on its own connection's worker.

#include <boost/asio/any_io_executor.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace courtcast::http {

class EventHub {
 public:
  // A subscriber receives each event as one JSON text, in order.
  struct Subscriber {
    boost::asio::any_io_executor executor;
    std::function<void(std::shared_ptr<const std::string>)> deliver;  // runs on `executor`
  };

  std::shared_ptr<Subscriber> subscribe(
      boost::asio::any_io_executor executor,
      std::function<void(std::shared_ptr<const std::string>)> deliver);
  void publish(std::string json);

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
};

}  // namespace courtcast::http
