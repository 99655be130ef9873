#include "hls/ts_mux.hpp"

#include <algorithm>

namespace courtcast::hls {

namespace {

constexpr std::uint16_t kPmtPid = 0x1000;
constexpr std::uint16_t kVideoPid = 0x100;
constexpr std::uint16_t kAudioPid = 0x101;
constexpr std::size_t kTsPacket = 188;
// Presentation times start this far after the clock reference (PCR), the
// room a decoder's buffer model needs; FFmpeg's muxer leaves 0.7 s too.
constexpr std::int64_t kPtsDelay90k = 63000;
constexpr std::int64_t kWrap33 = std::int64_t{1} << 33;

void put_ts(std::uint8_t* p, std::uint8_t prefix, std::int64_t ts) {
  ts &= kWrap33 - 1;
  p[0] = static_cast<std::uint8_t>(prefix << 4 | ((ts >> 30) & 7) << 1 | 1);
  p[1] = static_cast<std::uint8_t>(ts >> 22);
  p[2] = static_cast<std::uint8_t>(((ts >> 15) & 0x7F) << 1 | 1);
  p[3] = static_cast<std::uint8_t>(ts >> 7);
  p[4] = static_cast<std::uint8_t>((ts & 0x7F) << 1 | 1);
}

// The parameter sets of an avcC or hvcC record, each with a start code.
void parameter_sets(const MediaConfig& c, Bytes& out) {
  const auto& r = c.video_record;
  auto nal = [&](std::size_t at, std::size_t len) {
    if (at + len > r.size()) return false;
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), r.begin() + at, r.begin() + at + len);
    return true;
  };
  std::size_t at = 0;
  if (c.video_codec == media::VideoCodec::h264) {
    if (r.size() < 7) return;
    at = 5;
    for (int list = 0; list < 2 && at < r.size(); ++list) {
      const int count = list == 0 ? r[at] & 0x1F : r[at];
      ++at;
      for (int i = 0; i < count && at + 2 <= r.size(); ++i) {
        const std::size_t len = r[at] << 8 | r[at + 1];
        if (!nal(at + 2, len)) return;
        at += 2 + len;
      }
    }
  } else if (c.video_codec == media::VideoCodec::hevc) {
    if (r.size() < 23) return;
    const int arrays = r[22];
    at = 23;
    for (int a = 0; a < arrays && at + 3 <= r.size(); ++a) {
      const std::size_t count = r[at + 1] << 8 | r[at + 2];
      at += 3;
      for (std::size_t i = 0; i < count && at + 2 <= r.size(); ++i) {
        const std::size_t len = r[at] << 8 | r[at + 1];
        if (!nal(at + 2, len)) return;
        at += 2 + len;
      }
    }
  }
}

std::size_t nal_length_size(const MediaConfig& c) {
  const auto& r = c.video_record;
  if (c.video_codec == media::VideoCodec::h264 && r.size() > 4) return (r[4] & 3) + 1;
  if (c.video_codec == media::VideoCodec::hevc && r.size() > 21) return (r[21] & 3) + 1;
  return 4;
}

}  // namespace

std::uint32_t mpeg_crc32(std::span<const std::uint8_t> data) {
  std::uint32_t crc = 0xFFFFFFFF;
  for (std::uint8_t b : data) {
    crc ^= static_cast<std::uint32_t>(b) << 24;
    for (int i = 0; i < 8; ++i) crc = crc & 0x80000000 ? crc << 1 ^ 0x04C11DB7 : crc << 1;
  }
  return crc;
}

std::uint8_t TsMuxer::next_cc(std::uint16_t pid) {
  auto& cc = cc_[pid == 0 ? 0 : pid == kPmtPid ? 1 : pid == kVideoPid ? 2 : 3];
  const std::uint8_t now = cc;
  cc = (cc + 1) & 0x0F;
  return now;
}

void TsMuxer::table(Bytes& out, std::uint16_t pid, std::span<const std::uint8_t> section) {
  std::uint8_t p[kTsPacket];
  std::fill(p, p + kTsPacket, 0xFF);
  p[0] = 0x47;
  p[1] = static_cast<std::uint8_t>(0x40 | pid >> 8);
  p[2] = static_cast<std::uint8_t>(pid);
  p[3] = static_cast<std::uint8_t>(0x10 | next_cc(pid));
  p[4] = 0;  // pointer field
  std::copy(section.begin(), section.end(), p + 5);
  out.insert(out.end(), p, p + kTsPacket);
}

void TsMuxer::pes(Bytes& out, std::uint16_t pid, std::uint8_t stream_id,
                  std::span<const std::uint8_t> data, std::int64_t pts, std::int64_t dts,
                  bool keyframe, bool pcr) {
  const bool with_dts = dts != pts;
  std::uint8_t head[19];
  const std::size_t head_bytes = with_dts ? 19 : 14;
  head[0] = 0;
  head[1] = 0;
  head[2] = 1;
  head[3] = stream_id;
  const std::size_t pes_len = head_bytes - 6 + data.size();
  // Video PES may be longer than 16 bits can say: 0 means "unbounded".
  const std::size_t len_field = pes_len > 0xFFFF || stream_id == 0xE0 ? 0 : pes_len;
  head[4] = static_cast<std::uint8_t>(len_field >> 8);
  head[5] = static_cast<std::uint8_t>(len_field);
  head[6] = 0x80;
  head[7] = with_dts ? 0xC0 : 0x80;
  head[8] = static_cast<std::uint8_t>(head_bytes - 9);
  put_ts(head + 9, with_dts ? 3 : 2, pts);
  if (with_dts) put_ts(head + 14, 1, dts);

  const std::size_t total = head_bytes + data.size();
  std::size_t pos = 0;
  bool first = true;
  while (pos < total) {
    std::uint8_t p[kTsPacket];
    p[0] = 0x47;
    p[1] = static_cast<std::uint8_t>((first ? 0x40 : 0) | pid >> 8);
    p[2] = static_cast<std::uint8_t>(pid);
    const bool with_pcr = first && pcr;
    bool has_af = first && (with_pcr || keyframe);
    std::size_t af_len = has_af ? (with_pcr ? 7 : 1) : 0;  // bytes after the length byte
    std::size_t header = 4 + (has_af ? 1 + af_len : 0);
    const std::size_t payload = std::min(kTsPacket - header, total - pos);
    if (header + payload < kTsPacket) {
      const std::size_t stuff = kTsPacket - header - payload;
      if (!has_af) {
        has_af = true;
        af_len = stuff - 1;
      } else {
        af_len += stuff;
      }
      header = kTsPacket - payload;
    }
    p[3] = static_cast<std::uint8_t>((has_af ? 0x30 : 0x10) | next_cc(pid));
    if (has_af) {
      p[4] = static_cast<std::uint8_t>(af_len);
      if (af_len > 0) {
        p[5] = static_cast<std::uint8_t>((with_pcr ? 0x10 : 0) | (first && keyframe ? 0x40 : 0));
        std::size_t at = 6;
        if (with_pcr) {
          const std::int64_t base = (dts - kPtsDelay90k) & (kWrap33 - 1);
          p[6] = static_cast<std::uint8_t>(base >> 25);
          p[7] = static_cast<std::uint8_t>(base >> 17);
          p[8] = static_cast<std::uint8_t>(base >> 9);
          p[9] = static_cast<std::uint8_t>(base >> 1);
          p[10] = static_cast<std::uint8_t>((base & 1) << 7 | 0x7E);
          p[11] = 0;
          at = 12;
        }
        std::fill(p + at, p + 5 + af_len, 0xFF);
      }
    }
    // Payload: the PES header first, then the data.
    std::size_t w = header;
    std::size_t n = payload;
    while (n > 0) {
      if (pos < head_bytes) {
        const std::size_t k = std::min(n, head_bytes - pos);
        std::copy(head + pos, head + pos + k, p + w);
        w += k;
        pos += k;
        n -= k;
      } else {
        const std::size_t k = n;
        std::copy(data.begin() + (pos - head_bytes), data.begin() + (pos - head_bytes + k), p + w);
        w += k;
        pos += k;
        n = 0;
      }
    }
    out.insert(out.end(), p, p + kTsPacket);
    first = false;
  }
}

Bytes TsMuxer::segment(const MediaConfig& c, std::span<const media::PacketPtr> packets) {
  Bytes out;
  std::size_t estimate = 0;
  for (const auto& p : packets) estimate += p->body().size() + 64;
  out.reserve(estimate + estimate / 20 + 2 * kTsPacket);

  // PAT: program 1 in the PMT on kPmtPid.
  std::uint8_t pat[16] = {0x00,
                          0xB0,
                          13,
                          0x00,
                          0x01,
                          0xC1,
                          0x00,
                          0x00,
                          0x00,
                          0x01,
                          static_cast<std::uint8_t>(0xE0 | kPmtPid >> 8),
                          static_cast<std::uint8_t>(kPmtPid & 0xFF)};
  const std::uint32_t pat_crc = mpeg_crc32({pat, 12});
  for (int i = 0; i < 4; ++i) pat[12 + i] = static_cast<std::uint8_t>(pat_crc >> (24 - 8 * i));
  table(out, 0, pat);

  std::uint8_t pmt[32];
  std::size_t n = 0;
  const std::uint16_t pcr_pid = c.has_video() ? kVideoPid : kAudioPid;
  for (std::uint8_t b : {0x02, 0xB0, 0x00, 0x00, 0x01, 0xC1, 0x00, 0x00}) pmt[n++] = b;
  pmt[n++] = static_cast<std::uint8_t>(0xE0 | pcr_pid >> 8);
  pmt[n++] = static_cast<std::uint8_t>(pcr_pid);
  pmt[n++] = 0xF0;
  pmt[n++] = 0x00;
  auto stream = [&](std::uint8_t type, std::uint16_t pid) {
    pmt[n++] = type;
    pmt[n++] = static_cast<std::uint8_t>(0xE0 | pid >> 8);
    pmt[n++] = static_cast<std::uint8_t>(pid);
    pmt[n++] = 0xF0;
    pmt[n++] = 0x00;
  };
  if (c.has_video()) stream(c.video_codec == media::VideoCodec::hevc ? 0x24 : 0x1B, kVideoPid);
  if (c.has_audio()) stream(0x0F, kAudioPid);
  pmt[2] = static_cast<std::uint8_t>(n + 4 - 3);  // section length: after it, CRC included
  const std::uint32_t pmt_crc = mpeg_crc32({pmt, n});
  for (int i = 0; i < 4; ++i) pmt[n++] = static_cast<std::uint8_t>(pmt_crc >> (24 - 8 * i));
  table(out, kPmtPid, {pmt, n});

  const std::size_t length_size = nal_length_size(c);
  const bool hevc = c.video_codec == media::VideoCodec::hevc;
  const auto& asc = c.audio_config;
  const int profile = asc.empty() ? 1 : (asc[0] >> 3) - 1;
  const int rate_index = asc.size() < 2 ? 4 : ((asc[0] & 7) << 1 | asc[1] >> 7);
  const int channels = asc.size() < 2 ? 2 : (asc[1] >> 3) & 0x0F;

  for (const auto& p : packets) {
    if (p->sequence_header) continue;
    const auto body = p->body();
    if (p->is_video() && c.has_video()) {
      auto info = media::parse_video_tag(body);
      if (!info || info->sequence_header || info->end_of_sequence) continue;
      scratch_.clear();
      // An access unit delimiter first, as Apple's TS rules ask.
      if (hevc)
        scratch_.insert(scratch_.end(), {0, 0, 0, 1, 0x46, 0x01, 0x50});
      else
        scratch_.insert(scratch_.end(), {0, 0, 0, 1, 0x09, 0xF0});
      if (p->keyframe) parameter_sets(c, scratch_);
      auto nals = body.subspan(info->header_bytes);
      while (nals.size() > length_size) {
        std::size_t len = 0;
        for (std::size_t i = 0; i < length_size; ++i) len = len << 8 | nals[i];
        nals = nals.subspan(length_size);
        if (len > nals.size()) break;
        scratch_.insert(scratch_.end(), {0, 0, 0, 1});
        scratch_.insert(scratch_.end(), nals.begin(), nals.begin() + len);
        nals = nals.subspan(len);
      }
      const std::int64_t dts = p->dts_ms * 90 + kPtsDelay90k;
      pes(out, kVideoPid, 0xE0, scratch_, dts + std::int64_t{p->cts_ms} * 90, dts, p->keyframe,
          true);
    } else if (p->is_audio() && c.has_audio()) {
      auto info = media::parse_audio_tag(body);
      if (!info || info->sequence_header) continue;
      const auto raw = body.subspan(info->header_bytes);
      const std::size_t len = raw.size() + 7;
      scratch_.assign(
          {0xFF, 0xF1,
           static_cast<std::uint8_t>((profile & 3) << 6 | rate_index << 2 | (channels >> 2 & 1)),
           static_cast<std::uint8_t>((channels & 3) << 6 | len >> 11),
           static_cast<std::uint8_t>(len >> 3), static_cast<std::uint8_t>((len & 7) << 5 | 0x1F),
           0xFC});
      scratch_.insert(scratch_.end(), raw.begin(), raw.end());
      const std::int64_t pts = p->dts_ms * 90 + kPtsDelay90k;
      pes(out, kAudioPid, 0xC0, scratch_, pts, pts, false, !c.has_video());
    }
  }
  return out;
}

}  // namespace courtcast::hls
