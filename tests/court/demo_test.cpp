#include "court/demo.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "court/campaign.hpp"
#include "court/rules.hpp"
#include "court/statistics.hpp"

namespace courtcast::court {
namespace {

TEST(Demo, report_scenario_is_valid_domain_data) {
  DemoData d = make_demo_data();
  EXPECT_TRUE(validate_campaign(d.campaign));
  EXPECT_EQ(d.campaign.name, "陇原风暴");
  EXPECT_EQ(d.campaign.key_tasks.size(), 12u);
  EXPECT_TRUE(validate_session(d.session));
  EXPECT_EQ(local_date(*d.session.actual_start_ms, 480), (LocalDate{2024, 8, 8}));
  EXPECT_EQ(d.session.destinations.size(), 8u);
  ASSERT_EQ(d.cases.size(), 2u);
  for (auto& c : d.cases) {
    const std::string before = c.number;
    ASSERT_TRUE(validate_case(c)) << c.number;
    EXPECT_EQ(c.number, before);  // already canonical
    EXPECT_TRUE(check_broadcastable(c));
  }
  EXPECT_EQ(d.cases[0].cause, "借款合同纠纷");
  EXPECT_EQ(d.cases[1].cause, "腾退交付土地");
}

TEST(Demo, every_step_of_the_report_passes_the_rules_in_the_order_it_happened) {
  const DemoData d = make_demo_data();
  std::vector<Case> cases = d.cases;
  for (auto& c : cases) {  // replay from before the broadcast
    c.state = CaseState::in_progress;
    c.closed_ms.reset();
    c.closure_mode.reset();
  }
  std::vector<EnforcementStep> logged;
  for (const auto& step : d.steps) {
    Case& c = cases[static_cast<std::size_t>(step.case_id - 1)];
    auto r = check_step(step, c, logged, d.input_spans, Settings{});
    ASSERT_TRUE(r) << step.id << ": " << r.error().message;
    ASSERT_TRUE(apply_step_to_case(c, step));
    logged.push_back(step);
  }
  const Case& land = d.cases[1];
  EXPECT_TRUE(close_case(cases[1], *land.closure_mode, land.outcome, *land.closed_ms, logged));
}

TEST(Demo, search_and_forced_unlocking_are_witnessed_by_the_procuratorate) {
  const DemoData d = make_demo_data();
  int coercive = 0;
  for (const auto& s : d.steps) {
    if (!step_type_info(s.type).coercive) continue;
    ++coercive;
    ASSERT_FALSE(s.witnesses.empty());
    EXPECT_EQ(s.witnesses[0].organisation, "武威市凉州区人民检察院");
  }
  EXPECT_EQ(coercive, 3);  // 搜查, 强制开锁, 腾退交付
}

TEST(Demo, report_figures_come_out_of_the_statistics) {
  const DemoData d = make_demo_data();
  const CampaignStats s =
      compute_campaign_stats(d.campaign, std::span(&d.session, 1), d.cases, d.steps, Settings{});
  EXPECT_EQ(s.total.sessions_held, 1);
  EXPECT_GT(s.total.hours_live(), 2.5);  // 近3个小时
  EXPECT_LT(s.total.hours_live(), 3.0);
  EXPECT_GT(s.total.audience.watch_count, 900'000);  // 近百万网友
  EXPECT_EQ(s.total.audience.clicks, 415'000);       // kept apart from views
  EXPECT_EQ(s.total.activity.cases_handled, 2);
  EXPECT_EQ(s.total.activity.people_summoned, 2);
  EXPECT_EQ(s.total.activity.deadlines_met, 2);
  EXPECT_EQ(s.total.activity.coercive_steps, 3);
  EXPECT_EQ(s.total.cases_closed, 1);
  EXPECT_DOUBLE_EQ(*s.total.actual_enforcement_rate(), 1.0);
}

}  // namespace
}  // namespace courtcast::court
