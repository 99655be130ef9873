#pragma once
// Wall-clock times as the manifest stores them (UTC milliseconds since the
// epoch) and as people write them (ISO 8601).

#include <cstdint>
#include <string>

#include "media/result.hpp"

namespace courtcast::record {

// "2024-08-04T09:30:00.250Z"
std::string format_utc_ms(std::int64_t utc_ms);

// Accepts "2024-08-04T09:30:00Z", fractions of a second, "+08:00"-style
// offsets (Beijing time is how a court writes it), a space instead of "T",
// or plain milliseconds since the epoch.
media::Result<std::int64_t> parse_utc_ms(const std::string& text);

}  // namespace courtcast::record
