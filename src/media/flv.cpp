#include "media/flv.hpp"

#include <string>

#include "base/codes.hpp"

namespace courtcast::media {

std::array<std::uint8_t, kFlvHeaderBytes> flv_file_header(bool has_audio, bool has_video) {
  return {'F', 'L', 'V', 1, static_cast<std::uint8_t>((has_audio ? 4 : 0) | (has_video ? 1 : 0)),
          0,   0,   0,   9, 0,
          0,   0,   0};
}

void write_flv_tag_header(std::uint8_t* p, std::uint8_t tag_type, std::int64_t dts_ms,
                          std::size_t body_bytes) {
  const auto ts = static_cast<std::uint32_t>(dts_ms);
  p[0] = tag_type;
  write_u24be(p + 1, static_cast<std::uint32_t>(body_bytes));
  write_u24be(p + 4, ts & 0xFFFFFF);
  p[7] = static_cast<std::uint8_t>(ts >> 24);
  write_u24be(p + 8, 0);  // stream id
}

constexpr base::CodeTable<VideoCodec, 5> kVideoCodecCodes = {{{VideoCodec::h264, "h264"},
                                                              {VideoCodec::hevc, "hevc"},
                                                              {VideoCodec::av1, "av1"},
                                                              {VideoCodec::vp9, "vp9"},
                                                              {VideoCodec::unknown, "unknown"}}};

const char* to_string(VideoCodec c) {
  return base::code_of(kVideoCodecCodes, c).data();
}

constexpr base::CodeTable<AudioCodec, 7> kAudioCodecCodes = {{{AudioCodec::aac, "aac"},
                                                              {AudioCodec::mp3, "mp3"},
                                                              {AudioCodec::opus, "opus"},
                                                              {AudioCodec::pcma, "pcma"},
                                                              {AudioCodec::pcmu, "pcmu"},
                                                              {AudioCodec::speex, "speex"},
                                                              {AudioCodec::unknown, "unknown"}}};

const char* to_string(AudioCodec c) {
  return base::code_of(kAudioCodecCodes, c).data();
}

namespace {

constexpr std::uint32_t fourcc(char a, char b, char c, char d) {
  return static_cast<std::uint32_t>(a) << 24 | static_cast<std::uint32_t>(b) << 16 |
         static_cast<std::uint32_t>(c) << 8 | static_cast<std::uint32_t>(d);
}

std::int32_t sign_extend_24(std::uint32_t v) {
  return static_cast<std::int32_t>(v << 8) >> 8;
}

// Enhanced RTMP packet types.
enum : std::uint8_t {
  kExSequenceStart = 0,
  kExCodedFrames = 1,
  kExSequenceEnd = 2,
  kExCodedFramesX = 3,
  kExMetadata = 4,
};

}  // namespace

Result<VideoTagInfo> parse_video_tag(std::span<const std::uint8_t> body) {
  if (body.empty()) return make_error("video tag: empty body");
  VideoTagInfo info;
  const std::uint8_t b0 = body[0];
  const bool ex_header = (b0 & 0x80) != 0;
  const std::uint8_t frame_type = (b0 >> 4) & 0x07;
  info.keyframe = frame_type == 1;
  if (ex_header) {
    if (body.size() < 5) return make_error("video tag: enhanced header shorter than 5 bytes");
    const std::uint8_t packet_type = b0 & 0x0F;
    const std::uint32_t cc = read_u32be(body.data() + 1);
    if (cc == fourcc('h', 'v', 'c', '1')) {
      info.codec = VideoCodec::hevc;
    } else if (cc == fourcc('a', 'v', '0', '1')) {
      info.codec = VideoCodec::av1;
    } else if (cc == fourcc('v', 'p', '0', '9')) {
      info.codec = VideoCodec::vp9;
    } else {
      return make_error("video tag: unsupported enhanced FourCC");
    }
    info.header_bytes = 5;
    switch (packet_type) {
      case kExSequenceStart:
        info.sequence_header = true;
        break;
      case kExSequenceEnd:
        info.end_of_sequence = true;
        break;
      case kExCodedFrames:
        if (info.codec == VideoCodec::hevc) {
          if (body.size() < 8) return make_error("video tag: HEVC frame without composition time");
          info.cts_ms = sign_extend_24(read_u24be(body.data() + 5));
          info.header_bytes = 8;
        }
        break;
      case kExCodedFramesX:
      case kExMetadata:
        break;
      default:
        return make_error("video tag: unsupported enhanced packet type");
    }
    return info;
  }
  const std::uint8_t codec_id = b0 & 0x0F;
  if (codec_id == 7 || codec_id == 12) {
    info.codec = codec_id == 7 ? VideoCodec::h264 : VideoCodec::hevc;
    if (body.size() < 5) return make_error("video tag: AVC/HEVC header shorter than 5 bytes");
    const std::uint8_t avc_type = body[1];
    if (avc_type > 2) return make_error("video tag: AVC packet type above 2");
    info.sequence_header = avc_type == 0;
    info.end_of_sequence = avc_type == 2;
    info.cts_ms = sign_extend_24(read_u24be(body.data() + 2));
    info.header_bytes = 5;
    return info;
  }
  info.header_bytes = 1;  // other legacy codecs pass through untouched
  return info;
}

Result<AudioTagInfo> parse_audio_tag(std::span<const std::uint8_t> body) {
  if (body.empty()) return make_error("audio tag: empty body");
  AudioTagInfo info;
  const std::uint8_t format = body[0] >> 4;
  info.header_bytes = 1;
  switch (format) {
    case 10:
      info.codec = AudioCodec::aac;
      if (body.size() < 2) return make_error("audio tag: AAC header shorter than 2 bytes");
      info.sequence_header = body[1] == 0;
      info.header_bytes = 2;
      break;
    case 2:
    case 14:
      info.codec = AudioCodec::mp3;
      break;
    case 7:
      info.codec = AudioCodec::pcma;
      break;
    case 8:
      info.codec = AudioCodec::pcmu;
      break;
    case 11:
      info.codec = AudioCodec::speex;
      break;
    case 13:
      info.codec = AudioCodec::opus;
      break;
    default:
      break;
  }
  return info;
}

Result<std::optional<FlvTag>> FlvReader::next(std::span<const std::uint8_t> data,
                                              std::size_t& consumed) {
  consumed = 0;
  // The file header is consumed together with the first tag: when more bytes
  // are needed nothing is consumed, so the caller keeps everything it gave.
  std::size_t header_bytes = 0;
  if (!header_seen_) {
    if (data.size() < kFlvHeaderBytes) return std::optional<FlvTag>{};
    if (data[0] != 'F' || data[1] != 'L' || data[2] != 'V')
      return make_error("flv: stream does not start with the FLV signature");
    const std::uint32_t header_size = read_u32be(data.data() + 5);
    if (header_size < 9 || header_size > 1024) return make_error("flv: header size out of range");
    if (data.size() < header_size + 4) return std::optional<FlvTag>{};
    header_bytes = header_size + 4;
    data = data.subspan(header_bytes);
  }
  if (data.size() < 11) return std::optional<FlvTag>{};
  const std::uint8_t type = data[0] & 0x1F;
  if (data[0] & 0x20) return make_error("flv: encrypted tags are not supported");
  const std::size_t body_bytes = read_u24be(data.data() + 1);
  if (body_bytes > max_tag_bytes_) return make_error("flv: tag larger than the allowed maximum");
  if (data.size() < 11 + body_bytes + 4) return std::optional<FlvTag>{};
  FlvTag tag;
  tag.type = type;
  tag.dts_ms = static_cast<std::int64_t>(read_u24be(data.data() + 4) |
                                         static_cast<std::uint32_t>(data[7]) << 24);
  tag.body = data.subspan(11, body_bytes);
  header_seen_ = true;
  consumed = header_bytes + 11 + body_bytes + 4;
  return std::optional<FlvTag>{tag};
}

}  // namespace courtcast::media
