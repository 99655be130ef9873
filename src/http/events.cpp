#include "http/events.hpp"

#include <boost/asio/post.hpp>

namespace courtcast::http {

std::shared_ptr<EventHub::Subscriber> EventHub::subscribe(
    boost::asio::any_io_executor executor,
    std::function<void(std::shared_ptr<const std::string>)> deliver) {
  auto s = std::make_shared<Subscriber>(Subscriber{std::move(executor), std::move(deliver)});
  std::lock_guard lock(mutex_);
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

}  // namespace courtcast::http
