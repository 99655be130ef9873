#include "hls/channel.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <functional>

#include "base/clock.hpp"
#include "base/log_value.hpp"

namespace courtcast::hls {

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::int64_t kStatsEveryMs = 30'000;

// CPU time of the calling thread: what packaging costs, whatever else the
// worker does and however loaded the machine is.
std::int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string base36(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v % 36]);
    v /= 36;
  } while (v);
  return s;
}

SegmenterOptions with_prefix(SegmenterOptions o, const std::string& epoch) {
  o.uri_prefix = epoch + "/";
  return o;
}

}  // namespace

Channel::Channel(live::StreamHandle stream, std::size_t shard, std::string epoch,
                 const Options& options)
    : stream_(std::move(stream)),
      shard_(shard),
      epoch_(std::move(epoch)),
      options_(options),
      executor_(stream_->shard(shard).executor()),
      segmenter_(with_prefix(options.segmenter, epoch_)) {
  fmp4_playlist_ = std::make_shared<const std::string>(segmenter_.fmp4_playlist());
  ts_playlist_ = std::make_shared<const std::string>(segmenter_.ts_playlist());
  touch();
}

Channel::~Channel() = default;

void Channel::touch() {
  last_request_ms_.store(base::utc_now_ms(), std::memory_order_relaxed);
}

void Channel::start() {
  auto self = shared_from_this();
  asio::co_spawn(
      executor_, [self]() { return self->package(); }, asio::detached);
  asio::co_spawn(
      executor_, [self]() { return self->watch_idle(); }, asio::detached);
  spdlog::info("event=hls_start stream={} epoch={}", base::log_value(stream_->name()), epoch_);
}

void Channel::stop() {
  if (stopped_.exchange(true)) return;
  asio::post(executor_, [self = shared_from_this()] {
    if (self->player_) self->player_->close();
  });
}

asio::awaitable<void> Channel::package() {
  std::vector<media::PacketPtr> batch;
  std::int64_t cpu_ns = 0, stats_cpu_ns = 0, stats_at_ms = base::utc_now_ms();
  std::uint64_t packets = 0;
  while (!stopped()) {
    {
      live::Player player(stream_.shared(), shard_);
      player_ = &player;
      while (!stopped() && co_await player.next(batch)) {
        const std::int64_t started_ns = thread_cpu_ns();
        const std::int64_t now = base::utc_now_ms();
        {
          bool changed = false;
          std::lock_guard lock(mutex_);
          for (const auto& p : batch) changed |= segmenter_.push(p, now);
          if (changed) published();
        }
        packets += batch.size();
        cpu_ns += thread_cpu_ns() - started_ns;
        if (now - stats_at_ms >= kStatsEveryMs) {
          // What packaging costs this stream, for operators and bench/hls.sh.
          spdlog::info(
              "event=hls_stats stream={} epoch={} cpu_percent={:.3f} packets={} window_bytes={}",
              base::log_value(stream_->name()), epoch_,
              100.0 * static_cast<double>(cpu_ns - stats_cpu_ns) / 1e6 /
                  static_cast<double>(now - stats_at_ms),
              packets, window_bytes());
          stats_cpu_ns = cpu_ns;
          stats_at_ms = now;
        }
      }
      player_ = nullptr;
    }
    {
      std::lock_guard lock(mutex_);
      if (segmenter_.flush()) published();
    }
    if (stopped()) break;
    // The stream was finished (its session ended): a new publish starts it
    // again; look once a second instead of spinning on a finished stream.
    asio::steady_timer pause(executor_, std::chrono::seconds(1));
    co_await pause.async_wait(use_nothrow);
  }
  std::lock_guard lock(mutex_);
  for (const auto& w : waiters_) asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
  waiters_.clear();
  spdlog::info("event=hls_stop stream={} epoch={}", base::log_value(stream_->name()), epoch_);
}

asio::awaitable<void> Channel::watch_idle() {
  asio::steady_timer timer(executor_);
  while (!stopped()) {
    timer.expires_after(
        std::chrono::milliseconds(std::max<std::int64_t>(options_.idle_ms / 4, 50)));
    co_await timer.async_wait(use_nothrow);
    if (base::utc_now_ms() - last_request_ms_.load(std::memory_order_relaxed) > options_.idle_ms)
      stop();
  }
}

// Called with mutex_ held.
void Channel::published() {
  fmp4_playlist_ = std::make_shared<const std::string>(segmenter_.fmp4_playlist());
  ts_playlist_ = std::make_shared<const std::string>(segmenter_.ts_playlist());
  std::erase_if(waiters_, [&](const std::shared_ptr<Waiter>& w) {
    if (segmenter_.block_state(w->msn, w->part) != BlockState::ready) return false;
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
    return true;
  });
}

asio::awaitable<WaitResult> Channel::wait(std::uint64_t msn, std::optional<std::uint64_t> part,
                                          std::chrono::milliseconds timeout) {
  auto w = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  w->msn = msn;
  w->part = part;
  {
    std::lock_guard lock(mutex_);
    switch (segmenter_.block_state(msn, part)) {
      case BlockState::ready:
        co_return WaitResult::ready;
      case BlockState::too_far:
        co_return WaitResult::too_far;
      case BlockState::wait:
        break;
    }
    if (waiters_.size() >= options_.max_parked || stopped()) co_return WaitResult::busy;
    waiters_.push_back(w);
  }
  // The packager cancels the timer (posted to this executor, so never
  // before this coroutine is suspended on it).
  w->timer.expires_after(timeout);
  co_await w->timer.async_wait(use_nothrow);
  std::lock_guard lock(mutex_);
  std::erase(waiters_, w);
  co_return segmenter_.block_state(msn, part) == BlockState::ready ? WaitResult::ready
                                                                   : WaitResult::timeout;
}

std::shared_ptr<const std::string> Channel::playlist(bool ts) const {
  std::lock_guard lock(mutex_);
  return ts ? ts_playlist_ : fmp4_playlist_;
}

std::int64_t Channel::target_duration_s() const {
  std::lock_guard lock(mutex_);
  return segmenter_.target_duration_s();
}

SharedBytes Channel::init(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  const Init* i = segmenter_.init(id);
  return i ? i->bytes : nullptr;
}

SharedBytes Channel::part(std::uint64_t msn, std::uint64_t index) const {
  std::lock_guard lock(mutex_);
  const Segment* s = segmenter_.segment(msn);
  return s && index < s->parts.size() ? s->parts[index].bytes : nullptr;
}

std::vector<SharedBytes> Channel::segment(std::uint64_t msn) const {
  std::vector<SharedBytes> out;
  std::lock_guard lock(mutex_);
  const Segment* s = segmenter_.segment(msn);
  if (!s || !s->complete) return out;
  for (const auto& p : s->parts) out.push_back(p.bytes);
  return out;
}

SharedBytes Channel::ts_segment(std::uint64_t msn) const {
  std::lock_guard lock(mutex_);
  const Segment* s = segmenter_.segment(msn);
  return s && s->complete ? s->ts : nullptr;
}

std::size_t Channel::window_bytes() const {
  std::lock_guard lock(mutex_);
  return segmenter_.window_bytes();
}

Registry::Registry(live::Hub& hub, Options options) : hub_(hub), options_(std::move(options)) {}

// The loops are shut down by now (serve.cpp): the channels' coroutines are
// gone, and nothing may be posted to them any more.
Registry::~Registry() = default;

std::shared_ptr<Channel> Registry::open(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = channels_[name];
  if (slot && !slot->stopped()) return slot;
  // A new channel has URIs of its own (the epoch), so a cache never mixes
  // its segments with those of one before it under the same name.
  const std::string epoch =
      base36(static_cast<std::uint64_t>(base::utc_now_ms())) + base36(++opened_ % 1296);
  const std::size_t shard = std::hash<std::string>{}(name) % hub_.shard_count();
  slot = std::make_shared<Channel>(hub_.acquire(name), shard, epoch, options_);
  slot->start();
  // Channels that stopped for idleness are forgotten here.
  std::erase_if(channels_, [](const auto& kv) { return kv.second->stopped(); });
  return slot;
}

std::shared_ptr<Channel> Registry::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = channels_.find(name);
  return it == channels_.end() ? nullptr : it->second;
}

std::size_t Registry::channels() const {
  std::lock_guard lock(mutex_);
  return channels_.size();
}

}  // namespace courtcast::hls
