#include "http/events.hpp"

#include <boost/asio/post.hpp>

namespace courtcast::http {

std::shared_ptr<EventHub::Subscriber> EventHub::subscribe(
    boost::asio::any_io_executor executor,
    std::function<void(std::shared_ptr<const std::string>)> deliver, EventLogin login,
    std::function<void()> close) {
  auto s = std::make_shared<Subscriber>(
      Subscriber{std::move(executor), std::move(deliver), std::move(login), std::move(close)});
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
  subscribers_.push_back(s);
  return s;
}

void EventHub::publish(std::string json) {
  auto text = std::make_shared<const std::string>(std::move(json));
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [](const auto& w) { return w.expired(); });
  for (const auto& w : subscribers_) {
    if (auto s = w.lock()) boost::asio::post(s->executor, [s, text] { s->deliver(text); });
  }
}

std::size_t EventHub::close_logins(const EventLogin& ended) {
  if (ended.credential.empty() && ended.user_id == 0) return 0;
  std::size_t closed = 0;
  std::lock_guard lock(mutex_);
  for (const auto& w : subscribers_) {
    auto s = w.lock();
    if (!s || !s->close) continue;
    const bool match = (!ended.credential.empty() && s->login.credential == ended.credential) ||
                       (ended.user_id != 0 && s->login.user_id == ended.user_id);
    if (!match) continue;
    boost::asio::post(s->executor, [s] { s->close(); });
    ++closed;
  }
  return closed;
}

}  // namespace courtcast::http
