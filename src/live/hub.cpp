#include "live/hub.hpp"

namespace courtcast::live {

StreamHandle& StreamHandle::operator=(StreamHandle&& o) noexcept {
  if (this != &o) {
    reset();
    hub_ = o.hub_;
    stream_ = std::move(o.stream_);
    o.hub_ = nullptr;
  }
  return *this;
}

void StreamHandle::reset() {
  if (hub_ && stream_) hub_->release(stream_);
  hub_ = nullptr;
  stream_.reset();
}

void Hub::set_tap_factory(TapFactory factory) {
  std::lock_guard lock(mutex_);
  tap_factory_ = std::move(factory);
}

StreamHandle Hub::acquire(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& entry = streams_[name];
  if (!entry.stream)
    entry.stream = std::make_shared<Stream>(
        name, executors_, limits_,
        tap_factory_ ? tap_factory_(name) : std::vector<std::shared_ptr<Tap>>{});
  ++entry.holds;
  return StreamHandle(this, entry.stream);
}

void Hub::release(const std::shared_ptr<Stream>& stream) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream->name());
  if (it == streams_.end() || it->second.stream != stream) return;
  if (--it->second.holds == 0) streams_.erase(it);
}

std::shared_ptr<Stream> Hub::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.stream;
}

std::vector<std::shared_ptr<Stream>> Hub::streams() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Stream>> out;
  for (const auto& [name, entry] : streams_) out.push_back(entry.stream);
  return out;
}

}  // namespace courtcast::live
