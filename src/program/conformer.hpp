#pragma once
// The air encoder's media work, synchronous and clock-free: program packets
// (whatever the cameras send: any size, rate, H.264/HEVC configuration, AAC
// sample rate or layout) in, air packets of one fixed AirFormat out.
//
// Video is decoded, scaled and padded to the air size, made constant-rate on
// program's timeline (a frame is repeated over a gap and dropped when a
// camera sends faster), overlaid with the court's graphics and encoded with
// x264 (High, fixed level, keyframes every 2 s, no B-frames so nothing waits
// for later frames). Audio is resampled to 48 kHz stereo, gaps are filled
// with silence and overlaps dropped, and encoded as AAC-LC. Two conformers
// of one format have byte-identical sequence headers, so a slate made on
// the side can share air with the live encoder. The graphics and the slate's
// pictures are made in air_graphics.*.
//
// Not thread-safe: one thread (AirEncoder's) drives it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/packet.hpp"
#include "media/result.hpp"
#include "program/air_format.hpp"
#include "program/card.hpp"
#include "program/graphics.hpp"

namespace courtcast::program {

struct ConformStats {
  std::uint64_t video_in = 0;       // decoded frames
  std::uint64_t video_out = 0;      // encoded frames
  std::uint64_t repeated = 0;       // ticks that repeated a frame
  std::uint64_t dropped = 0;        // decoded frames never aired (faster camera)
  std::uint64_t audio_out = 0;      // encoded AAC frames
  std::uint64_t silence_ms = 0;     // silence put into gaps
  std::uint64_t decode_errors = 0;  // packets a decoder refused
  std::uint64_t decoder_opens = 0;  // a new camera configuration on program
};

class Conformer {
 public:
  // Opens the encoders; fails when libx264 or the AAC encoder is missing or
  // refuses the format. `label` names it in the log.
  static media::Result<std::unique_ptr<Conformer>> open(const AirFormat& format, std::string label);
  ~Conformer();
  Conformer(const Conformer&) = delete;
  Conformer& operator=(const Conformer&) = delete;

  const AirFormat& format() const;
  // Air's sequence headers (dts 0), the same for the conformer's life.
  const media::PacketPtr& video_header() const;
  const media::PacketPtr& audio_header() const;

  // The graphics drawn over every frame from the next one on; `epoch_ms`
  // is the wall-clock time (UTC ms) of air time 0, for the clock.
  void set_graphics(const Graphics& graphics);
  void set_clock_origin(std::int64_t epoch_ms);
  // The card whose first picture the slate shows (graphics.slate_background
  // "card"; not the built-in card).
  void set_card(std::shared_ptr<const StandbyCard> card);

  // Feeds one program packet (program's timeline, ms) and appends the air
  // packets it completes (air time from 0, monotonic per track; the
  // sequence headers first of all) to `out`.
  void push(const media::PacketPtr& p, std::vector<media::PacketPtr>& out);
  // The slate instead of a camera's picture at `program_ms` (program's
  // timeline, like push's), with silence: the standby card in conform mode.
  void push_slate(std::int64_t program_ms, std::vector<media::PacketPtr>& out);
  // Encodes what is still buffered.
  void drain(std::vector<media::PacketPtr>& out);

  const ConformStats& stats() const;
  // Program time (ms) of the picture in the newest video packet handed out;
  // -1 before the first.
  std::int64_t released_source_pts() const;

 private:
  struct Impl;
  explicit Conformer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Annex B (00 00 01 start codes, what libx264 writes) to the length-prefixed
// NAL units FLV carries, and libx264's SPS/PPS to an avcC record. Exposed
// for the tests.
std::vector<std::uint8_t> annexb_to_avcc_nals(const std::uint8_t* data, std::size_t size);
media::Result<std::vector<std::uint8_t>> avcc_record_from_annexb(const std::uint8_t* data,
                                                                 std::size_t size);

}  // namespace courtcast::program
