#include "hls/segmenter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "media_samples.hpp"

namespace courtcast::hls {
namespace {

using media::Packet;
using media::PacketKind;
using media::PacketPtr;

PacketPtr video_header(std::span<const std::uint8_t> record, std::int64_t dts) {
  std::vector<std::uint8_t> body = {0x17, 0x00, 0, 0, 0};
  body.insert(body.end(), record.begin(), record.end());
  return Packet::make(PacketKind::video, dts, 0, true, true, body);
}

PacketPtr audio_header(std::int64_t dts) {
  std::vector<std::uint8_t> body = {0xAF, 0x00};
  body.insert(body.end(), std::begin(test::kAacLc44100Stereo), std::end(test::kAacLc44100Stereo));
  return Packet::make(PacketKind::audio, dts, 0, false, true, body);
}

PacketPtr frame(std::int64_t dts, bool key) {
  std::vector<std::uint8_t> body = {
      static_cast<std::uint8_t>(key ? 0x17 : 0x27), 0x01, 0, 0, 0, 0, 0, 0, 3,
      static_cast<std::uint8_t>(key ? 0x65 : 0x41), 1,    2};
  return Packet::make(PacketKind::video, dts, 0, key, false, body);
}

PacketPtr audio(std::int64_t dts) {
  return Packet::make(PacketKind::audio, dts, 0, false, false,
                      std::vector<std::uint8_t>{0xAF, 0x01, 1, 2, 3, 4});
}

// 25 frames a second with a keyframe every `gop_ms`, AAC frames between.
void feed(Segmenter& s, std::int64_t from_ms, std::int64_t to_ms, std::int64_t gop_ms = 2000) {
  std::int64_t next_audio = from_ms;
  for (std::int64_t t = from_ms; t < to_ms; t += 40) {
    while (next_audio <= t) {
      s.push(audio(next_audio), 1'700'000'000'000 + next_audio);
      next_audio += 23;
    }
    s.push(frame(t, (t - from_ms) % gop_ms == 0), 1'700'000'000'000 + t);
  }
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

Segmenter started(SegmenterOptions o = {}) {
  Segmenter s(o);
  s.push(video_header(test::kAvc1280x720, 0), 0);
  s.push(audio_header(0), 0);
  return s;
}

TEST(Segmenter, segments_start_at_keyframes_and_parts_stay_within_the_part_target) {
  auto s = started();
  feed(s, 0, 9000);
  ASSERT_GE(s.segments().size(), 4u);
  for (const auto& seg : s.segments()) {
    ASSERT_FALSE(seg.parts.empty());
    EXPECT_TRUE(seg.parts.front().independent) << "segment " << seg.msn;
    for (const auto& p : seg.parts) EXPECT_LE(p.duration_ms, 500);
    if (seg.complete) {
      EXPECT_EQ(seg.duration_ms, 2000) << "segment " << seg.msn;
    }
  }
  const std::string list = s.fmp4_playlist();
  EXPECT_NE(list.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << list;
  EXPECT_NE(list.find("#EXT-X-PART-INF:PART-TARGET=0.500\n"), std::string::npos);
  EXPECT_NE(list.find("CAN-BLOCK-RELOAD=YES"), std::string::npos);
  EXPECT_NE(list.find("#EXT-X-PRELOAD-HINT:TYPE=PART,URI="), std::string::npos);
  EXPECT_EQ(count(list, "#EXT-X-MAP:"), 1u);
  EXPECT_EQ(count(list, "#EXT-X-DISCONTINUITY\n"), 0u);
}

TEST(Segmenter, equal_sequence_headers_at_a_take_add_no_discontinuity) {
  auto s = started();
  feed(s, 0, 3000);
  s.push(video_header(test::kAvc1280x720, 3000), 0);
  s.push(audio_header(3000), 0);
  feed(s, 3000, 7000);
  EXPECT_EQ(count(s.fmp4_playlist(), "#EXT-X-DISCONTINUITY\n"), 0u);
  EXPECT_EQ(count(s.fmp4_playlist(), "#EXT-X-MAP:"), 1u);
  EXPECT_NE(s.init(0), nullptr);
  EXPECT_EQ(s.init(1), nullptr);
}

TEST(Segmenter, a_new_resolution_starts_a_new_init_segment_after_a_discontinuity) {
  auto s = started();
  feed(s, 0, 3000);
  s.push(video_header(test::kAvc960x540, 3000), 0);
  feed(s, 3000, 7000);
  const std::string list = s.fmp4_playlist();
  EXPECT_EQ(count(list, "#EXT-X-DISCONTINUITY\n"), 1u) << list;
  EXPECT_NE(list.find("init1.mp4"), std::string::npos) << list;
  EXPECT_EQ(count(s.ts_playlist(), "#EXT-X-DISCONTINUITY\n"), 1u);
  ASSERT_NE(s.init(1), nullptr);
  EXPECT_NE(s.init(0)->config.height, s.init(1)->config.height);
  // The segment before the take is cut there, not at the next keyframe.
  EXPECT_EQ(s.segments()[1].duration_ms, 1000);
  EXPECT_TRUE(s.segments()[2].discontinuity);
}

TEST(Segmenter, window_keeps_the_newest_segments_and_its_memory_stays_bounded) {
  SegmenterOptions o;
  o.window_segments = 4;
  auto s = started(o);
  feed(s, 0, 20000);
  const std::size_t after_20s = s.window_bytes();
  feed(s, 20000, 60000);
  EXPECT_LE(s.segments().size(), 5u);
  EXPECT_EQ(s.segments().front().msn, 25u);
  EXPECT_LE(s.window_bytes(), after_20s + after_20s / 10);
  EXPECT_NE(s.fmp4_playlist().find("#EXT-X-MEDIA-SEQUENCE:25\n"), std::string::npos);
  EXPECT_EQ(s.init(0) != nullptr, true);
}

TEST(Segmenter, a_blocking_reload_waits_for_the_hinted_part_and_refuses_far_ones) {
  auto s = started();
  feed(s, 0, 2600);
  const auto [msn, part] = s.next_part();
  ASSERT_EQ(msn, 1u);
  ASSERT_EQ(part, 1u);
  EXPECT_EQ(s.block_state(msn, part), BlockState::wait);
  EXPECT_EQ(s.block_state(msn, part - 1), BlockState::ready);
  EXPECT_EQ(s.block_state(msn + 3, 0), BlockState::too_far);
  EXPECT_EQ(s.block_state(0, std::nullopt), BlockState::ready);
  EXPECT_EQ(s.block_state(msn, std::nullopt), BlockState::wait);
  feed(s, 2600, 3100);
  EXPECT_EQ(s.block_state(msn, part), BlockState::ready);
}

TEST(Segmenter, ts_segments_are_whole_transport_packets_with_tables_first) {
  auto s = started();
  feed(s, 0, 4100);
  const Segment& seg = s.segments().front();
  ASSERT_TRUE(seg.complete);
  ASSERT_TRUE(seg.ts);
  ASSERT_EQ(seg.ts->size() % 188, 0u);
  for (std::size_t i = 0; i < seg.ts->size(); i += 188) ASSERT_EQ((*seg.ts)[i], 0x47);
  EXPECT_EQ((*seg.ts)[1] & 0x1F, 0);  // the PAT
}

// Top-level ISO BMFF boxes: their types, sizes adding up to the whole.
std::vector<std::string> boxes(const Bytes& b) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at + 8 <= b.size()) {
    const std::size_t size =
        static_cast<std::size_t>(b[at]) << 24 | b[at + 1] << 16 | b[at + 2] << 8 | b[at + 3];
    if (size < 8 || at + size > b.size()) return {"bad"};
    out.emplace_back(reinterpret_cast<const char*>(&b[at + 4]), 4);
    at += size;
  }
  if (at != b.size()) return {"bad"};
  return out;
}

TEST(Fmp4, init_and_parts_are_whole_boxes) {
  auto s = started();
  feed(s, 0, 2500);
  EXPECT_EQ(boxes(*s.init(0)->bytes), (std::vector<std::string>{"ftyp", "moov"}));
  for (const auto& p : s.segments().front().parts)
    EXPECT_EQ(boxes(*p.bytes), (std::vector<std::string>{"moof", "mdat"}));
}

}  // namespace
}  // namespace courtcast::hls
