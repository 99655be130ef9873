#include "base/clock.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

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

Result<std::int64_t> parse_utc_ms(const std::string& text) {
  const auto bad = [&] {
    return make_error("'" + text +
                      "' is not a time (want ISO 8601 such as 2024-08-04T09:30:00Z or "
                      "2024-08-04T17:30:00+08:00, or milliseconds since 1970)");
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
    return static_cast<std::int64_t>(std::stoll(text));
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, n = 0;
  double sec = 0;
  char sep = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%lf%n", &y, &mo, &d, &sep, &h, &mi, &sec,
                  &n) != 7 ||
      (sep != 'T' && sep != ' ') || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
      sec < 0 || sec >= 61)
    return bad();
  std::int64_t offset_min = 0;
  const std::string zone = text.substr(static_cast<std::size_t>(n));
  if (zone == "Z" || zone == "z") {
    offset_min = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(zone.c_str() + 1, "%2d:%2d", &oh, &om) != 2) return bad();
    offset_min = (zone[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    // A time without a zone would silently mean the server's zone; evidence
    // times must say which they are.
    return make_error("'" + text + "' has no time zone (end it with Z or an offset like +08:00)");
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm));
  return secs * 1000 + static_cast<std::int64_t>(sec * 1000 + 0.5) - offset_min * 60'000;
}

}  // namespace courtcast::base
