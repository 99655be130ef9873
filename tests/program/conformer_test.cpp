#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "media/flv.hpp"
#include "program/air_encoder.hpp"
#include "program/card.hpp"
#include "program/conformer.hpp"

namespace courtcast::program {
namespace {

using media::PacketPtr;

std::shared_ptr<const StandbyCard> clip(const std::string& name) {
  auto c = load_card(std::string(COURTCAST_AIR_MEDIA) + "/" + name);
  EXPECT_TRUE(c) << name << ": " << (c ? "" : c.error().message);
  return c ? std::make_shared<const StandbyCard>(std::move(*c)) : nullptr;
}

AirFormat small_format() {
  AirFormat f;
  f.width = 320;
  f.height = 180;
  f.video_bitrate_bps = 300'000;
  f.preset = "ultrafast";
  return f;
}

// Feeds `source` as program would carry it after a take: its headers, then
// its packets from a keyframe, re-timed to follow what went before.
struct ProgramFeed {
  Conformer& conformer;
  std::vector<PacketPtr> out;
  std::int64_t next_ms = 0;

  void take(const StandbyCard& source, std::int64_t ms) {
    conformer.push(source.video_header, out);
    conformer.push(source.audio_header, out);
    const std::int64_t base = next_ms;
    std::int64_t last = base;
    for (const auto& p : source.packets) {
      if (p->dts_ms > ms) break;
      last = base + p->dts_ms;
      conformer.push(media::Packet::make(p->kind, last, p->cts_ms, p->keyframe, false, p->body()),
                     out);
    }
    next_ms = last + 40;
  }
};

std::string run(const std::string& command) {
  std::string text;
  if (FILE* f = popen(command.c_str(), "r")) {
    std::array<char, 4096> buf{};
    while (std::size_t n = fread(buf.data(), 1, buf.size(), f)) text.append(buf.data(), n);
    pclose(f);
  }
  return text;
}

std::string write_flv(const std::vector<PacketPtr>& packets, const std::string& name) {
  const std::string dir = std::string(COURTCAST_TEST_OUTPUT) + "/air";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/" + name;
  std::ofstream f(path, std::ios::binary);
  const auto header = media::flv_file_header(true, true);
  f.write(reinterpret_cast<const char*>(header.data()), header.size());
  for (const auto& p : packets)
    f.write(reinterpret_cast<const char*>(p->flv_tag().data()), p->flv_tag().size());
  return path;
}

TEST(Conformer, two_conformers_of_one_format_announce_identical_sequence_headers) {
  auto a = Conformer::open(small_format(), "a");
  auto b = Conformer::open(small_format(), "b");
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_TRUE(std::ranges::equal((*a)->video_header()->body(), (*b)->video_header()->body()));
  EXPECT_TRUE(std::ranges::equal((*a)->audio_header()->body(), (*b)->audio_header()->body()));
  // High profile, the level fixed by the format (3.1 for up to 720p30).
  const auto body = (*a)->video_header()->body();
  EXPECT_EQ(body[6], 100);
  EXPECT_EQ(body[8], 31);
}

// Cameras of three formats (720p25, 540p30 with 44.1 kHz mono, 1080p25 with
// 48 kHz) and the card, taken in turn: air is one configuration at a
// constant rate, its timestamps rise, and FFmpeg decodes it without a word.
TEST(Conformer, takes_among_mismatched_cameras_and_the_card_make_one_constant_rate_air) {
  auto cam_720 = clip("cam-720p25.flv");
  auto cam_540 = clip("cam-540p30.flv");
  auto cam_1080 = clip("cam-1080p25.flv");
  auto card = clip("card.flv");
  ASSERT_TRUE(cam_720 && cam_540 && cam_1080 && card);
  auto c = Conformer::open(small_format(), "test");
  ASSERT_TRUE(c) << c.error().message;
  Graphics graphics;
  graphics.title = "（2026）甘0602执1234号 强制腾退";
  graphics.live_tag = true;
  (*c)->set_graphics(graphics);
  (*c)->set_clock_origin(1'780'000'000'000);
  ProgramFeed feed{**c, {}, 0};
  const std::array<const StandbyCard*, 4> order = {cam_720.get(), cam_540.get(), card.get(),
                                                   cam_1080.get()};
  for (int take = 0; take < 8; ++take) feed.take(*order[take % order.size()], 1400);

  const auto& out = feed.out;
  int video_headers = 0, audio_headers = 0;
  std::int64_t frames = 0, last_audio = -1;
  for (const auto& p : out) {
    if (p->sequence_header) {
      (p->is_video() ? video_headers : audio_headers)++;
      continue;
    }
    if (p->is_video()) {
      EXPECT_EQ(p->dts_ms, frames * 40) << "video frame " << frames;
      EXPECT_EQ(p->keyframe, frames % 50 == 0) << "video frame " << frames;
      ++frames;
    } else {
      EXPECT_GT(p->dts_ms, last_audio);
      last_audio = p->dts_ms;
    }
  }
  EXPECT_EQ(video_headers, 1);
  EXPECT_EQ(audio_headers, 1);
  // 8 takes of 1.4 s each (plus the 40 ms between them), at 25 fps.
  EXPECT_NEAR(frames, 8 * 36, 8);
  EXPECT_NEAR(last_audio, frames * 40, 200);
  EXPECT_EQ((*c)->stats().decode_errors, 0u);

  const std::string path = write_flv(out, "mismatched-takes.flv");
  EXPECT_EQ(run("ffmpeg -hide_banner -v error -i '" + path + "' -f null - 2>&1"), "");
  const std::string sizes =
      run("ffprobe -v error -select_streams v -show_entries frame=width,height "
          "-of csv=p=0 '" +
          path + "' | grep -o '^[0-9]*,[0-9]*' | sort -u");
  EXPECT_EQ(sizes, "320,180\n");
}

TEST(Conformer, a_conformed_card_loops_from_a_keyframe_with_the_encoders_headers) {
  auto card = clip("card.flv");
  ASSERT_TRUE(card);
  auto conformed = conform_card(*card, small_format(), Graphics{});
  ASSERT_TRUE(conformed) << conformed.error().message;
  auto live = Conformer::open(small_format(), "live");
  ASSERT_TRUE(live);
  EXPECT_TRUE(std::ranges::equal(conformed->video_header->body(), (*live)->video_header()->body()));
  EXPECT_TRUE(std::ranges::equal(conformed->audio_header->body(), (*live)->audio_header()->body()));
  ASSERT_FALSE(conformed->packets.empty());
  EXPECT_TRUE(conformed->packets.front()->is_video() && conformed->packets.front()->keyframe);
  EXPECT_NEAR(conformed->duration_ms, card->duration_ms, 40);
}

}  // namespace
}  // namespace courtcast::program
