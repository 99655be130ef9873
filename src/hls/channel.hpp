#pragma once
// HLS of live streams, packaged once per stream and served from memory.
//
// A Channel reads its stream as one player on one worker (the stream's
// shard there) and feeds a Segmenter; requests on any worker read the
// window under the channel's mutex, which is held only to copy shared
// pointers. A blocking playlist reload or a preload-hinted part parks the
// request on its own worker (a timer, no thread) until the packager posts
// that the part is out, or until a timeout; the number parked is bounded.
// A channel starts with the first playlist request for its stream and
// stops after `idle_ms` without one.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "hls/segmenter.hpp"
#include "live/hub.hpp"

namespace courtcast::hls {

namespace asio = boost::asio;

struct Options {
  SegmenterOptions segmenter;  // uri_prefix is set per channel
  std::int64_t idle_ms = 60000;
  std::size_t max_parked = 2000;  // parked requests per channel; past it: 503
  // How long a first playlist request waits for the first segment.
  std::int64_t first_segment_wait_ms = 8000;
};

// What the HTTP side served, by kind: read by /metrics and by tests
// ("the origin served each segment once"). Relaxed counters, any thread.
struct Counters {
  std::atomic<std::uint64_t> playlists{0};
  std::atomic<std::uint64_t> blocking_playlists{0};
  std::atomic<std::uint64_t> inits{0};
  std::atomic<std::uint64_t> parts{0};
  std::atomic<std::uint64_t> segments{0};
  std::atomic<std::uint64_t> ts_segments{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> not_found{0};
  std::atomic<std::uint64_t> refused{0};        // not public
  std::atomic<std::uint64_t> wait_timeouts{0};  // parked past their limit: 503
  std::atomic<std::uint64_t> busy{0};           // too many parked: 503
};

enum class WaitResult { ready, too_far, timeout, busy };

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  Channel(live::StreamHandle stream, std::size_t shard, std::string epoch, const Options& options);
  ~Channel();

  void start();
  // From any thread; the packaging loop ends on its worker.
  void stop();
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  void touch();

  const std::string& epoch() const { return epoch_; }
  std::shared_ptr<const std::string> playlist(bool ts) const;
  std::int64_t target_duration_s() const;
  SharedBytes init(std::uint32_t id) const;
  SharedBytes part(std::uint64_t msn, std::uint64_t index) const;
  // The parts of a complete segment, in order (empty when it is not there).
  std::vector<SharedBytes> segment(std::uint64_t msn) const;
  SharedBytes ts_segment(std::uint64_t msn) const;
  std::size_t window_bytes() const;

  // Parks the calling coroutine until part `part` of segment `msn` (or the
  // whole segment) is out, at most `timeout`. Runs on the caller's executor.
  asio::awaitable<WaitResult> wait(std::uint64_t msn, std::optional<std::uint64_t> part,
                                   std::chrono::milliseconds timeout);

 private:
  struct Waiter {
    explicit Waiter(asio::any_io_executor ex) : timer(std::move(ex)) {}
    asio::steady_timer timer;
    std::uint64_t msn = 0;
    std::optional<std::uint64_t> part;
  };

  asio::awaitable<void> package();
  asio::awaitable<void> watch_idle();
  void published();  // after a change: new playlists, wake whom it satisfies

  live::StreamHandle stream_;
  const std::size_t shard_;
  const std::string epoch_;
  const Options options_;
  asio::any_io_executor executor_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::int64_t> last_request_ms_{0};
  live::Player* player_ = nullptr;  // on executor_ only

  mutable std::mutex mutex_;
  Segmenter segmenter_;
  std::shared_ptr<const std::string> fmp4_playlist_, ts_playlist_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

class Registry {
 public:
  Registry(live::Hub& hub, Options options);
  ~Registry();

  // The stream's channel, started now when it has none. The caller has
  // checked that the stream is public.
  std::shared_ptr<Channel> open(const std::string& name);
  // The running channel, without starting one.
  std::shared_ptr<Channel> find(const std::string& name) const;
  const Options& options() const { return options_; }
  Counters& counters() { return counters_; }
  std::size_t channels() const;

 private:
  live::Hub& hub_;
  const Options options_;
  Counters counters_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Channel>> channels_;
  std::uint64_t opened_ = 0;
};

}  // namespace courtcast::hls
