#pragma once
// Wall-clock time as the store, the API, the manifests and the logs write it
// (UTC milliseconds since the epoch), and as people write it (ISO 8601).

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace courtcast::base {

// Milliseconds since 1970-01-01T00:00:00Z.
std::int64_t utc_now_ms();

// How a UTC time is written.
enum class UtcFormat {
  iso_ms,       // "2024-08-04T09:30:00.250Z": manifests, the API, HLS
  iso_seconds,  // "2024-08-04T09:30:00Z"
  compact,      // "20240804T093000Z": in a file name, sortable, no separators
};

// Times before 1970 round down to the millisecond before, as the clock ran.
std::string format_utc_ms(std::int64_t utc_ms, UtcFormat format = UtcFormat::iso_ms);

// Accepts "2024-08-04T09:30:00Z", fractions of a second, "+08:00"-style
// offsets (Beijing time is how a court writes it), a space instead of "T",
// or plain milliseconds since the epoch.
Result<std::int64_t> parse_utc_ms(const std::string& text);

}  // namespace courtcast::base
