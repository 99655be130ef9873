#include <gtest/gtest.h>

#include <map>

#include "program/card.hpp"

namespace courtcast::program {
namespace {

// Three loops of a card, played out at once: every track's timestamps rise
// strictly, and each loop's first frame comes one frame interval after the
// previous loop's last (FFmpeg made the card with an end-of-sequence tag
// stamped like its last frame, and audio padded past the video).
void expect_loops_continue(const std::string& path) {
  auto card = load_card(path);
  ASSERT_TRUE(card) << card.error().message;
  auto shared = std::make_shared<const StandbyCard>(std::move(*card));
  CardPlayout playout(shared);
  std::vector<media::PacketPtr> out;
  playout.due(3 * shared->duration_ms + shared->duration_ms / 2, out);
  std::map<media::PacketKind, std::int64_t> last;
  std::vector<std::int64_t> video_dts;
  for (const auto& p : out) {
    if (auto it = last.find(p->kind); it != last.end()) {
      EXPECT_GT(p->dts_ms, it->second) << "kind " << static_cast<int>(p->kind);
    }
    last[p->kind] = p->dts_ms;
    if (p->is_video()) video_dts.push_back(p->dts_ms);
  }
  ASSERT_GT(video_dts.size(), 3u);
  const std::int64_t frame_ms = video_dts[1] - video_dts[0];
  for (std::size_t i = 1; i < video_dts.size(); ++i)
    EXPECT_EQ(video_dts[i] - video_dts[i - 1], frame_ms) << "video frame " << i;
  EXPECT_GE(video_dts.back(), 3 * shared->duration_ms);
}

TEST(CardLoop, built_in_card_loops_one_frame_after_its_last_frame) {
  expect_loops_continue(COURTCAST_DEFAULT_CARD);
}

TEST(CardLoop, uploaded_flv_card_loops_one_frame_after_its_last_frame) {
  expect_loops_continue(std::string(COURTCAST_CARD_MEDIA) + "/valid.flv");
}

}  // namespace
}  // namespace courtcast::program
