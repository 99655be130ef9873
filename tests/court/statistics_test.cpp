#include "court/statistics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <limits>
#include <vector>

#include "builders.hpp"

namespace courtcast::court {
namespace {

using testing::kBeijing;
using testing::make_case;
using testing::make_session;
using testing::make_step;

UtcMs at(int month, int d, int hour = 10) {
  return utc_from_local(2024, month, d, hour, 0, kBeijing);
}

Campaign campaign() {
  Campaign c;
  c.id = 1;
  c.name = "陇原风暴";
  c.start_ms = at(4, 1, 0);
  c.end_ms = utc_from_local(2025, 1, 1, 0, 0, kBeijing);
  c.target_sessions_per_month = 2;
  return c;
}

LiveSession held(Id id, UtcMs start, std::int64_t hours) {
  LiveSession s = make_session(id);
  s.state = SessionState::ended;
  s.actual_start_ms = start;
  s.actual_end_ms = start + hours * kMsPerHour;
  return s;
}

Case closed_case(Id id, UtcMs filed, UtcMs closed, EnforcementOutcome outcome, std::int64_t claimed,
                 std::int64_t recovered) {
  Case c = make_case(id);
  c.filed_ms = filed;
  c.state = CaseState::closed;
  c.closed_ms = closed;
  c.closure_mode = ClosureMode::fully_enforced;
  c.outcome = outcome;
  c.claimed_fen = claimed;
  c.recovered_fen = recovered;
  return c;
}

struct Scenario {
  std::vector<LiveSession> sessions;
  std::vector<Case> cases;
  std::vector<EnforcementStep> steps;

  Scenario() {
    LiveSession s1 = held(1, at(8, 8), 2);
    s1.case_ids = {1, 4};
    s1.questions_answered = 12;
    s1.destinations = {"抖音"};
    s1.audience = {{"抖音", ViewKind::watch_count, 100}, {"抖音", ViewKind::clicks, 50}};
    LiveSession s2 = held(2, at(8, 20), 1);
    s2.questions_answered = 3;
    s2.audience = {{"抖音", ViewKind::watch_count, 30}, {"快手", ViewKind::visits, 7}};
    LiveSession training = held(3, at(8, 25), 5);
    training.training = true;
    training.audience = {{"抖音", ViewKind::watch_count, 1'000'000}};
    LiveSession draft = make_session(4);
    sessions = {s1, s2, training, draft};

    cases = {closed_case(1, at(5, 1), at(8, 8), EnforcementOutcome::forced, 1000, 800),
             closed_case(2, at(6, 1), at(9, 1), EnforcementOutcome::none, 500, 0), make_case(3),
             closed_case(4, at(1, 5), at(8, 8), EnforcementOutcome::settled, 2000, 2000)};
    cases[1].closure_mode = ClosureMode::ended_for_now;
    cases[2].filed_ms = at(7, 1);

    auto summon = make_step(1, StepType::summon, at(8, 8, 9), at(8, 8, 9));
    summon.people_count = 2;
    summon.deadline->state = DeadlineState::met;
    auto detention = make_step(2, StepType::detention, at(8, 8, 10), at(8, 8, 10));
    auto paid = make_step(3, StepType::payment_on_spot, at(8, 8, 10), at(8, 8, 10));
    paid.amount_fen = 300;
    auto settled_a = make_step(4, StepType::settlement, at(8, 8, 11), at(8, 8, 11), 4);
    auto settled_b = make_step(5, StepType::settlement, at(8, 8, 11), at(8, 8, 11), 4);
    auto payout = make_step(6, StepType::payout, at(8, 8, 11), at(8, 8, 11));
    payout.amount_fen = 200;
    auto handover = make_step(7, StepType::vacate_handover, at(8, 8, 11), at(8, 8, 11));
    handover.area_m2 = 100;
    auto referral = make_step(8, StepType::refusal_referral, at(8, 8, 11), at(8, 8, 11));
    auto off_air = make_step(9, StepType::deduct, at(9, 3), at(9, 3), 2);
    off_air.session_id.reset();
    off_air.amount_fen = 500;
    auto on_s2 = make_step(10, StepType::arrival, at(8, 20), at(8, 20), 3);
    on_s2.session_id = 2;
    steps = {summon, detention, paid,     settled_a, settled_b,
             payout, handover,  referral, off_air,   on_s2};
  }
};

const MonthStats& month(const CampaignStats& s, int m) {
  for (const auto& ms : s.months) {
    if (ms.month == YearMonth{2024, m}) return ms;
  }
  throw std::runtime_error("no month " + std::to_string(m));
}

TEST(Statistics, session_figures_add_up_from_its_steps_and_reports) {
  Scenario sc;
  const SessionStats s = compute_session_stats(sc.sessions[0], sc.steps, Settings{});
  EXPECT_EQ(s.duration_ms, 2 * kMsPerHour);
  EXPECT_EQ(s.date, (LocalDate{2024, 8, 8}));
  EXPECT_EQ(s.activity.questions_answered, 12);
  EXPECT_EQ(s.activity.cases_handled, 2);
  EXPECT_EQ(s.activity.people_summoned, 2);
  EXPECT_EQ(s.activity.people_detained, 1);
  EXPECT_EQ(s.activity.paid_on_spot_fen, 300);
  EXPECT_EQ(s.activity.recovered_fen, 300);
  EXPECT_EQ(s.activity.paid_out_fen, 200);
  EXPECT_EQ(s.activity.cases_settled, 1);  // two settlement steps, one case
  EXPECT_DOUBLE_EQ(s.activity.area_vacated_m2, 100);
  EXPECT_EQ(s.activity.refusal_referrals, 1);
  EXPECT_EQ(s.activity.coercive_steps, 1);
  EXPECT_EQ(s.activity.deadlines_met, 1);
  EXPECT_EQ(s.activity.steps, 8);
}

TEST(Statistics, audience_is_summed_per_platform_and_kind_never_across_kinds) {
  Scenario sc;
  const CampaignStats c =
      compute_campaign_stats(campaign(), sc.sessions, sc.cases, sc.steps, Settings{});
  EXPECT_EQ(c.total.audience.watch_count, 130);  // the training session is not counted
  EXPECT_EQ(c.total.audience.clicks, 50);
  EXPECT_EQ(c.total.audience.visits, 7);
  ASSERT_EQ(c.total.audience.platforms.size(), 2u);
  EXPECT_EQ(c.total.audience.platforms[0].platform, "抖音");
  EXPECT_EQ(c.total.audience.platforms[0].watch_count, 130);
  EXPECT_EQ(c.total.audience.platforms[1].visits, 7);
}

TEST(Statistics, sessions_held_are_counted_against_the_monthly_target) {
  Scenario sc;
  const CampaignStats c =
      compute_campaign_stats(campaign(), sc.sessions, sc.cases, sc.steps, Settings{});
  EXPECT_EQ(month(c, 8).stats.sessions_held, 2);
  EXPECT_EQ(month(c, 8).stats.sessions_target, 2);
  EXPECT_EQ(month(c, 4).stats.sessions_held, 0);
  EXPECT_EQ(month(c, 4).stats.sessions_target, 2);
  EXPECT_EQ(c.total.sessions_held, 2);
  EXPECT_EQ(c.total.sessions_target, 18);  // April to December
  EXPECT_DOUBLE_EQ(c.total.hours_live(), 3.0);
  EXPECT_EQ(c.total.activity.questions_answered, 15);
  EXPECT_EQ(c.total.activity.cases_handled, 3);
  // Months come in order, including January when a case was filed before the campaign.
  EXPECT_EQ(c.months.front().month, (YearMonth{2024, 1}));
  EXPECT_EQ(c.months.front().stats.sessions_target, 0);
  EXPECT_EQ(c.months.back().month, (YearMonth{2024, 12}));
  EXPECT_EQ(c.sessions.size(), 4u);
}

TEST(Statistics, money_and_people_are_counted_in_the_month_of_the_step) {
  Scenario sc;
  const CampaignStats c =
      compute_campaign_stats(campaign(), sc.sessions, sc.cases, sc.steps, Settings{});
  EXPECT_EQ(month(c, 8).stats.activity.recovered_fen, 300);
  EXPECT_EQ(month(c, 9).stats.activity.recovered_fen, 500);  // off air
  EXPECT_EQ(c.total.activity.recovered_fen, 800);
  EXPECT_EQ(c.total.activity.paid_out_fen, 200);
  EXPECT_EQ(c.total.activity.paid_on_spot_fen, 300);
  EXPECT_EQ(c.total.activity.people_summoned, 2);
  EXPECT_EQ(c.total.activity.people_detained, 1);
  EXPECT_EQ(c.total.activity.cases_settled, 1);
  EXPECT_EQ(month(c, 8).stats.activity.cases_settled, 1);
}

TEST(Statistics, closure_enforcement_and_recovery_rates_follow_the_report_definitions) {
  Scenario sc;
  const CampaignStats c =
      compute_campaign_stats(campaign(), sc.sessions, sc.cases, sc.steps, Settings{});
  const PeriodStats& t = c.total;
  EXPECT_EQ(t.cases_received, 4);
  EXPECT_EQ(t.cases_closed, 3);
  EXPECT_DOUBLE_EQ(*t.closure_rate(), 3.0 / 4.0);
  // (forced + voluntary + settled) ÷ closed: case 2 ended for now without performance.
  EXPECT_DOUBLE_EQ(*t.actual_enforcement_rate(), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(*t.amount_recovery_rate(), 2800.0 / 3500.0);
  // Case 4 was filed in January and closed in August: past six months.
  EXPECT_EQ(t.closures_within_deadline, 2);
  EXPECT_DOUBLE_EQ(*t.closure_within_deadline_rate(), 2.0 / 3.0);
  EXPECT_EQ(month(c, 8).stats.cases_closed, 2);
  EXPECT_EQ(month(c, 9).stats.cases_closed, 1);
  EXPECT_EQ(month(c, 7).stats.cases_received, 1);
  EXPECT_FALSE(month(c, 10).stats.closure_rate());  // nothing received: no rate
}

TEST(Statistics, totals_saturate_instead_of_overflowing) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  LiveSession a = held(1, at(8, 8), 1);
  a.audience = {{"抖音", ViewKind::watch_count, kMax}, {"抖音", ViewKind::watch_count, kMax}};
  LiveSession b = held(2, at(8, 9), 1);
  b.audience = {{"快手", ViewKind::watch_count, kMax}};
  auto paid = make_step(1, StepType::payment_on_spot, at(8, 8, 10), at(8, 8, 10));
  paid.amount_fen = kMax;
  auto again = make_step(2, StepType::payment_on_spot, at(8, 9, 10), at(8, 9, 10));
  again.amount_fen = kMax;
  auto summon = make_step(3, StepType::summon, at(8, 8, 11), at(8, 8, 11));
  summon.people_count = std::numeric_limits<int>::max();
  auto summon2 = make_step(4, StepType::summon, at(8, 9, 11), at(8, 9, 11));
  summon2.people_count = std::numeric_limits<int>::max();
  std::vector<Case> cases = {
      closed_case(1, at(5, 1), at(8, 8), EnforcementOutcome::forced, kMax, kMax),
      closed_case(2, at(5, 1), at(8, 9), EnforcementOutcome::forced, kMax, kMax)};
  const std::vector<LiveSession> sessions = {a, b};
  const std::vector<EnforcementStep> steps = {paid, again, summon, summon2};
  const CampaignStats c = compute_campaign_stats(campaign(), sessions, cases, steps, Settings{});
  EXPECT_EQ(c.total.audience.watch_count, kMax);
  EXPECT_EQ(c.total.audience.platforms[0].watch_count, kMax);
  EXPECT_EQ(c.sessions[0].audience.watch_count, kMax);
  EXPECT_EQ(c.total.activity.recovered_fen, kMax);
  EXPECT_EQ(c.total.activity.paid_on_spot_fen, kMax);
  EXPECT_EQ(c.total.activity.people_summoned, std::numeric_limits<int>::max());
  EXPECT_EQ(c.total.closed_claimed_fen, kMax);
  EXPECT_EQ(c.total.closed_recovered_fen, kMax);
}

TEST(Statistics, campaign_with_100k_steps_is_computed_in_one_pass) {
  constexpr int kSessions = 200;
  constexpr int kCases = 2'000;
  constexpr int kSteps = 100'000;
  std::vector<LiveSession> sessions;
  for (int i = 1; i <= kSessions; ++i) {
    sessions.push_back(held(i, at(4 + (i % 9), 1 + (i % 28)), 3));
    sessions.back().audience = {{"抖音", ViewKind::watch_count, 1'000}};
  }
  std::vector<Case> cases;
  for (int i = 1; i <= kCases; ++i) {
    cases.push_back(i % 2 ? closed_case(i, at(4, 1), at(10, 1), EnforcementOutcome::forced, 100, 50)
                          : make_case(i));
  }
  std::vector<EnforcementStep> steps;
  steps.reserve(kSteps);
  const StepType types[] = {StepType::arrival, StepType::summon, StepType::payment_on_spot,
                            StepType::search, StepType::settlement};
  for (int i = 0; i < kSteps; ++i) {
    auto s = make_step(i + 1, types[i % 5], at(4 + (i % 9), 1 + (i % 28)),
                       at(4 + (i % 9), 1 + (i % 28)), 1 + (i % kCases));
    s.session_id = 1 + (i % kSessions);
    steps.push_back(std::move(s));
  }

  const auto started = std::chrono::steady_clock::now();
  const CampaignStats c = compute_campaign_stats(campaign(), sessions, cases, steps, Settings{});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  std::printf("campaign statistics over %d steps: %.1f ms\n", kSteps,
              std::chrono::duration<double, std::milli>(elapsed).count());

  EXPECT_EQ(c.total.activity.steps, kSteps);
  EXPECT_EQ(c.total.activity.recovered_fen, (kSteps / 5) * 1'000);
  EXPECT_EQ(c.total.activity.people_summoned, kSteps / 5);
  EXPECT_EQ(c.total.activity.coercive_steps, kSteps / 5);
  EXPECT_EQ(c.total.activity.cases_settled, kCases / 5);  // every 5th step hits 1 case in 5
  EXPECT_EQ(c.total.sessions_held, kSessions);
  EXPECT_EQ(c.total.audience.watch_count, kSessions * 1'000);
  EXPECT_EQ(c.total.cases_closed, kCases / 2);
  int month_steps = 0;
  for (const auto& m : c.months) month_steps += m.stats.activity.steps;
  EXPECT_EQ(month_steps, kSteps);
  int session_steps = 0;
  for (const auto& s : c.sessions) session_steps += s.activity.steps;
  EXPECT_EQ(session_steps, kSteps);
}

}  // namespace
}  // namespace courtcast::court
