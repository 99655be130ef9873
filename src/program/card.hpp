#pragma once
// The standby card (垫片, 直播暂停 · 请稍候): a short H.264/AAC clip held in
// memory and played in a loop whenever no camera may or can be on air.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/packet.hpp"
#include "media/result.hpp"

namespace courtcast::program {

struct StandbyCard {
  std::vector<media::PacketPtr> packets;  // media in clip time, from a keyframe
  media::PacketPtr video_header, audio_header;
  std::int64_t duration_ms = 0;  // one loop
  // The one made at build: its picture says 直播暂停 · 请稍候 itself, so the
  // slate does not show it under another message.
  bool built_in = false;
};

// Reads an FLV clip; it must be H.264 + AAC, start with a keyframe and last
// at least one second, so that it loops cleanly.
media::Result<StandbyCard> parse_card(std::span<const std::uint8_t> flv);
media::Result<StandbyCard> load_card(const std::string& path);

// Plays a card on one timeline in real time: each call hands out the packets
// due by `elapsed_ms` since the card started, looping with growing timestamps.
class CardPlayout {
 public:
  explicit CardPlayout(std::shared_ptr<const StandbyCard> card) : card_(std::move(card)) {}
  // From the start of `card` (the same one, or one a court uploaded since).
  void restart(std::shared_ptr<const StandbyCard> card) {
    card_ = std::move(card);
    index_ = 0;
    loop_offset_ms_ = 0;
  }
  // Appends due packets (dts in card time from 0) to `out`.
  void due(std::int64_t elapsed_ms, std::vector<media::PacketPtr>& out);

 private:
  std::shared_ptr<const StandbyCard> card_;
  std::size_t index_ = 0;
  std::int64_t loop_offset_ms_ = 0;
};

}  // namespace courtcast::program
