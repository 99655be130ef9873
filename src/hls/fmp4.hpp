#pragma once
// Fragmented MP4 (CMAF) for HLS: the init segment (ftyp + moov with one
// video and/or one audio track) and fragments (moof + mdat). Pure byte
// writing from configuration records and sample data, no I/O
// (ISO/IEC 14496-12 boxes, 14496-15 avcC/hvcC, 14496-1 esds).

#include <cstdint>
#include <span>
#include <vector>

#include "media/flv.hpp"

namespace courtcast::hls {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint32_t kVideoTrackId = 1;
inline constexpr std::uint32_t kAudioTrackId = 2;
inline constexpr std::uint32_t kVideoTimescale = 90000;

// What a decoder must be told before the first fragment. Two configurations
// that compare equal decode each other's fragments: no new init segment.
struct MediaConfig {
  media::VideoCodec video_codec = media::VideoCodec::unknown;  // Unknown: no video track
  Bytes video_record;  // avcC / hvcC as it came in the sequence header
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  media::AudioCodec audio_codec = media::AudioCodec::unknown;  // Unknown: no audio track
  Bytes audio_config;                                          // AAC AudioSpecificConfig
  std::uint32_t sample_rate = 0;
  std::uint8_t channels = 0;

  bool has_video() const { return video_codec != media::VideoCodec::unknown; }
  bool has_audio() const { return audio_codec != media::AudioCodec::unknown; }
  bool operator==(const MediaConfig&) const = default;
};

Bytes fmp4_init(const MediaConfig& config);

struct Sample {
  std::span<const std::uint8_t> data;  // length-prefixed NAL units or a raw AAC frame
  std::uint32_t duration = 0;          // in the track's timescale
  std::int32_t cts = 0;                // pts - dts, in the track's timescale
  bool keyframe = true;
};

struct TrackRun {
  std::uint32_t track_id = 0;
  std::uint64_t base_time = 0;  // decode time of the first sample (tfdt)
  bool video = false;
  std::vector<Sample> samples;
};

// One moof + mdat holding every non-empty run, data in the order given.
Bytes fmp4_fragment(std::uint32_t sequence, std::span<const TrackRun> runs);

}  // namespace courtcast::hls
