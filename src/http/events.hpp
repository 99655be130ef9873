#pragma once
// Server events (destination state changes, later: takes, cuts, alerts)
// pushed to WebSocket clients of GET /api/v1/events. Thread-safe: publish
// from any thread; each subscriber is served on its own connection's worker.

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace courtcast::http {

// The login a subscriber follows events as, so that ending the login (a
// revoked token, a logout, a disabled user) closes its sockets too.
struct EventLogin {
  std::string credential;    // Principal::credential: one session or one token
  std::int64_t user_id = 0;  // 0 unless a user's console session
};

class EventHub {
 public:
  // A subscriber receives each event as one JSON text, in order.
  struct Subscriber {
    boost::asio::any_io_executor executor;
    std::function<void(std::shared_ptr<const std::string>)> deliver;  // runs on `executor`
    EventLogin login;
    std::function<void()> close;  // runs on `executor`; may be empty
  };

  std::shared_ptr<Subscriber> subscribe(
      boost::asio::any_io_executor executor,
      std::function<void(std::shared_ptr<const std::string>)> deliver, EventLogin login = {},
      std::function<void()> close = nullptr);
  void publish(std::string json);

  // Closes the sockets of one credential (a non-empty `credential`), or of
  // every login of a user (a non-zero `user_id`), or both. Returns how many
  // were told to close.
  std::size_t close_logins(const EventLogin& ended);

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<Subscriber>> subscribers_;
};

}  // namespace courtcast::http
