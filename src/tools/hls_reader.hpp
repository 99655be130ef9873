#pragma once
// The bench's HLS reader: one simulated viewer that reloads the media
// playlist every poll interval and fetches each new segment once over one
// keep-alive HTTP/1.1 connection, discarding the bytes with large reads. It
// replaces bench/edge.py's Python readers, which (two asyncio processes)
// could not read 2,000 streams on the bench machine's 2 cores.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace courtcast::tools {

// What one reader saw. The counters are written by the reader's thread and
// read after its loop stopped; they are atomics only so that a snapshot
// mid-run is well defined.
struct HlsReaderStats {
  std::atomic<std::uint64_t> bytes{0};      // segment bytes fetched while measuring
  std::atomic<std::uint32_t> fetched{0};    // segments fetched while measuring
  std::atomic<std::uint32_t> late{0};       // while measuring: listed after the next one
  std::atomic<std::uint32_t> errors{0};     // any time: failed request or non-200 answer
  std::atomic<std::uint32_t> playlists{0};  // playlist reloads while measuring
  std::atomic<bool> connected{false};
  std::string error;  // the last error
};

// What the readers of one thread saw of the stream, to count what was
// published during the window (a segment's first sighting by any reader is
// within a poll interval of its publication).
struct HlsThreadState {
  struct Segment {
    std::chrono::steady_clock::time_point first_listed;
    double duration_s = 0;
    std::uint64_t size = 0;  // 0 until a reader of this thread fetched it
  };
  std::map<std::string, Segment> segments;  // by URI as listed
};

struct HlsContext {
  std::string url;  // http://HOST:PORT/PATH.m3u8
  double poll_seconds = 1;
  const std::atomic<bool>* measuring = nullptr;
};

boost::asio::awaitable<void> read_hls(const HlsContext& ctx, std::chrono::milliseconds start_delay,
                                      HlsReaderStats& stats, HlsThreadState& state);

}  // namespace courtcast::tools
