#pragma once
// Time in the domain is UTC milliseconds passed in by the caller; court/ never
// reads a clock. Calendar questions (which month a session falls in, six
// months after filing) are answered in the court's local time, given as an
// offset from UTC, because a broadcast at 07:30 on 1 August in Gansu is an
// August broadcast even though it is still 31 July in UTC.

#include <compare>
#include <cstdint>

namespace courtcast::court {

using UtcMs = std::int64_t;

inline constexpr std::int64_t kMsPerSecond = 1000;
inline constexpr std::int64_t kMsPerMinute = 60 * kMsPerSecond;
inline constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
inline constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;

struct LocalDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  auto operator<=>(const LocalDate&) const = default;
};

struct YearMonth {
  int year = 1970;
  int month = 1;  // 1..12
  auto operator<=>(const YearMonth&) const = default;
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(int year, int month, int day);
LocalDate civil_from_days(std::int64_t days);

LocalDate local_date(UtcMs t, int utc_offset_minutes);
YearMonth local_year_month(UtcMs t, int utc_offset_minutes);
YearMonth next_month(YearMonth ym);

// The instant of a local wall-clock time.
UtcMs utc_from_local(int year, int month, int day, int hour, int minute, int utc_offset_minutes);

// The same local time `months` calendar months later; the day is clamped to
// the end of a shorter month (31 August + 6 months = 28/29 February).
UtcMs add_months(UtcMs t, int months, int utc_offset_minutes);

}  // namespace courtcast::court
