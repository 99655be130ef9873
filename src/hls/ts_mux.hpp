#pragma once
// MPEG-TS for the HLS variant that older players need: PAT, PMT, then one
// PES per packet (H.264/HEVC in Annex B with parameter sets before each
// keyframe, AAC in ADTS). Pure byte writing; continuity counters carry
// over from one segment to the next, as players expect within a stream.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "hls/fmp4.hpp"
#include "media/packet.hpp"

namespace courtcast::hls {

class TsMuxer {
 public:
  // One segment: PAT and PMT, then every audio and video packet in order.
  // Packets are FLV bodies as live::Stream carries them.
  Bytes segment(const MediaConfig& config, std::span<const media::PacketPtr> packets);

 private:
  void table(Bytes& out, std::uint16_t pid, std::span<const std::uint8_t> section);
  void pes(Bytes& out, std::uint16_t pid, std::uint8_t stream_id,
           std::span<const std::uint8_t> data, std::int64_t pts, std::int64_t dts, bool keyframe,
           bool pcr);
  std::uint8_t next_cc(std::uint16_t pid);

  std::array<std::uint8_t, 4> cc_{};  // PAT, PMT, video, audio: one counter per PID
  Bytes scratch_;
};

// CRC-32/MPEG-2, as PSI sections end with.
std::uint32_t mpeg_crc32(std::span<const std::uint8_t> data);

}  // namespace courtcast::hls
