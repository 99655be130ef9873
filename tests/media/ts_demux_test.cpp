// MPEG-TS demuxing against transport streams FFmpeg writes here (H.264, HEVC,
// AAC; a timestamp wrap; lost packets): what comes out is what RTMP ingest
// would carry, and FFmpeg decodes it back without an error.

#include "media/ts_demux.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "media/codec_config.hpp"
#include "media/flv.hpp"

namespace courtcast::media {
namespace {

namespace fs = std::filesystem;

fs::path media_dir() {
  const fs::path dir = fs::path(::testing::TempDir()) / "courtcast-ts-demux";
  fs::create_directories(dir);
  return dir;
}

// A transport stream of test pattern and tone, made once per run.
Bytes ts_file(const std::string& name, const std::string& encode) {
  const fs::path path = media_dir() / (name + ".ts");
  if (!fs::exists(path)) {
    const std::string cmd =
        "ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=25 "
        "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -ac 2 " +
        encode + " -f mpegts " + path.string() + ".tmp && mv " + path.string() + ".tmp " +
        path.string();
    if (std::system(cmd.c_str()) != 0) return {};
  }
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

const std::string kH264 = "-c:v libx264 -preset ultrafast -g 25 -bf 2 -c:a aac -b:a 64k";

std::vector<DemuxedPacket> demux(std::span<const std::uint8_t> ts, std::size_t piece,
                                 TsDemuxer* keep = nullptr) {
  TsDemuxer local;
  TsDemuxer& d = keep ? *keep : local;
  std::vector<DemuxedPacket> out;
  for (std::size_t i = 0; i < ts.size(); i += piece)
    d.feed(ts.subspan(i, std::min(piece, ts.size() - i)), out);
  d.finish(out);
  return out;
}

std::vector<const DemuxedPacket*> of_kind(const std::vector<DemuxedPacket>& all, PacketKind k) {
  std::vector<const DemuxedPacket*> r;
  for (const auto& p : all)
    if (p.kind == k) r.push_back(&p);
  return r;
}

// Writes the packets as an FLV file and has FFmpeg decode it: "" when clean.
std::string ffmpeg_decode_errors(const std::vector<DemuxedPacket>& packets,
                                 const std::string& name) {
  const fs::path flv = media_dir() / (name + ".flv");
  {
    std::ofstream f(flv, std::ios::binary);
    const auto header = flv_file_header(true, true);
    f.write(reinterpret_cast<const char*>(header.data()), header.size());
    for (const auto& p : packets) {
      std::uint8_t tag[Packet::kTagHeaderBytes];
      write_flv_tag_header(tag, static_cast<std::uint8_t>(p.kind), p.dts_ms, p.body.size());
      f.write(reinterpret_cast<const char*>(tag), sizeof tag);
      f.write(reinterpret_cast<const char*>(p.body.data()),
              static_cast<std::streamsize>(p.body.size()));
      const std::uint32_t prev = static_cast<std::uint32_t>(sizeof tag + p.body.size());
      const char size[4] = {char(prev >> 24), char(prev >> 16), char(prev >> 8), char(prev)};
      f.write(size, 4);
    }
  }
  const fs::path log = media_dir() / (name + ".log");
  const std::string cmd =
      "ffmpeg -hide_banner -v error -i " + flv.string() + " -f null - 2>" + log.string();
  if (std::system(cmd.c_str()) != 0) return "ffmpeg failed";
  std::ifstream in(log);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(TsDemux, h264_and_aac_become_flv_bodies_with_sequence_headers_first) {
  const Bytes ts = ts_file("h264", kH264);
  ASSERT_FALSE(ts.empty());
  const auto out = demux(ts, 1316);  // what one SRT message carries
  const auto video = of_kind(out, PacketKind::video);
  const auto audio = of_kind(out, PacketKind::audio);
  ASSERT_GE(video.size(), 70u);
  ASSERT_GE(audio.size(), 130u);  // 3 s at 48 kHz is 140 frames of 1024

  auto v = parse_video_tag(video[0]->body);
  ASSERT_TRUE(v && v->sequence_header && v->codec == VideoCodec::h264);
  auto config = parse_avc_config(std::span(video[0]->body).subspan(v->header_bytes));
  ASSERT_TRUE(config);
  EXPECT_EQ(config->width, 320u);
  EXPECT_EQ(config->height, 240u);
  auto first = parse_video_tag(video[1]->body);
  ASSERT_TRUE(first && first->keyframe && !first->sequence_header);

  auto a = parse_audio_tag(audio[0]->body);
  ASSERT_TRUE(a && a->sequence_header && a->codec == AudioCodec::aac);
  auto asc = parse_aac_config(std::span(audio[0]->body).subspan(a->header_bytes));
  ASSERT_TRUE(asc);
  EXPECT_EQ(asc->sample_rate, 48000u);
  EXPECT_EQ(asc->channels, 2);

  // B-frames: composition offsets appear, decode order stays monotonic.
  bool reordered = false;
  for (std::size_t i = 1; i < video.size(); ++i) {
    EXPECT_GE(video[i]->dts_ms, video[i - 1]->dts_ms);
    if (auto t = parse_video_tag(video[i]->body); t && t->cts_ms > 0) reordered = true;
  }
  EXPECT_TRUE(reordered);
  int sequence_headers = 0;
  for (auto* p : video) sequence_headers += parse_video_tag(p->body)->sequence_header;
  EXPECT_EQ(sequence_headers, 1) << "unchanged parameter sets send no new sequence header";
  EXPECT_EQ(ffmpeg_decode_errors(out, "h264"), "");
}

TEST(TsDemux, any_split_of_the_input_gives_the_same_packets) {
  const Bytes ts = ts_file("h264", kH264);
  ASSERT_FALSE(ts.empty());
  const auto whole = demux(ts, ts.size());
  for (std::size_t piece : {1u, 7u, 187u, 189u, 1500u}) {
    const auto split = demux(ts, piece);
    ASSERT_EQ(split.size(), whole.size()) << piece;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      EXPECT_EQ(split[i].dts_ms, whole[i].dts_ms);
      EXPECT_EQ(split[i].body, whole[i].body);
    }
  }
}

TEST(TsDemux, hevc_becomes_enhanced_rtmp_with_an_hvcc_record) {
  const Bytes ts = ts_file("hevc", "-c:v libx265 -x265-params log-level=error -g 25 -c:a aac");
  ASSERT_FALSE(ts.empty());
  const auto out = demux(ts, 1316);
  const auto video = of_kind(out, PacketKind::video);
  ASSERT_GE(video.size(), 70u);
  auto v = parse_video_tag(video[0]->body);
  ASSERT_TRUE(v && v->sequence_header && v->codec == VideoCodec::hevc);
  auto config = parse_hevc_config(std::span(video[0]->body).subspan(v->header_bytes));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->width, 320u);
  EXPECT_EQ(config->height, 240u);
  auto first = parse_video_tag(video[1]->body);
  ASSERT_TRUE(first && first->keyframe && first->codec == VideoCodec::hevc);
}

TEST(TsDemux, timestamps_run_on_across_the_33_bit_wrap) {
  // 2^33 / 90 kHz = 95443.7 s; FFmpeg starts at 1.4 s: the wrap falls in the
  // middle of the clip.
  const Bytes ts = ts_file("wrap2", kH264 + " -output_ts_offset 95441");
  ASSERT_FALSE(ts.empty());
  const auto out = demux(ts, 1316);
  const auto video = of_kind(out, PacketKind::video);
  const auto audio = of_kind(out, PacketKind::audio);
  ASSERT_GE(video.size(), 70u);
  EXPECT_LT(video.front()->dts_ms, std::int64_t{95443718});
  for (const auto* track : {&video, &audio})
    for (std::size_t i = 1; i < track->size(); ++i) {
      const auto step = (*track)[i]->dts_ms - (*track)[i - 1]->dts_ms;
      EXPECT_GE(step, 0);
      EXPECT_LE(step, 100);
    }
  EXPECT_GT(video.back()->dts_ms, std::int64_t{95443718});  // past 2^33 ticks, not back at 0
  EXPECT_EQ(ffmpeg_decode_errors(out, "wrap"), "");
}

TEST(TsDemux, lost_packets_are_counted_and_video_resumes_at_a_keyframe) {
  Bytes ts = ts_file("h264", kH264);
  ASSERT_FALSE(ts.empty());
  // Remove every 50th packet from the second second on: a lossy link without
  // retransmission.
  Bytes lossy;
  const std::size_t n = ts.size() / TsDemuxer::kPacketBytes;
  for (std::size_t i = 0; i < n; ++i)
    if (i < n / 3 || i % 50 != 0)
      lossy.insert(lossy.end(), ts.begin() + i * 188, ts.begin() + (i + 1) * 188);
  TsDemuxer d;
  const auto out = demux(lossy, 1316, &d);
  EXPECT_GT(d.counters().continuity_errors, 0u);
  EXPECT_GT(d.counters().dropped_frames, 0u);
  EXPECT_GE(of_kind(out, PacketKind::video).size(), 25u);
  EXPECT_EQ(ffmpeg_decode_errors(out, "lossy"), "");
}

TEST(TsDemux, garbage_and_truncated_input_produce_nothing_and_no_crash) {
  Bytes junk(5000);
  for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<std::uint8_t>(i * 131 + 7);
  for (std::size_t i = 0; i < junk.size(); i += 188) junk[i] = 0x47;
  EXPECT_TRUE(demux(junk, 1316).empty());
  const Bytes ts = ts_file("h264", kH264);
  ASSERT_FALSE(ts.empty());
  const auto cut = demux(std::span(ts).first(ts.size() / 2 + 33), 1316);
  EXPECT_FALSE(cut.empty());
}

// Found by fuzz_ts_demux: a PAT whose section_length is 0 made the entry
// loop's bound underflow and read past the section.
TEST(TsDemux, a_pat_shorter_than_one_entry_names_no_program) {
  for (std::uint8_t section_length : {0, 1, 5, 8}) {
    Bytes packet(188, 0xff);
    packet[0] = 0x47;
    packet[1] = 0x40;  // unit start, PID 0
    packet[2] = 0x00;
    packet[3] = 0x10;  // payload only
    packet[4] = 0x00;  // pointer field
    packet[5] = 0x00;  // table_id: PAT
    packet[6] = 0xb0;
    packet[7] = section_length;
    EXPECT_TRUE(demux(packet, 188).empty()) << int(section_length);
  }
}

}  // namespace
}  // namespace courtcast::media
