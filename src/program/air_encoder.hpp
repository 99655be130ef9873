#pragma once
// The air encoder stage (issue 15): program packets in, conformed air
// packets out, on a thread of its own so that decoding and x264 never hold
// up an event loop. The program posts what it writes on program here and
// gets air back through `Sink`, which it forwards to its executor and the
// delay line.
//
// Outputs carry a generation: `mark()` starts a new one, so the program can
// tell what was encoded from packets that reached the encoder before a cut
// or a resume.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "program/card.hpp"
#include "program/conformer.hpp"

namespace courtcast::program {

// The card clip in air's format (same sequence headers as any conformer of
// `format`), so air can loop it while the live encoder goes on for program.
// Clocks are left off: a loop would show the same seconds again.
media::Result<StandbyCard> conform_card(const StandbyCard& card, const AirFormat& format,
                                        Graphics graphics);

struct AirEncoderStats {
  ConformStats conform;
  std::size_t queued = 0;              // packets waiting now
  std::uint64_t overflow_dropped = 0;  // packets dropped because the encoder fell behind
  std::int64_t cpu_ms = 0;             // the encoder thread's CPU time so far
  // Program → air: from a picture's packet reaching the encoder to its air
  // packet leaving it (queue, decoder reorder, filters, x264, interleave).
  std::int64_t latency_ms_last = -1, latency_ms_max = -1;
  double latency_ms_mean = 0;
  std::uint64_t latency_samples = 0;
};

class AirEncoder {
 public:
  using Sink = std::function<void(std::vector<media::PacketPtr>&&, std::uint64_t generation)>;
  using CardDone = std::function<void(media::Result<StandbyCard>)>;

  // Starts the thread. `sink` is called on it.
  AirEncoder(std::unique_ptr<Conformer> conformer, std::string label, Sink sink);
  ~AirEncoder();  // stops and joins
  AirEncoder(const AirEncoder&) = delete;
  AirEncoder& operator=(const AirEncoder&) = delete;

  const media::PacketPtr& video_header() const { return video_header_; }
  const media::PacketPtr& audio_header() const { return audio_header_; }

  void push(media::PacketPtr p);
  std::uint64_t mark();
  void set_graphics(Graphics graphics);
  // Conforms `card` on the encoder thread (with the graphics then set) and
  // calls `done` there.
  void conform(std::shared_ptr<const StandbyCard> card, CardDone done);
  void stop();

  AirEncoderStats stats() const;

 private:
  struct Mark {};
  struct SetGraphics {
    Graphics graphics;
  };
  struct ConformCard {
    std::shared_ptr<const StandbyCard> card;
    CardDone done;
  };
  struct Queued {
    media::PacketPtr packet;
    std::chrono::steady_clock::time_point at;
  };
  using Job = std::variant<Queued, Mark, SetGraphics, ConformCard>;

  void run();

  std::unique_ptr<Conformer> conformer_;  // encoder thread only
  const std::string label_;
  const Sink sink_;
  const media::PacketPtr video_header_, audio_header_;
  Graphics graphics_;  // encoder thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::size_t queued_packets_ = 0;
  bool stopping_ = false;
  bool overflowing_ = false;  // dropping until the next video keyframe
  std::uint64_t generation_ = 0;
  std::uint64_t overflow_dropped_ = 0;
  AirEncoderStats last_stats_;
  std::thread thread_;
};

}  // namespace courtcast::program
