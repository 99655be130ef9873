#pragma once
// The bench's players: RTMP (through rtmp::Client, skimming media) and
// HTTP-FLV (a plain GET, then FLV tag headers only). Each reads into one
// reused buffer and never copies a payload, so that one process can hold a
// thousand of them without being the bottleneck.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/send_clock.hpp"

namespace courtcast::tools {

// What one player saw. Written by the player's thread; the counters are
// relaxed atomics so that the orchestrator can snapshot them mid-run.
struct PlayerStats {
  std::atomic<std::uint64_t> media_bytes{0};  // audio + video payload received
  std::atomic<bool> connected{false};
  std::atomic<bool> ended{false};  // the connection failed or closed
  double first_video_ms = -1;      // connect start to first video frame
  std::string error;               // why it ended, when it did

  void add_bytes(std::uint64_t n) {
    media_bytes.store(media_bytes.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

// Where the players of one thread put their latency samples (microseconds).
struct ThreadSamples {
  std::vector<std::uint32_t> latency_us;
  std::vector<std::uint32_t> audio_latency_us;  // of audio frames (a server may hold audio back)
  std::uint64_t unmatched = 0;  // video frames whose dts the publisher never recorded
};

struct PlayContext {
  std::string url;
  const SendClock* clock = nullptr;  // null without an in-process publisher
  const SendClock* audio_clock = nullptr;
  const std::atomic<bool>* measuring = nullptr;
};

struct HttpUrl {
  std::string host, port, target;
};

// http://HOST[:PORT][/TARGET]; false for anything else.
bool parse_http_url(std::string_view url, HttpUrl& out);

boost::asio::awaitable<void> play_rtmp(const PlayContext& ctx, PlayerStats& stats,
                                       ThreadSamples& samples);
boost::asio::awaitable<void> play_http_flv(const PlayContext& ctx, PlayerStats& stats,
                                           ThreadSamples& samples);

}  // namespace courtcast::tools
