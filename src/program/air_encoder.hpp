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
//
// The standby card is a slate here, never a clip: while program is on the
// card the encoder draws the slate in place of a camera (`push_slate`), and
// while air itself shows the card (a cut, or program gone quiet) a second
// conformer on this thread draws it in real time for air alone
// (`slate_on_air`), clock running, with the same sequence headers.

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
  // The slate drawn for air alone, tagged with the number `slate_on_air`
  // gave.
  using SlateSink = std::function<void(std::vector<media::PacketPtr>&&, std::uint64_t slate)>;

  // Starts the thread. `sink` and `slate_sink` are called on it.
  AirEncoder(std::unique_ptr<Conformer> conformer, std::string label, Sink sink,
             SlateSink slate_sink);
  ~AirEncoder();  // stops and joins
  AirEncoder(const AirEncoder&) = delete;
  AirEncoder& operator=(const AirEncoder&) = delete;

  const media::PacketPtr& video_header() const { return video_header_; }
  const media::PacketPtr& audio_header() const { return audio_header_; }

  void push(media::PacketPtr p);
  // The slate in place of program's picture at `program_ms`.
  void push_slate(std::int64_t program_ms);
  std::uint64_t mark();
  void set_graphics(Graphics graphics);
  void set_card(std::shared_ptr<const StandbyCard> card);
  // Starts (a new) slate for air alone, from its sequence headers on, and
  // returns its number; `slate_off_air` ends it.
  std::uint64_t slate_on_air();
  void slate_off_air();
  void stop();

  AirEncoderStats stats() const;

 private:
  struct Mark {};
  struct SetGraphics {
    Graphics graphics;
  };
  struct SetCard {
    std::shared_ptr<const StandbyCard> card;
  };
  struct SlateFrame {
    std::int64_t program_ms;
  };
  struct SlateOnAir {
    std::uint64_t slate;  // 0: off
  };
  struct Queued {
    media::PacketPtr packet;
    std::chrono::steady_clock::time_point at;
  };
  using Job = std::variant<Queued, Mark, SetGraphics, SetCard, SlateFrame, SlateOnAir>;

  void run();
  void post(Job job);
  // Draws the air slate's frames due by `now`.
  void air_slate_due(std::chrono::steady_clock::time_point now);
  void start_air_slate();

  std::unique_ptr<Conformer> conformer_;  // encoder thread only
  const std::string label_;
  const Sink sink_;
  const SlateSink slate_sink_;
  const media::PacketPtr video_header_, audio_header_;
  // Encoder thread only.
  Graphics graphics_;
  std::shared_ptr<const StandbyCard> card_;
  std::unique_ptr<Conformer> air_slate_;
  std::uint64_t air_slate_number_ = 0;
  std::chrono::steady_clock::time_point air_slate_started_{};
  std::int64_t air_slate_frames_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::size_t queued_packets_ = 0;
  bool stopping_ = false;
  bool overflowing_ = false;  // dropping until the next video keyframe
  std::uint64_t generation_ = 0;
  std::uint64_t slates_ = 0;
  std::uint64_t overflow_dropped_ = 0;
  AirEncoderStats last_stats_;
  std::thread thread_;
};

}  // namespace courtcast::program
