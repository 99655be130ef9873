#pragma once
// A standby card a court uploads: FLV as is, or MP4 remuxed to FLV (stream
// copy, never re-encoded), then held to every rule a card must meet.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "media/packet.hpp"
#include "program/card.hpp"

namespace courtcast::program {

constexpr std::size_t kCardMaxBytes = 32u << 20;
constexpr std::int64_t kCardMaxDurationMs = 60'000;

// Why an upload was refused; `too_large` is told apart so HTTP can say 413.
struct CardError {
  enum class Kind { invalid, too_large, storage };
  Kind kind = Kind::invalid;
  std::string message;
};

[[noreturn]] inline void throw_exception_from_error(const CardError& e,
                                                    const boost::source_location&) {
  throw std::runtime_error(e.message);
}

template <typename T>
using CardResult = boost::system::result<T, CardError>;

enum class CardFormat { flv, mp4 };
const char* to_string(CardFormat f);
std::optional<CardFormat> card_format_from_code(std::string_view code);

struct ConvertedCard {
  CardFormat format = CardFormat::flv;  // as uploaded
  media::Bytes flv;                     // what is stored and parsed
  StandbyCard card;
};

// Recognises the upload by its content (the FLV signature, or an ISO BMFF
// box first), remuxes MP4 to FLV in memory, and checks: H.264 video and AAC
// audio both present, starts on a keyframe, 1 s to kCardMaxDurationMs long,
// at most kCardMaxBytes.
CardResult<ConvertedCard> convert_card_upload(std::span<const std::uint8_t> upload);

// The card's picture size, from its H.264 sequence header (0x0 if unreadable).
struct CardSize {
  std::uint32_t width = 0, height = 0;
};
CardSize card_size(const StandbyCard& card);

}  // namespace courtcast::program
