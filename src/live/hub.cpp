#include "live/hub.hpp"

namespace courtcast::live {

StreamHandle& StreamHandle::operator=(StreamHandle&& o) noexcept {
  if (this != &o) {
    reset();
    hub_ = std::move(o.hub_);
    stream_ = std::move(o.stream_);
  }
  return *this;
}

void StreamHandle::reset() {
  if (stream_)
    if (auto hub = hub_.lock()) hub->release(stream_);
  hub_.reset();
  stream_.reset();
}

void HubRegistry::release(const std::shared_ptr<Stream>& stream) {
  std::lock_guard lock(mutex);
  auto it = streams.find(stream->name());
  if (it == streams.end() || it->second.stream != stream) return;
  if (--it->second.holds == 0) streams.erase(it);
}

Hub::Hub(std::vector<asio::any_io_executor> shard_executors, StreamLimits limits)
    : registry_(std::make_shared<HubRegistry>()) {
  registry_->executors = std::move(shard_executors);
  registry_->limits = limits;
}

void Hub::set_tap_factory(TapFactory factory) {
  std::lock_guard lock(registry_->mutex);
  registry_->tap_factory = std::move(factory);
}

StreamHandle Hub::acquire(const std::string& name) {
  auto& r = *registry_;
  std::lock_guard lock(r.mutex);
  auto& entry = r.streams[name];
  if (!entry.stream)
    entry.stream = std::make_shared<Stream>(
        name, r.executors, r.limits,
        r.tap_factory ? r.tap_factory(name) : std::vector<std::shared_ptr<Tap>>{});
  ++entry.holds;
  return StreamHandle(registry_, entry.stream);
}

std::shared_ptr<Stream> Hub::find(const std::string& name) const {
  std::lock_guard lock(registry_->mutex);
  auto it = registry_->streams.find(name);
  return it == registry_->streams.end() ? nullptr : it->second.stream;
}

std::vector<std::shared_ptr<Stream>> Hub::streams() const {
  std::lock_guard lock(registry_->mutex);
  std::vector<std::shared_ptr<Stream>> out;
  for (const auto& [name, entry] : registry_->streams) out.push_back(entry.stream);
  return out;
}

}  // namespace courtcast::live
