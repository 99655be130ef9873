#pragma once
// FLV: the file/stream header, tag framing, and the audio/video tag body
// headers (legacy and enhanced RTMP). Pure byte translation, no I/O.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "media/bytes_io.hpp"
#include "media/result.hpp"

namespace courtcast::media {

constexpr std::size_t kFlvHeaderBytes = 13;  // 9-byte header + PreviousTagSize0

// "FLV", version 1, flags, header size 9, then PreviousTagSize0 = 0.
std::array<std::uint8_t, kFlvHeaderBytes> flv_file_header(bool has_audio, bool has_video);

// Writes the 11-byte tag header; the timestamp is 24 bits plus an extension byte.
void write_flv_tag_header(std::uint8_t* p, std::uint8_t tag_type, std::int64_t dts_ms,
                          std::size_t body_bytes);

enum class VideoCodec : std::uint8_t { unknown, h264, hevc, av1, vp9 };
// G.711 A-law and µ-law go by their RTP names, as to_string and FFmpeg call them.
enum class AudioCodec : std::uint8_t { unknown, aac, mp3, opus, pcma, pcmu, speex };

const char* to_string(VideoCodec c);
const char* to_string(AudioCodec c);

// What the first bytes of a video tag body say.
struct VideoTagInfo {
  VideoCodec codec = VideoCodec::unknown;
  bool keyframe = false;
  bool sequence_header = false;
  bool end_of_sequence = false;
  std::int32_t cts_ms = 0;
  std::size_t header_bytes = 0;  // offset of the codec payload (config record or NAL units)
};

// Understands legacy FLV (AVC codec id 7, and the widely deployed id 12 for
// HEVC) and enhanced RTMP (ExHeader with FourCC 'hvc1', 'av01', 'vp09').
Result<VideoTagInfo> parse_video_tag(std::span<const std::uint8_t> body);

struct AudioTagInfo {
  AudioCodec codec = AudioCodec::unknown;
  bool sequence_header = false;
  std::size_t header_bytes = 0;
};

Result<AudioTagInfo> parse_audio_tag(std::span<const std::uint8_t> body);

// One tag read from an FLV byte stream.
struct FlvTag {
  std::uint8_t type = 0;
  std::int64_t dts_ms = 0;
  std::span<const std::uint8_t> body;
};

// Reads an FLV stream from a buffer that may hold partial data. Call
// `next()` until it returns nullopt (needs more bytes) or an error.
class FlvReader {
 public:
  explicit FlvReader(std::size_t max_tag_bytes = 16 << 20) : max_tag_bytes_(max_tag_bytes) {}
  // `data` is the unconsumed input; on a tag, `consumed` says how much to drop.
  Result<std::optional<FlvTag>> next(std::span<const std::uint8_t> data, std::size_t& consumed);
  bool header_seen() const { return header_seen_; }

 private:
  std::size_t max_tag_bytes_;
  bool header_seen_ = false;
};

}  // namespace courtcast::media
