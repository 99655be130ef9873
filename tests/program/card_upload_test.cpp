#include "program/card_upload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "media/flv.hpp"

namespace courtcast::program {
namespace {

media::Bytes clip(const std::string& name) {
  std::ifstream in(std::string(COURTCAST_CARD_MEDIA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return media::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string refusal(const CardResult<ConvertedCard>& r) {
  return r ? std::string("accepted") : r.error().message;
}

TEST(CardUpload, valid_mp4_is_remuxed_to_an_flv_card) {
  const auto mp4 = clip("valid.mp4");
  auto r = convert_card_upload(mp4);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->format, CardFormat::mp4);
  EXPECT_EQ(std::string(r->flv.begin(), r->flv.begin() + 3), "FLV");
  EXPECT_NEAR(static_cast<double>(r->card.duration_ms), 3000, 100);
  const auto size = card_size(r->card);
  EXPECT_EQ(size.width, 640u);
  EXPECT_EQ(size.height, 360u);
  ASSERT_FALSE(r->card.packets.empty());
  EXPECT_TRUE(r->card.packets.front()->keyframe);
  // Stored FLV parses the same again: what is kept is what was checked.
  auto again = parse_card(r->flv);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->packets.size(), r->card.packets.size());
}

TEST(CardUpload, faststart_mp4_is_accepted) {
  auto r = convert_card_upload(clip("faststart.mp4"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NEAR(static_cast<double>(r->card.duration_ms), 2000, 100);
}

TEST(CardUpload, mp4_timestamps_never_go_back) {
  auto r = convert_card_upload(clip("valid.mp4"));
  ASSERT_TRUE(r) << r.error().message;
  std::int64_t last[2] = {-1, -1};
  for (const auto& p : r->card.packets) {
    auto& l = last[p->is_video() ? 0 : 1];
    EXPECT_GE(p->dts_ms, l);
    l = p->dts_ms;
  }
  EXPECT_GT(last[1], 2000) << "audio runs the length of the clip";
}

TEST(CardUpload, valid_flv_is_kept_as_uploaded) {
  const auto flv = clip("valid.flv");
  auto r = convert_card_upload(flv);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->format, CardFormat::flv);
  EXPECT_EQ(r->flv, flv);
  EXPECT_EQ(card_size(r->card).width, 640u);
}

TEST(CardUpload, hevc_mp4_is_refused_naming_its_codec) {
  auto r = convert_card_upload(clip("hevc.mp4"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CardError::Kind::invalid);
  EXPECT_EQ(refusal(r), "standby card: video must be H.264 (the file has hevc)");
}

TEST(CardUpload, video_only_mp4_is_refused) {
  auto r = convert_card_upload(clip("video-only.mp4"));
  ASSERT_FALSE(r);
  EXPECT_NE(refusal(r).find("no audio"), std::string::npos) << refusal(r);
}

TEST(CardUpload, video_only_flv_is_refused) {
  auto r = convert_card_upload(clip("video-only.flv"));
  ASSERT_FALSE(r);
  EXPECT_NE(refusal(r).find("no AAC audio"), std::string::npos) << refusal(r);
}

TEST(CardUpload, garbage_is_refused_as_neither_flv_nor_mp4) {
  media::Bytes junk(4096);
  std::mt19937 rng(7);
  for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
  junk[4] = 'x';  // no box type by chance
  auto r = convert_card_upload(junk);
  ASSERT_FALSE(r);
  EXPECT_NE(refusal(r).find("neither FLV nor MP4"), std::string::npos) << refusal(r);
  EXPECT_FALSE(convert_card_upload(media::Bytes{}));
}

TEST(CardUpload, truncated_mp4_and_flv_are_refused) {
  const auto mp4 = clip("valid.mp4");  // moov at the end: cut anywhere, the index is damaged
  for (const std::size_t keep : {mp4.size() / 4, mp4.size() / 2, mp4.size() * 3 / 4}) {
    auto r = convert_card_upload(std::span(mp4).first(keep));
    ASSERT_FALSE(r) << keep;
    EXPECT_EQ(r.error().kind, CardError::Kind::invalid);
    EXPECT_NE(refusal(r).find("MP4"), std::string::npos) << keep << ": " << refusal(r);
  }

  // faststart: the index is whole, the media after it is not.
  const auto faststart = clip("faststart.mp4");
  auto cut = convert_card_upload(std::span(faststart).first(faststart.size() * 3 / 4));
  ASSERT_FALSE(cut);
  EXPECT_NE(refusal(cut).find("cut short"), std::string::npos) << refusal(cut);

  auto flv = clip("valid.flv");
  flv.resize(600);
  auto f = convert_card_upload(flv);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().kind, CardError::Kind::invalid);
}

// Where the media of an MP4 lies: the body of its top-level mdat box.
std::span<std::uint8_t> mdat_of(media::Bytes& mp4) {
  std::size_t pos = 0;
  while (pos + 8 <= mp4.size()) {
    const std::size_t size = std::size_t{mp4[pos]} << 24 | std::size_t{mp4[pos + 1]} << 16 |
                             std::size_t{mp4[pos + 2]} << 8 | mp4[pos + 3];
    if (std::string(mp4.begin() + pos + 4, mp4.begin() + pos + 8) == "mdat")
      return std::span(mp4).subspan(pos + 8, size - 8);
    if (size < 8) break;
    pos += size;
  }
  ADD_FAILURE() << "no mdat box";
  return {};
}

// Overwrites `n` bytes at `at` with `fill`, as a damaged copy or disk would.
void damage(std::span<std::uint8_t> where, std::size_t at, std::size_t n, std::uint8_t fill) {
  for (std::size_t i = at; i < at + n && i < where.size(); ++i) where[i] = fill ^ where[i];
}

TEST(CardUpload, damaged_mp4_media_is_refused_by_decoding) {
  const auto good = clip("pattern.mp4");
  ASSERT_TRUE(convert_card_upload(good)) << "the undamaged clip is accepted";
  for (const double where : {0.25, 0.5, 0.75}) {
    for (const std::uint8_t fill : {std::uint8_t{0xFF}, std::uint8_t{0x5A}}) {
      auto mp4 = good;
      auto mdat = mdat_of(mp4);
      damage(mdat, static_cast<std::size_t>(static_cast<double>(mdat.size()) * where), 64, fill);
      auto r = convert_card_upload(mp4);
      ASSERT_FALSE(r) << "damage at " << where << " with " << int(fill) << " was accepted";
      EXPECT_EQ(r.error().kind, CardError::Kind::invalid);
      EXPECT_NE(refusal(r).find("cannot be decoded"), std::string::npos) << refusal(r);
    }
  }
}

TEST(CardUpload, damaged_flv_video_is_refused_by_decoding) {
  const auto good = clip("pattern.flv");
  ASSERT_TRUE(convert_card_upload(good)) << "the undamaged clip is accepted";
  // The video tags' bodies, in file order.
  std::vector<std::pair<std::size_t, std::size_t>> video;  // offset, size
  for (std::size_t pos = 13; pos + 11 <= good.size();) {
    const std::size_t size =
        std::size_t{good[pos + 1]} << 16 | std::size_t{good[pos + 2]} << 8 | good[pos + 3];
    if (good[pos] == 9 && size > 200) video.emplace_back(pos + 11, size);
    pos += 11 + size + 4;
  }
  ASSERT_GT(video.size(), 10u);
  for (const std::size_t k : {video.size() / 3, video.size() / 2, video.size() * 4 / 5}) {
    auto flv = good;
    const auto [offset, size] = video[k];
    damage(std::span(flv).subspan(offset, size), size / 2, 48, 0xFF);
    auto r = convert_card_upload(flv);
    ASSERT_FALSE(r) << "damage in video tag " << k << " was accepted";
    EXPECT_NE(refusal(r).find("video frame"), std::string::npos) << refusal(r);
    EXPECT_NE(refusal(r).find("cannot be decoded"), std::string::npos) << refusal(r);
  }
}

TEST(CardUpload, damaged_mp4_timing_index_is_refused) {
  // ctts holds each picture's presentation offset: damaged, every frame
  // still decodes, but the card would play its pictures out of order.
  const auto good = clip("valid.mp4");
  const std::string kCtts = "ctts";
  const auto at = std::search(good.begin(), good.end(), kCtts.begin(), kCtts.end());
  ASSERT_NE(at, good.end()) << "the clip has B-frames, so a ctts box";
  const std::size_t box = static_cast<std::size_t>(at - good.begin()) - 4;
  const std::size_t size = std::size_t{good[box]} << 24 | std::size_t{good[box + 1]} << 16 |
                           std::size_t{good[box + 2]} << 8 | good[box + 3];
  const std::size_t entries = box + 16, end = box + size;
  ASSERT_GT(end, entries + 64);
  for (const double where : {0.3, 0.6}) {
    auto mp4 = good;
    const auto from =
        entries + static_cast<std::size_t>(static_cast<double>(end - entries) * where);
    damage(std::span(mp4).subspan(from, 16), 0, 16, 0xC4);
    auto r = convert_card_upload(mp4);
    ASSERT_FALSE(r) << "ctts damaged at " << where << " was accepted";
    EXPECT_NE(refusal(r).find("timing index is damaged"), std::string::npos) << refusal(r);
  }
}

TEST(CardUpload, mp4_box_header_over_garbage_is_refused) {
  media::Bytes fake = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm'};
  fake.resize(2048, 0xAB);
  auto r = convert_card_upload(fake);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CardError::Kind::invalid);
}

TEST(CardUpload, longer_than_sixty_seconds_is_refused) {
  auto r = convert_card_upload(clip("long.mp4"));
  ASSERT_FALSE(r);
  EXPECT_NE(refusal(r).find("at most 60 s"), std::string::npos) << refusal(r);
}

TEST(CardUpload, larger_than_the_cap_is_refused_as_too_large) {
  media::Bytes big(kCardMaxBytes + 1, 0);
  big[0] = 'F', big[1] = 'L', big[2] = 'V', big[3] = 1;
  auto r = convert_card_upload(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CardError::Kind::too_large);
  EXPECT_NE(refusal(r).find("more than the 32 MiB"), std::string::npos) << refusal(r);
}

}  // namespace
}  // namespace courtcast::program
