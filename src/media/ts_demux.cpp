#include "media/ts_demux.hpp"

#include <algorithm>
#include <cstring>

#include "media/codec_config.hpp"

namespace courtcast::media {

namespace {

constexpr std::uint8_t kSync = 0x47;
constexpr std::int64_t kTsWrap = std::int64_t{1} << 33;

// PMT stream types (ISO/IEC 13818-1 table 2-34 and its amendments).
constexpr std::uint8_t kStreamAac = 0x0f;
constexpr std::uint8_t kStreamH264 = 0x1b;
constexpr std::uint8_t kStreamHevc = 0x24;

std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

void put16(Bytes& b, std::size_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void put32(Bytes& b, std::size_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}

// A PES timestamp: 33 bits spread over 5 bytes with marker bits.
std::int64_t read_pes_ts(const std::uint8_t* p) {
  return (std::int64_t{p[0]} >> 1 & 0x07) << 30 | std::int64_t{p[1]} << 22 |
         (std::int64_t{p[2]} >> 1) << 15 | std::int64_t{p[3]} << 7 | std::int64_t{p[4]} >> 1;
}

// Calls `f(nal)` for each NAL unit of an Annex B byte stream.
template <typename F>
void for_each_nal(std::span<const std::uint8_t> s, F&& f) {
  const std::size_t n = s.size();
  std::size_t i = 0, start = n;
  auto emit = [&](std::size_t end) {
    while (end > start && s[end - 1] == 0)
      --end;  // trailing zero bytes belong to the next start code
    if (end > start) f(s.subspan(start, end - start));
  };
  while (i + 2 < n) {
    if (s[i] == 0 && s[i + 1] == 0 && s[i + 2] == 1) {
      if (start < n) emit(i);
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < n) emit(n);
}

void set_if_changed(Bytes& slot, std::span<const std::uint8_t> nal) {
  if (!std::equal(slot.begin(), slot.end(), nal.begin(), nal.end()))
    slot.assign(nal.begin(), nal.end());
}

constexpr std::uint32_t kAdtsRates[16] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
                                          16000, 12000, 11025, 8000,  7350,  0,     0,     0};

}  // namespace

Bytes make_avc_config(std::span<const std::uint8_t> sps, std::span<const std::uint8_t> pps) {
  Bytes r;
  if (sps.size() < 4) return r;
  r = {1, sps[1], sps[2], sps[3], 0xff, 0xe1};  // 4-byte NAL lengths, one SPS
  put16(r, sps.size());
  r.insert(r.end(), sps.begin(), sps.end());
  r.push_back(1);
  put16(r, pps.size());
  r.insert(r.end(), pps.begin(), pps.end());
  return r;
}

Bytes make_hevc_config(std::span<const std::uint8_t> vps, std::span<const std::uint8_t> sps,
                       std::span<const std::uint8_t> pps) {
  Bytes r;
  // profile_tier_level's general part: 12 bytes after the NAL header and the
  // byte holding vps id, sub-layer count and nesting flag.
  if (vps.empty() || sps.empty() || pps.empty()) return r;
  const auto rbsp = unescape_rbsp(sps);
  if (rbsp.size() < 15) return r;
  r.push_back(1);
  r.insert(r.end(), rbsp.begin() + 3, rbsp.begin() + 15);
  // Spatial segmentation and parallelism unknown; 4:2:0 8-bit assumed here —
  // decoders take the real values from the SPS itself.
  const std::uint8_t tail[] = {0xf0, 0x00, 0xfc, 0xfd, 0xf8, 0xf8, 0x00, 0x00, 0x0f, 3};
  r.insert(r.end(), std::begin(tail), std::end(tail));
  for (auto nal : {vps, sps, pps}) {
    r.push_back(static_cast<std::uint8_t>(0x80 | (nal[0] >> 1 & 0x3f)));
    put16(r, 1);
    put16(r, nal.size());
    r.insert(r.end(), nal.begin(), nal.end());
  }
  return r;
}

void TsDemuxer::feed(std::span<const std::uint8_t> data, std::vector<DemuxedPacket>& out) {
  if (!carry_.empty()) {
    const std::size_t take = std::min(kPacketBytes - carry_.size(), data.size());
    carry_.insert(carry_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
    data = data.subspan(take);
    if (carry_.size() < kPacketBytes) return;
    if (carry_[0] == kSync) {
      on_packet(carry_.data(), out);
      carry_.clear();
    } else {
      // Not a packet after all: look for the sync byte again in what we hold.
      Bytes held;
      held.swap(carry_);
      held.insert(held.end(), data.begin(), data.end());
      ++counters_.sync_losses;
      return feed(std::span<const std::uint8_t>(held).subspan(1), out);
    }
  }
  std::size_t i = 0;
  while (i < data.size()) {
    if (data[i] != kSync) {
      ++counters_.sync_losses;
      const auto* next =
          static_cast<const std::uint8_t*>(std::memchr(data.data() + i, kSync, data.size() - i));
      if (!next) return;
      i = static_cast<std::size_t>(next - data.data());
      continue;
    }
    if (data.size() - i < kPacketBytes) {
      carry_.assign(data.begin() + static_cast<std::ptrdiff_t>(i), data.end());
      return;
    }
    on_packet(data.data() + i, out);
    i += kPacketBytes;
  }
}

void TsDemuxer::finish(std::vector<DemuxedPacket>& out) {
  for (auto& [pid, pes] : pes_) end_pes(pes, out);
}

void TsDemuxer::on_packet(const std::uint8_t* p, std::vector<DemuxedPacket>& out) {
  ++counters_.ts_packets;
  if (p[1] & 0x80) return;  // transport_error_indicator: the sender knows it is broken
  const bool unit_start = p[1] & 0x40;
  const std::uint16_t pid = static_cast<std::uint16_t>((p[1] & 0x1f) << 8 | p[2]);
  const std::uint8_t control = p[3] >> 4 & 0x3;
  const std::int8_t cc = static_cast<std::int8_t>(p[3] & 0x0f);
  std::size_t at = 4;
  bool discontinuity = false;
  if (control & 0x2) {
    const std::size_t len = p[4];
    if (len > 183) return;
    if (len > 0) discontinuity = p[5] & 0x80;
    at += 1 + len;
  }
  if (!(control & 0x1) || at >= kPacketBytes) return;
  const std::span<const std::uint8_t> payload(p + at, kPacketBytes - at);

  if (pid == 0 || static_cast<std::int32_t>(pid) == pmt_pid_) {
    on_psi(pid, unit_start, payload);
    return;
  }
  auto it = pes_.find(pid);
  if (it == pes_.end()) return;
  Pes& pes = it->second;

  if (pes.last_cc >= 0 && !discontinuity) {
    if (cc == pes.last_cc) return;  // a duplicate packet, allowed once by the standard
    if (cc != ((pes.last_cc + 1) & 0x0f)) {
      ++counters_.continuity_errors;
      pes.corrupt = true;
    }
  }
  pes.last_cc = cc;

  if (unit_start) {
    end_pes(pes, out);
    pes.started = true;
    pes.corrupt = false;
  }
  if (!pes.started) return;
  if (pes.data.size() + payload.size() > kMaxPesBytes) {
    ++counters_.dropped_frames;
    pes.data.clear();
    pes.started = false;
    return;
  }
  pes.data.insert(pes.data.end(), payload.begin(), payload.end());
  // Audio PES usually state their length: hand the frame on without waiting
  // for the next one to start.
  if (pes.data.size() >= 6) {
    const std::size_t len = be16(&pes.data[4]);
    if (len != 0 && pes.data.size() >= len + 6) end_pes(pes, out);
  }
}

void TsDemuxer::on_psi(std::uint16_t pid, bool unit_start, std::span<const std::uint8_t> payload) {
  Section& s = sections_[pid];
  if (unit_start) {
    const std::size_t pointer = payload[0];
    if (pointer + 1 > payload.size()) return;
    s.data.assign(payload.begin() + 1 + static_cast<std::ptrdiff_t>(pointer), payload.end());
  } else {
    if (s.data.empty()) return;
    s.data.insert(s.data.end(), payload.begin(), payload.end());
  }
  if (s.data.size() < 3) return;
  const std::size_t len = (s.data[1] & 0x0f) << 8 | s.data[2];
  if (len > 1021) {
    s.data.clear();
    return;
  }
  if (s.data.size() < len + 3) return;
  // CRC left unchecked: SRT and UDP already checksum, and a bad table shows
  // as no streams rather than as a crash.
  // Taken out first: a new PAT may forget the very section being read.
  Bytes whole;
  whole.swap(s.data);
  const std::span<const std::uint8_t> section(whole.data(), len + 3);
  if (pid == 0 && section[0] == 0x00)
    on_pat(section);
  else if (pid != 0 && section[0] == 0x02)
    on_pmt(section);
}

void TsDemuxer::on_pat(std::span<const std::uint8_t> section) {
  // Header 8 bytes, then 4-byte entries, then the 4-byte CRC; a section too
  // short for one entry names no program (and would underflow the bound).
  if (section.size() < 16) return;
  for (std::size_t i = 8; i + 4 <= section.size() - 4; i += 4) {
    const std::uint16_t program = be16(&section[i]);
    const std::uint16_t pid = be16(&section[i + 2]) & 0x1fff;
    if (program != 0 && pid >= 0x10 && pid < 0x1fff) {  // below 0x10 are reserved
      if (pmt_pid_ != pid) sections_.erase(static_cast<std::uint16_t>(pmt_pid_ & 0x1fff));
      pmt_pid_ = pid;
      return;  // the first program is the one a camera sends
    }
  }
}

void TsDemuxer::on_pmt(std::span<const std::uint8_t> section) {
  if (section.size() < 16) return;
  const std::size_t info_len = be16(&section[10]) & 0x0fff;
  std::uint16_t video = 0, audio = 0;
  EsKind video_es = EsKind::none;
  for (std::size_t i = 12 + info_len; i + 5 <= section.size() - 4;) {
    const std::uint8_t type = section[i];
    const std::uint16_t pid = be16(&section[i + 1]) & 0x1fff;
    const std::size_t es_info = be16(&section[i + 3]) & 0x0fff;
    if (!video && (type == kStreamH264 || type == kStreamHevc)) {
      video = pid;
      video_es = type == kStreamH264 ? EsKind::h264 : EsKind::hevc;
    } else if (!audio && type == kStreamAac) {
      audio = pid;
    }
    i += 5 + es_info;
  }
  auto track = [&](std::uint16_t& slot, std::uint16_t pid, EsKind es) {
    if (slot == pid && (!pid || pes_[pid].es == es)) return;
    if (slot) pes_.erase(slot);
    slot = pid;
    if (pid) pes_[pid].es = es;
  };
  track(video_pid_, video, video_es);
  track(audio_pid_, audio, EsKind::aac);
}

std::int64_t TsDemuxer::unwrap(std::int64_t ts) {
  if (!have_ts_) {
    have_ts_ = true;
    last_ts_ = ts;
    return ts;
  }
  // The nearest value congruent to `ts` modulo 2^33: audio and video sit
  // within seconds of each other, the wrap is 26.5 hours.
  std::int64_t delta = (ts - last_ts_) % kTsWrap;
  if (delta < 0) delta += kTsWrap;
  if (delta >= kTsWrap / 2) delta -= kTsWrap;
  last_ts_ += delta;
  return last_ts_;
}

void TsDemuxer::end_pes(Pes& pes, std::vector<DemuxedPacket>& out) {
  if (!pes.started) return;
  pes.started = false;
  Bytes& d = pes.data;
  struct Clear {
    Bytes& d;
    ~Clear() { d.clear(); }
  } clear{d};
  if (pes.corrupt) {
    ++counters_.dropped_frames;
    // A video frame lost means nothing decodes cleanly until the next keyframe.
    if (pes.es != EsKind::aac) need_keyframe_ = true;
    return;
  }
  if (d.size() < 9 || d[0] != 0 || d[1] != 0 || d[2] != 1) {
    ++counters_.dropped_frames;
    return;
  }
  const std::uint8_t flags = d[7] >> 6;
  const std::size_t header = 9 + std::size_t{d[8]};
  if (header > d.size() || !(flags & 0x2) || (flags == 3 && d[8] < 10) || d[8] < 5) {
    ++counters_.dropped_frames;
    return;
  }
  std::size_t end = d.size();
  if (const std::size_t len = be16(&d[4]); len != 0) end = std::min(end, len + 6);
  if (end < header) return;
  const std::int64_t pts = unwrap(read_pes_ts(&d[9]));
  const std::int64_t dts = flags == 3 ? unwrap(read_pes_ts(&d[14])) : pts;
  const std::span<const std::uint8_t> es(d.data() + header, end - header);
  if (pes.es == EsKind::aac)
    on_aac(pts, es, out);
  else
    on_video(pes.es, pts, dts, es, out);
}

void TsDemuxer::on_video(EsKind es, std::int64_t pts, std::int64_t dts,
                         std::span<const std::uint8_t> data, std::vector<DemuxedPacket>& out) {
  const bool hevc = es == EsKind::hevc;
  bool keyframe = false;
  std::size_t nal_bytes = 0, nal_count = 0;
  for_each_nal(data, [&](std::span<const std::uint8_t> nal) {
    if (hevc) {
      const int type = nal[0] >> 1 & 0x3f;
      if (type == 32) set_if_changed(vps_, nal);
      if (type == 33) set_if_changed(sps_, nal);
      if (type == 34) set_if_changed(pps_, nal);
      if (type >= 16 && type <= 23) keyframe = true;
      if (type >= 32 && type <= 35) return;
    } else {
      const int type = nal[0] & 0x1f;
      if (type == 7) set_if_changed(sps_, nal);
      if (type == 8) set_if_changed(pps_, nal);
      if (type == 5) keyframe = true;
      if (type == 7 || type == 8 || type == 9) return;
    }
    nal_bytes += nal.size();
    ++nal_count;
  });
  if (sps_.empty() || pps_.empty() || (hevc && vps_.empty())) return;  // undecodable yet
  const std::int64_t dts_ms = dts / 90;
  const std::int32_t cts_ms = static_cast<std::int32_t>(
      std::clamp<std::int64_t>(pts / 90 - dts_ms, -(1 << 23), (1 << 23) - 1));

  // FLV video header: legacy AVC (codec 7) or enhanced RTMP 'hvc1'.
  auto header = [&](Bytes& b, bool key, bool sequence) {
    const std::uint8_t frame = key ? 1 : 2;
    if (hevc) {
      b.push_back(static_cast<std::uint8_t>(0x80 | frame << 4 | (sequence ? 0 : 1)));
      b.insert(b.end(), {'h', 'v', 'c', '1'});
    } else {
      b.push_back(static_cast<std::uint8_t>(frame << 4 | 7));
      b.push_back(sequence ? 0 : 1);
    }
    if (!hevc || !sequence) {
      const std::uint32_t c = static_cast<std::uint32_t>(sequence ? 0 : cts_ms);
      b.insert(b.end(), {static_cast<std::uint8_t>(c >> 16), static_cast<std::uint8_t>(c >> 8),
                         static_cast<std::uint8_t>(c)});
    }
  };

  if (keyframe) {
    Bytes config = hevc ? make_hevc_config(vps_, sps_, pps_) : make_avc_config(sps_, pps_);
    if (config.empty()) return;
    if (config != video_config_sent_) {
      DemuxedPacket seq{PacketKind::video, dts_ms, {}};
      header(seq.body, true, true);
      seq.body.insert(seq.body.end(), config.begin(), config.end());
      out.push_back(std::move(seq));
      video_config_sent_ = std::move(config);
    }
    need_keyframe_ = false;
  }
  if (need_keyframe_ || nal_count == 0) return;

  DemuxedPacket frame{PacketKind::video, dts_ms, {}};
  frame.body.reserve(8 + nal_bytes + 4 * nal_count);
  header(frame.body, keyframe, false);
  for_each_nal(data, [&](std::span<const std::uint8_t> nal) {
    const int type = hevc ? nal[0] >> 1 & 0x3f : nal[0] & 0x1f;
    if (hevc ? (type >= 32 && type <= 35) : (type == 7 || type == 8 || type == 9)) return;
    put32(frame.body, nal.size());
    frame.body.insert(frame.body.end(), nal.begin(), nal.end());
  });
  out.push_back(std::move(frame));
}

void TsDemuxer::on_aac(std::int64_t pts, std::span<const std::uint8_t> data,
                       std::vector<DemuxedPacket>& out) {
  std::int64_t ts = pts;
  while (data.size() >= 7) {
    if (data[0] != 0xff || (data[1] & 0xf0) != 0xf0) {
      ++counters_.dropped_frames;
      return;
    }
    const bool crc = !(data[1] & 0x01);
    const std::uint8_t object_type = static_cast<std::uint8_t>((data[2] >> 6) + 1);
    const std::uint8_t rate_index = data[2] >> 2 & 0x0f;
    const std::uint8_t channels = static_cast<std::uint8_t>((data[2] & 0x01) << 2 | data[3] >> 6);
    const std::size_t frame_bytes = (data[3] & 0x03) << 11 | data[4] << 3 | data[5] >> 5;
    const std::size_t header = crc ? 9 : 7;
    const std::uint32_t rate = kAdtsRates[rate_index];
    if (frame_bytes < header || frame_bytes > data.size() || rate == 0) {
      ++counters_.dropped_frames;
      return;
    }
    const std::int64_t dts_ms = ts / 90;
    const std::array<std::uint8_t, 2> asc = {
        static_cast<std::uint8_t>(object_type << 3 | rate_index >> 1),
        static_cast<std::uint8_t>((rate_index & 1) << 7 | channels << 3)};
    if (asc != aac_config_sent_) {
      out.push_back({PacketKind::audio, dts_ms, Bytes{0xaf, 0x00, asc[0], asc[1]}});
      aac_config_sent_ = asc;
    }
    DemuxedPacket frame{PacketKind::audio, dts_ms, {}};
    frame.body.reserve(2 + frame_bytes - header);
    frame.body = {0xaf, 0x01};
    frame.body.insert(frame.body.end(), data.begin() + static_cast<std::ptrdiff_t>(header),
                      data.begin() + static_cast<std::ptrdiff_t>(frame_bytes));
    out.push_back(std::move(frame));
    // Later frames of the same PES follow at 1024 samples each.
    ts += 1024 * 90000 / rate;
    data = data.subspan(frame_bytes);
  }
}

}  // namespace courtcast::media
