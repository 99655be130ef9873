#include "court/deadlines.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "builders.hpp"
#include "court/rules.hpp"

namespace courtcast::court {
namespace {

using testing::kBeijing;
using testing::make_case;
using testing::make_step;

UtcMs day(int month, int d) {
  return utc_from_local(2024, month, d, 10, 0, kBeijing);
}

bool has(const std::vector<Error>& items, std::string_view code) {
  return std::any_of(items.begin(), items.end(), [&](const auto& e) { return e.code() == code; });
}

// A case filed on 1 May 2024 (see builders.hpp) with its leads checked on time.
struct Workflow {
  Case c = make_case();
  std::vector<EnforcementStep> steps = {
      make_step(1, StepType::property_inquiry, day(5, 3), day(5, 3))};
};

TEST(WorkflowDeadlines, case_on_schedule_has_nothing_overdue) {
  Workflow w;
  EXPECT_TRUE(overdue_deadlines(w.c, w.steps, day(5, 20), Settings{}).empty());
}

TEST(WorkflowDeadlines, property_leads_not_checked_within_5_days_are_overdue) {
  Workflow w;
  w.steps.clear();
  EXPECT_FALSE(
      has(overdue_deadlines(w.c, w.steps, day(5, 5), Settings{}), "property_leads_check_overdue"));
  EXPECT_TRUE(
      has(overdue_deadlines(w.c, w.steps, day(5, 7), Settings{}), "property_leads_check_overdue"));
  w.steps = {make_step(1, StepType::property_inquiry, day(5, 9), day(5, 9))};
  EXPECT_TRUE(
      has(overdue_deadlines(w.c, w.steps, day(5, 10), Settings{}), "property_leads_check_overdue"));
  Settings relaxed;
  relaxed.property_leads_check_days = 10;
  EXPECT_FALSE(
      has(overdue_deadlines(w.c, w.steps, day(5, 10), relaxed), "property_leads_check_overdue"));
}

TEST(WorkflowDeadlines, valuation_not_started_within_30_days_of_seizure_is_overdue) {
  Workflow w;
  w.steps.push_back(make_step(2, StepType::seal, day(5, 10), day(5, 10)));
  EXPECT_FALSE(has(overdue_deadlines(w.c, w.steps, day(6, 8), Settings{}), "valuation_overdue"));
  EXPECT_TRUE(has(overdue_deadlines(w.c, w.steps, day(6, 11), Settings{}), "valuation_overdue"));
  w.steps.push_back(make_step(3, StepType::appraisal, day(6, 1), day(6, 1)));
  EXPECT_FALSE(has(overdue_deadlines(w.c, w.steps, day(6, 11), Settings{}), "valuation_overdue"));
}

TEST(WorkflowDeadlines, case_funds_not_paid_out_within_30_days_are_overdue) {
  Workflow w;
  auto recovered = make_step(2, StepType::deduct, day(6, 1), day(6, 1));
  recovered.amount_fen = 10'000;
  w.steps.push_back(recovered);
  EXPECT_FALSE(has(overdue_deadlines(w.c, w.steps, day(6, 30), Settings{}), "payout_overdue"));
  EXPECT_TRUE(has(overdue_deadlines(w.c, w.steps, day(7, 2), Settings{}), "payout_overdue"));

  auto part = make_step(3, StepType::payout, day(6, 20), day(6, 20));
  part.amount_fen = 6'000;
  w.steps.push_back(part);
  EXPECT_TRUE(has(overdue_deadlines(w.c, w.steps, day(7, 2), Settings{}), "payout_overdue"));
  auto rest = make_step(4, StepType::payout, day(6, 25), day(6, 25));
  rest.amount_fen = 4'000;
  w.steps.push_back(rest);
  EXPECT_FALSE(has(overdue_deadlines(w.c, w.steps, day(7, 2), Settings{}), "payout_overdue"));
}

TEST(WorkflowDeadlines, case_with_property_open_past_6_months_is_overdue) {
  Workflow w;
  const UtcMs due = closure_due_ms(w.c, Settings{});
  EXPECT_EQ(local_date(due, kBeijing), (LocalDate{2024, 11, 1}));
  EXPECT_FALSE(has(overdue_deadlines(w.c, w.steps, due, Settings{}), "closure_overdue"));
  EXPECT_TRUE(has(overdue_deadlines(w.c, w.steps, due + 1, Settings{}), "closure_overdue"));
  w.c.has_property = false;
  EXPECT_FALSE(has(overdue_deadlines(w.c, w.steps, due + 1, Settings{}), "closure_overdue"));
}

TEST(WorkflowDeadlines, closure_within_deadline_is_judged_by_the_closing_date) {
  Case c = make_case();
  EXPECT_FALSE(closed_within_deadline(c, Settings{}));  // not closed
  c.state = CaseState::closed;
  c.closed_ms = day(10, 31);
  EXPECT_TRUE(closed_within_deadline(c, Settings{}));
  c.closed_ms = day(11, 2);
  EXPECT_FALSE(closed_within_deadline(c, Settings{}));
  c.has_property = false;
  EXPECT_TRUE(closed_within_deadline(c, Settings{}));
}

TEST(AuctionSchedule, real_estate_needs_30_days_notice_movables_15) {
  AuctionSchedule a{PropertyKind::real_estate, day(6, 1), day(6, 20), day(6, 21)};
  auto r = check_auction_schedule(a, Settings{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "auction_notice_too_short");
  EXPECT_NE(r.error().message.find("30 days"), std::string::npos);
  a.property = PropertyKind::movables;
  EXPECT_TRUE(check_auction_schedule(a, Settings{}));
  a.bidding_start_ms = day(7, 1);
  a.bidding_end_ms = day(7, 2);
  a.property = PropertyKind::real_estate;
  EXPECT_TRUE(check_auction_schedule(a, Settings{}));
}

TEST(AuctionSchedule, bidding_shorter_than_24_hours_is_refused) {
  AuctionSchedule a{PropertyKind::movables, day(6, 1), day(6, 20), day(6, 20) + 23 * kMsPerHour};
  EXPECT_EQ(check_auction_schedule(a, Settings{}).error().code(), "auction_bidding_too_short");
}

TEST(AuctionSchedule, auction_step_without_schedule_or_with_short_notice_is_refused) {
  Case c = make_case();
  auto s = make_step(1, StepType::online_auction, day(6, 1), day(6, 1));
  EXPECT_EQ(check_step(s, c, {}, {}, Settings{}).error().code(), "invalid_input");
  s.auction = AuctionSchedule{PropertyKind::real_estate, day(6, 1), day(6, 10), day(6, 12)};
  EXPECT_EQ(check_step(s, c, {}, {}, Settings{}).error().code(), "auction_notice_too_short");
}

}  // namespace
}  // namespace courtcast::court
