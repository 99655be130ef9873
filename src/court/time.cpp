#include "court/time.hpp"

namespace courtcast::court {

namespace {

// Floor division, so instants before 1970 land on the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

}  // namespace

// Howard Hinnant's algorithms (public domain), exact over the whole range.
std::int64_t days_from_civil(int year, int month, int day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t mp = (month + 9) % 12;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

LocalDate civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
  return LocalDate{year, month, day};
}

LocalDate local_date(UtcMs t, int utc_offset_minutes) {
  const UtcMs local = t + static_cast<std::int64_t>(utc_offset_minutes) * kMsPerMinute;
  return civil_from_days(floor_div(local, kMsPerDay));
}

YearMonth local_year_month(UtcMs t, int utc_offset_minutes) {
  const LocalDate d = local_date(t, utc_offset_minutes);
  return YearMonth{d.year, d.month};
}

YearMonth next_month(YearMonth ym) {
  return ym.month == 12 ? YearMonth{ym.year + 1, 1} : YearMonth{ym.year, ym.month + 1};
}

UtcMs utc_from_local(int year, int month, int day, int hour, int minute, int utc_offset_minutes) {
  return days_from_civil(year, month, day) * kMsPerDay + hour * kMsPerHour + minute * kMsPerMinute -
         static_cast<std::int64_t>(utc_offset_minutes) * kMsPerMinute;
}

UtcMs add_months(UtcMs t, int months, int utc_offset_minutes) {
  const std::int64_t offset_ms = static_cast<std::int64_t>(utc_offset_minutes) * kMsPerMinute;
  const UtcMs local = t + offset_ms;
  const std::int64_t days = floor_div(local, kMsPerDay);
  const std::int64_t time_of_day = local - days * kMsPerDay;
  const LocalDate d = civil_from_days(days);
  const std::int64_t month_index = static_cast<std::int64_t>(d.year) * 12 + (d.month - 1) + months;
  const int year = static_cast<int>(floor_div(month_index, 12));
  const int month = static_cast<int>(month_index - static_cast<std::int64_t>(year) * 12) + 1;
  const int day = d.day < days_in_month(year, month) ? d.day : days_in_month(year, month);
  return days_from_civil(year, month, day) * kMsPerDay + time_of_day - offset_ms;
}

}  // namespace courtcast::court
