#pragma once
// MPEG-TS demuxer (ISO/IEC 13818-1): turns a transport stream, fed in pieces
// of any size, into the FLV tag bodies the rest of courtcast carries —
// H.264 and HEVC access units in length-prefixed (AVCC) form with a sequence
// header built from the in-band parameter sets, AAC without ADTS headers with
// an AudioSpecificConfig sequence header. Pure byte translation, no I/O: SRT
// ingest and the fuzzer drive it the same way.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "media/packet.hpp"

namespace courtcast::media {

// One frame (or sequence header) ready for live::Stream::push.
struct DemuxedPacket {
  PacketKind kind = PacketKind::video;
  std::int64_t dts_ms = 0;  // 33-bit wraps unwrapped: never jumps back by 26.5 hours
  Bytes body;               // an FLV tag body
};

// What the demuxer had to drop or repair, since it was made.
struct TsDemuxCounters {
  std::uint64_t ts_packets = 0;
  std::uint64_t sync_losses = 0;        // bytes skipped to find the next 0x47
  std::uint64_t continuity_errors = 0;  // a packet of a PID went missing
  std::uint64_t dropped_frames = 0;     // frames lost to those gaps or malformed
};

class TsDemuxer {
 public:
  static constexpr std::size_t kPacketBytes = 188;
  // A PES larger than this is not a frame of a live stream; it is dropped.
  static constexpr std::size_t kMaxPesBytes = 16 << 20;

  // Appends what `data` completes to `out`; keeps an unfinished packet or
  // frame for the next call.
  void feed(std::span<const std::uint8_t> data, std::vector<DemuxedPacket>& out);
  // The stream ended: frames still being assembled are emitted.
  void finish(std::vector<DemuxedPacket>& out);

  const TsDemuxCounters& counters() const { return counters_; }

 private:
  enum class EsKind : std::uint8_t { none, h264, hevc, aac };

  struct Pes {
    EsKind es = EsKind::none;
    Bytes data;
    bool started = false;
    bool corrupt = false;
    std::int8_t last_cc = -1;
  };
  struct Section {
    Bytes data;
    std::int8_t last_cc = -1;
  };

  void on_packet(const std::uint8_t* p, std::vector<DemuxedPacket>& out);
  void on_psi(std::uint16_t pid, bool unit_start, std::span<const std::uint8_t> payload);
  void on_pat(std::span<const std::uint8_t> section);
  void on_pmt(std::span<const std::uint8_t> section);
  void end_pes(Pes& pes, std::vector<DemuxedPacket>& out);
  void on_video(EsKind es, std::int64_t pts, std::int64_t dts,
                std::span<const std::uint8_t> es_data, std::vector<DemuxedPacket>& out);
  void on_aac(std::int64_t pts, std::span<const std::uint8_t> es_data,
              std::vector<DemuxedPacket>& out);
  std::int64_t unwrap(std::int64_t ts90k);

  Bytes carry_;  // an incomplete TS packet from the previous feed
  std::map<std::uint16_t, Section> sections_;
  std::map<std::uint16_t, Pes> pes_;
  std::int32_t pmt_pid_ = -1;
  std::uint16_t video_pid_ = 0, audio_pid_ = 0;

  bool have_ts_ = false;
  std::int64_t last_ts_ = 0;  // the latest unwrapped 90 kHz timestamp

  // Parameter sets as last seen, and as last sent in a sequence header.
  Bytes vps_, sps_, pps_;
  Bytes video_config_sent_;
  bool need_keyframe_ = true;  // after a start or a gap nothing decodes until one
  std::array<std::uint8_t, 2> aac_config_sent_ = {0, 0};

  TsDemuxCounters counters_;
};

// Decoder configuration records from raw parameter sets (header bytes included).
Bytes make_avc_config(std::span<const std::uint8_t> sps, std::span<const std::uint8_t> pps);
Bytes make_hevc_config(std::span<const std::uint8_t> vps, std::span<const std::uint8_t> sps,
                       std::span<const std::uint8_t> pps);

}  // namespace courtcast::media
