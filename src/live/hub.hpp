#pragma once
// Streams by name. A stream lives while a publisher or a player holds it, so a
// camera that drops and returns finds its players and timeline still there.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "live/stream.hpp"

namespace courtcast::live {

// The hub's state, shared with the handles so that a handle released after
// the hub is gone (a connection torn down at shutdown) finds nothing to do
// instead of freed memory.
struct HubRegistry {
  using TapFactory = std::function<std::vector<std::shared_ptr<Tap>>(const std::string& name)>;
  struct Entry {
    std::shared_ptr<Stream> stream;
    std::size_t holds = 0;
  };
  std::vector<asio::any_io_executor> executors;
  StreamLimits limits;
  std::mutex mutex;
  std::map<std::string, Entry> streams;
  TapFactory tap_factory;

  void release(const std::shared_ptr<Stream>& stream);
};

// A counted hold on a stream; releasing the last hold forgets the stream.
class StreamHandle {
 public:
  StreamHandle() = default;
  StreamHandle(std::weak_ptr<HubRegistry> hub, std::shared_ptr<Stream> stream)
      : hub_(std::move(hub)), stream_(std::move(stream)) {}
  StreamHandle(StreamHandle&& o) noexcept = default;
  StreamHandle& operator=(StreamHandle&& o) noexcept;
  StreamHandle(const StreamHandle&) = delete;
  StreamHandle& operator=(const StreamHandle&) = delete;
  ~StreamHandle() { reset(); }

  void reset();
  Stream* operator->() const { return stream_.get(); }
  Stream& operator*() const { return *stream_; }
  const std::shared_ptr<Stream>& shared() const { return stream_; }
  explicit operator bool() const { return stream_ != nullptr; }

 private:
  std::weak_ptr<HubRegistry> hub_;
  std::shared_ptr<Stream> stream_;
};

class Hub {
 public:
  Hub(std::vector<asio::any_io_executor> shard_executors, StreamLimits limits);

  // Called for each stream the hub creates, before anything is published on
  // it; the taps it returns see every packet of that stream.
  using TapFactory = HubRegistry::TapFactory;
  void set_tap_factory(TapFactory factory);

  StreamHandle acquire(const std::string& name);
  std::shared_ptr<Stream> find(const std::string& name) const;
  std::vector<std::shared_ptr<Stream>> streams() const;
  std::size_t shard_count() const { return registry_->executors.size(); }

 private:
  std::shared_ptr<HubRegistry> registry_;
};

}  // namespace courtcast::live
