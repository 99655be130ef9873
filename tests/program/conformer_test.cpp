#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include "media/flv.hpp"
#include "program/air_encoder.hpp"
#include "program/card.hpp"
#include "program/conformer.hpp"
#include "program/graphics.hpp"

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
  graphics.show_live_tag = true;
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

// The grey levels of a region of the frame at `at_s` of `path`, kept as a
// PNG beside it (an artifact to look at).
std::string region(const std::string& path, double at_s, const std::string& crop,
                   const std::string& png) {
  run("ffmpeg -hide_banner -v error -ss " + std::to_string(at_s) + " -i '" + path +
      "' -frames:v 1 -y '" + png + "'");
  return run("ffmpeg -hide_banner -v error -i '" + png + "' -vf 'crop=" + crop +
             ",format=gray' -f rawvideo -");
}

std::size_t differing(const std::string& a, const std::string& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    n += std::abs(static_cast<int>(static_cast<unsigned char>(a[i])) -
                  static_cast<int>(static_cast<unsigned char>(b[i]))) > 40;
  return n;
}

// The slate: a message the director changes while live is on the next
// frames, with no new sequence header, and FFmpeg decodes it all.
TEST(Conformer, the_slate_shows_a_message_changed_live_without_a_new_sequence_header) {
  auto c = Conformer::open(small_format(), "slate");
  ASSERT_TRUE(c) << c.error().message;
  Graphics graphics;
  (*c)->set_graphics(graphics);
  std::vector<PacketPtr> out;
  for (int i = 0; i < 50; ++i) (*c)->push_slate(i * 40, out);
  graphics.slate_message = "前往第二执行现场途中";
  (*c)->set_graphics(graphics);
  for (int i = 50; i < 100; ++i) (*c)->push_slate(i * 40, out);
  (*c)->drain(out);
  int video_headers = 0, frames = 0, audio = 0;
  for (const auto& p : out) {
    if (p->sequence_header)
      video_headers += p->is_video();
    else
      (p->is_video() ? frames : audio)++;
  }
  EXPECT_EQ(video_headers, 1);
  EXPECT_NEAR(frames, 100, 2);
  EXPECT_GT(audio, 80);  // silence, level with the pictures
  const std::string path = write_flv(out, "slate-message-change.flv");
  EXPECT_EQ(run("ffmpeg -hide_banner -v error -i '" + path + "' -f null - 2>&1"), "");
  const std::string dir = std::string(COURTCAST_TEST_OUTPUT) + "/air/";
  // 320x180: the message runs across the middle.
  const std::string crop = "280:40:20:70";
  const auto before = region(path, 1.0, crop, dir + "slate-before.png");
  const auto after = region(path, 3.0, crop, dir + "slate-after.png");
  ASSERT_EQ(before.size(), 280u * 40u);
  ASSERT_EQ(after.size(), before.size());
  EXPECT_GT(differing(before, after), 300u) << "the message changed on the slate";
}

// Switching a graphic off changes air's picture from the next frame, with
// the same encoder (one sequence header).
TEST(Conformer, switching_the_clock_off_changes_the_picture_not_the_configuration) {
  auto c = Conformer::open(small_format(), "switches");
  ASSERT_TRUE(c) << c.error().message;
  Graphics graphics;
  graphics.slate_background = "#000000";
  graphics.slate_message = " ";
  graphics.show_clock = true;
  (*c)->set_graphics(graphics);
  (*c)->set_clock_origin(1'780'000'000'000);
  std::vector<PacketPtr> out;
  for (int i = 0; i < 50; ++i) (*c)->push_slate(i * 40, out);
  graphics.show_clock = false;
  (*c)->set_graphics(graphics);
  for (int i = 50; i < 100; ++i) (*c)->push_slate(i * 40, out);
  (*c)->drain(out);
  int video_headers = 0;
  for (const auto& p : out) video_headers += p->sequence_header && p->is_video();
  EXPECT_EQ(video_headers, 1);
  const std::string path = write_flv(out, "clock-switched-off.flv");
  EXPECT_EQ(run("ffmpeg -hide_banner -v error -i '" + path + "' -f null - 2>&1"), "");
  const std::string dir = std::string(COURTCAST_TEST_OUTPUT) + "/air/";
  // The clock's corner: top right.
  const std::string crop = "160:30:156:6";
  const auto on = region(path, 1.0, crop, dir + "clock-on.png");
  const auto off = region(path, 3.0, crop, dir + "clock-off.png");
  ASSERT_EQ(on.size(), 160u * 30u);
  EXPECT_GT(differing(on, off), 100u) << "the clock went off";
}

// Program on the card, then a camera: the slate's pictures and the
// camera's follow each other at air's constant rate, without a hole.
TEST(Conformer, the_slate_then_a_camera_then_the_slate_again_keep_one_constant_rate) {
  auto cam = clip("cam-720p25.flv");
  ASSERT_TRUE(cam);
  auto c = Conformer::open(small_format(), "slate-camera");
  ASSERT_TRUE(c) << c.error().message;
  ProgramFeed feed{**c, {}, 0};
  const auto slate = [&](int frames) {
    for (int i = 0; i < frames; ++i) {
      (*c)->push_slate(feed.next_ms, feed.out);
      feed.next_ms += 40;
    }
  };
  slate(40);
  feed.take(*cam, 1400);
  slate(40);
  feed.take(*cam, 1400);
  (*c)->drain(feed.out);
  std::int64_t frames = 0;
  for (const auto& p : feed.out) {
    if (p->sequence_header || !p->is_video()) continue;
    EXPECT_EQ(p->dts_ms, frames * 40) << "video frame " << frames;
    ++frames;
  }
  EXPECT_NEAR(frames, 40 + 36 + 40 + 36, 6);
  const std::string path = write_flv(feed.out, "slate-camera-slate.flv");
  EXPECT_EQ(run("ffmpeg -hide_banner -v error -i '" + path + "' -f null - 2>&1"), "");
}

// Program stops (a session ends) while the encoder is seconds behind: the
// stop comes back at once, leaving the backlog unencoded, because the
// program's event loop waits in it and serves no camera or player meanwhile.
TEST(AirEncoder, a_stop_leaves_the_backlog_unencoded_instead_of_holding_up_the_caller) {
  auto cam = clip("cam-720p25.flv");
  ASSERT_TRUE(cam);
  auto c = Conformer::open(AirFormat{}, "stop-backlog");  // the default air: 720p, veryfast
  ASSERT_TRUE(c) << c.error().message;
  std::mutex mutex;
  std::int64_t encoded = 0;
  AirEncoder encoder(
      std::move(*c), "air:stop-backlog",
      [&](std::vector<PacketPtr>&& packets, std::uint64_t) {
        std::lock_guard lock(mutex);
        for (const auto& p : packets) encoded += p->is_video() && !p->sequence_header;
      },
      [](std::vector<PacketPtr>&&, std::uint64_t) {});
  // 20 s of 720p program, queued in well under a millisecond: the backlog
  // of an encoder that fell behind (it holds up to about 10 s).
  encoder.push(cam->video_header);
  encoder.push(cam->audio_header);
  std::int64_t pushed = 0, base = 0, last = 0;
  while (pushed < 500) {
    for (const auto& p : cam->packets) {
      last = base + p->dts_ms;
      encoder.push(media::Packet::make(p->kind, last, p->cts_ms, p->keyframe, false, p->body()));
      pushed += p->is_video();
    }
    base = last + 40;
  }
  encoder.stop();
  std::lock_guard lock(mutex);
  EXPECT_LT(encoded, pushed / 4) << "of " << pushed << " frames queued before the stop";
}

TEST(Graphics, slate_messages_are_one_line_of_text_without_controls) {
  EXPECT_EQ(slate_message_problem("直播暂停 · 请稍候"), "");
  EXPECT_EQ(slate_message_problem("前往第二执行现场途中"), "");
  EXPECT_NE(slate_message_problem(""), "");
  EXPECT_NE(slate_message_problem("a\nb"), "");
  EXPECT_NE(slate_message_problem("abc\u202Eexe"), "");
  EXPECT_NE(slate_message_problem(std::string(201, 'a')), "");
  EXPECT_TRUE(valid_slate_background("card"));
  EXPECT_TRUE(valid_slate_background("#1f3b63"));
  EXPECT_FALSE(valid_slate_background("red"));
  EXPECT_FALSE(valid_slate_background("#1f3b6"));
}

}  // namespace
}  // namespace courtcast::program
