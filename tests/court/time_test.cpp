#include "court/time.hpp"

#include <gtest/gtest.h>

namespace courtcast::court {
namespace {

TEST(Time, civil_dates_round_trip_across_eras) {
  for (std::int64_t days : {-800'000LL, -1LL, 0LL, 19'943LL, 2'000'000LL}) {
    const LocalDate d = civil_from_days(days);
    EXPECT_EQ(days_from_civil(d.year, d.month, d.day), days) << days;
  }
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11'017);
}

TEST(Time, early_morning_in_beijing_belongs_to_the_local_month) {
  // 07:30 on 1 August in Beijing is still 31 July in UTC.
  const UtcMs t = utc_from_local(2024, 8, 1, 7, 30, 480);
  EXPECT_EQ(local_year_month(t, 480), (YearMonth{2024, 8}));
  EXPECT_EQ(local_year_month(t, 0), (YearMonth{2024, 7}));
}

TEST(Time, adding_months_clamps_to_the_end_of_a_shorter_month) {
  const UtcMs aug31 = utc_from_local(2023, 8, 31, 10, 0, 480);
  EXPECT_EQ(local_date(add_months(aug31, 6, 480), 480), (LocalDate{2024, 2, 29}));
  const UtcMs nov15 = utc_from_local(2024, 11, 15, 10, 0, 480);
  EXPECT_EQ(add_months(nov15, 6, 480), utc_from_local(2025, 5, 15, 10, 0, 480));
  EXPECT_EQ(add_months(nov15, -12, 480), utc_from_local(2023, 11, 15, 10, 0, 480));
}

TEST(Time, next_month_rolls_over_the_year) {
  EXPECT_EQ(next_month({2024, 12}), (YearMonth{2025, 1}));
  EXPECT_EQ(next_month({2024, 4}), (YearMonth{2024, 5}));
}

}  // namespace
}  // namespace courtcast::court
