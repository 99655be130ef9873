#include "base/clock.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

namespace courtcast::base {

std::int64_t utc_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_utc_ms(std::int64_t utc_ms, UtcFormat format) {
  const std::time_t secs =
      static_cast<std::time_t>(utc_ms >= 0 ? utc_ms / 1000 : (utc_ms - 999) / 1000);
  const int ms = static_cast<int>(utc_ms - static_cast<std::int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  const int y = tm.tm_year + 1900, mo = tm.tm_mon + 1;
  switch (format) {
    case UtcFormat::iso_ms:
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
      break;
    case UtcFormat::iso_seconds:
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, tm.tm_mday,
                    tm.tm_hour, tm.tm_min, tm.tm_sec);
      break;
    case UtcFormat::compact:
      std::snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ", y, mo, tm.tm_mday, tm.tm_hour,
                    tm.tm_min, tm.tm_sec);
      break;
  }
  return buf;
}

namespace {

// Reads exactly `width` ASCII digits at `pos` (no sign, no space: sscanf's
// %2d took "-1" and " 7" as hours, and %lf took "nan" as seconds).
std::optional<int> fixed_digits(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    v = v * 10 + (text[i] - '0');
  }
  pos += width;
  return v;
}

bool eat(std::string_view text, std::size_t& pos, std::string_view what) {
  if (text.substr(pos, what.size()) != what) return false;
  pos += what.size();
  return true;
}

}  // namespace

Result<std::int64_t> parse_utc_ms(const std::string& text) {
  const auto bad = [&] {
    return make_error("'" + text +
                      "' is not a time (want ISO 8601 such as 2024-08-04T09:30:00Z or "
                      "2024-08-04T17:30:00+08:00, or milliseconds since 1970)");
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    std::int64_t ms = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size())
      return make_error("'" + text + "' is too large for milliseconds since 1970");
    return ms;
  }
  std::size_t pos = 0;
  const auto y = fixed_digits(text, pos, 4);
  if (!y || !eat(text, pos, "-")) return bad();
  const auto mo = fixed_digits(text, pos, 2);
  if (!mo || !eat(text, pos, "-")) return bad();
  const auto d = fixed_digits(text, pos, 2);
  if (!d || !(eat(text, pos, "T") || eat(text, pos, " "))) return bad();
  const auto h = fixed_digits(text, pos, 2);
  if (!h || !eat(text, pos, ":")) return bad();
  const auto mi = fixed_digits(text, pos, 2);
  if (!mi || !eat(text, pos, ":")) return bad();
  const auto sec = fixed_digits(text, pos, 2);
  if (!sec || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *sec > 60)
    return bad();
  // A fraction of any length, rounded to the millisecond.
  std::int64_t ms = 0;
  if (eat(text, pos, ".")) {
    std::size_t digits = 0;
    std::int64_t tenths = 0;  // of a millisecond: the fraction's first four digits
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++digits)
      if (digits < 4) tenths = tenths * 10 + (text[pos] - '0');
    if (digits == 0) return bad();
    for (std::size_t i = digits; i < 4; ++i) tenths *= 10;
    ms = (tenths + 5) / 10;
  }
  std::int64_t offset_min = 0;
  const std::string_view zone = std::string_view(text).substr(pos);
  if (zone == "Z" || zone == "z") {
    offset_min = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    std::size_t at = pos + 1;
    const auto oh = fixed_digits(text, at, 2);
    ++at;  // the colon
    const auto om = fixed_digits(text, at, 2);
    if (!oh || !om || *oh > 23 || *om > 59) return bad();
    offset_min = (zone[0] == '-' ? -1 : 1) * (*oh * 60 + *om);
  } else {
    // A time without a zone would silently mean the server's zone; evidence
    // times must say which they are.
    return make_error("'" + text + "' has no time zone (end it with Z or an offset like +08:00)");
  }
  std::tm tm{};
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *sec;
  const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm));
  return secs * 1000 + ms - offset_min * 60'000;
}

}  // namespace courtcast::base
