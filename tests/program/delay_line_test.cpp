// The delay between program and air, with time passed in.

#include "program/delay_line.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace courtcast::program {
namespace {

using media::PacketKind;
using media::PacketPtr;
using Clock = DelayLine::Clock;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point{} + std::chrono::hours(1);

PacketPtr video(std::int64_t dts, bool key = false, bool header = false) {
  return media::Packet::make(PacketKind::video, dts, 0, key || header, header, {});
}
PacketPtr audio(std::int64_t dts, bool header = false) {
  return media::Packet::make(PacketKind::audio, dts, 0, false, header, {});
}

std::vector<std::int64_t> drain(DelayLine& line, Clock::time_point now) {
  std::vector<std::int64_t> out;
  while (PacketPtr p = line.pop_due(now)) out.push_back(p->dts_ms);
  return out;
}

TEST(DelayLine, buffered_ms_is_the_age_of_the_oldest_waiting_packet) {
  DelayLine line(10'000);
  EXPECT_EQ(line.buffered_ms(t0), 0);
  line.push(t0, video(0, true));
  line.push(t0 + milliseconds(40), video(40));
  EXPECT_EQ(line.buffered_ms(t0 + milliseconds(3'000)), 3'000);
  drain(line, t0 + milliseconds(10'000));
  EXPECT_EQ(line.buffered_ms(t0 + milliseconds(10'000)), 9'960);
  line.clear();
  EXPECT_EQ(line.buffered_ms(t0 + milliseconds(10'000)), 0);
}

TEST(DelayLine, a_packet_leaves_once_it_is_delay_ms_old) {
  DelayLine line(10'000);
  line.push(t0, video(0, true));
  line.push(t0 + milliseconds(40), video(40));
  EXPECT_EQ(drain(line, t0 + milliseconds(9'999)), std::vector<std::int64_t>{});
  EXPECT_EQ(drain(line, t0 + milliseconds(10'000)), std::vector<std::int64_t>{0});
  EXPECT_EQ(drain(line, t0 + milliseconds(10'040)), std::vector<std::int64_t>{40});
  EXPECT_TRUE(line.empty());
}

TEST(DelayLine, zero_delay_lets_everything_through_at_once) {
  DelayLine line(0);
  line.push(t0, video(0, true));
  line.push(t0, audio(0));
  EXPECT_EQ(drain(line, t0), (std::vector<std::int64_t>{0, 0}));
}

TEST(DelayLine, order_is_kept_across_kinds) {
  DelayLine line(100);
  for (int i = 0; i < 5; ++i) {
    line.push(t0 + milliseconds(i * 20), i % 2 ? audio(i * 20) : video(i * 20, i == 0));
  }
  EXPECT_EQ(drain(line, t0 + milliseconds(1000)), (std::vector<std::int64_t>{0, 20, 40, 60, 80}));
}

TEST(DelayLine, a_cut_drops_everything_waiting_and_says_how_much) {
  DelayLine line(10'000);
  for (int i = 0; i < 7; ++i) line.push(t0 + milliseconds(i), video(i, i == 0));
  EXPECT_EQ(line.clear(), 7u);
  EXPECT_TRUE(line.empty());
  EXPECT_EQ(line.clear(), 0u);
}

TEST(DelayLine, a_longer_delay_holds_packets_longer_and_skips_nothing) {
  DelayLine line(1'000);
  line.push(t0, video(0, true));
  EXPECT_FALSE(line.set_delay(5'000, t0 + milliseconds(2'000), nullptr));
  EXPECT_EQ(line.delay_ms(), 5'000);
  EXPECT_EQ(drain(line, t0 + milliseconds(2'000)), std::vector<std::int64_t>{});
  EXPECT_EQ(line.size(), 1u);
  EXPECT_EQ(drain(line, t0 + milliseconds(5'000)), std::vector<std::int64_t>{0});
}

TEST(DelayLine, a_shorter_delay_skips_to_the_newest_due_keyframe_keeping_headers) {
  DelayLine line(10'000);
  // Two GOPs of one second each, then a third that is not yet due at 3 s
  // once the delay is 1 s.
  line.push(t0, video(0, false, true));  // sequence header
  line.push(t0, audio(0, true));         // sequence header
  line.push(t0, video(0, true));
  line.push(t0 + milliseconds(500), video(500));
  line.push(t0 + milliseconds(1'000), video(1'000, true));
  line.push(t0 + milliseconds(1'500), audio(1'500));
  line.push(t0 + milliseconds(2'500), video(2'500, true));

  std::vector<PacketPtr> headers;
  const bool skipped = line.set_delay(1'000, t0 + milliseconds(2'000),
                                      [&](const PacketPtr& p) { headers.push_back(p); });
  EXPECT_TRUE(skipped);
  EXPECT_EQ(line.delay_ms(), 1'000);
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_TRUE(headers[0]->is_video());
  EXPECT_FALSE(headers[1]->is_video());
  // Air resumes at the keyframe of 1 s, the newest one due at 2 s.
  EXPECT_EQ(drain(line, t0 + milliseconds(2'000)), std::vector<std::int64_t>{1'000});
  EXPECT_EQ(drain(line, t0 + milliseconds(3'500)), (std::vector<std::int64_t>{1'500, 2'500}));
}

TEST(DelayLine, a_shorter_delay_without_a_due_keyframe_skips_nothing) {
  DelayLine line(10'000);
  line.push(t0, video(0));
  line.push(t0 + milliseconds(100), audio(100));
  line.push(t0 + milliseconds(5'000), video(5'000, true));
  EXPECT_FALSE(line.set_delay(2'000, t0 + milliseconds(3'000), nullptr));
  EXPECT_EQ(line.size(), 3u);
  EXPECT_EQ(drain(line, t0 + milliseconds(3'000)), (std::vector<std::int64_t>{0, 100}));
}

}  // namespace
}  // namespace courtcast::program
