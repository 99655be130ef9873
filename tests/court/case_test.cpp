#include "court/case.hpp"

#include <gtest/gtest.h>

#include "builders.hpp"
#include "court/rules.hpp"

namespace courtcast::court {
namespace {

using testing::make_case;
using testing::make_step;
using testing::t;

TEST(Case, validation_stores_the_canonical_case_number) {
  Case c = make_case();
  c.number = "(2024)甘0602执77号";
  ASSERT_TRUE(validate_case(c));
  EXPECT_EQ(c.number, "（2024）甘0602执77号");
}

TEST(Case, invalid_case_number_is_refused) {
  Case c = make_case();
  c.number = "甘0602执77";
  auto r = validate_case(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "invalid_case_number");
}

TEST(Case, case_without_applicant_or_respondent_is_refused) {
  Case c = make_case();
  c.respondents.clear();
  auto r = validate_case(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "case_needs_applicant_and_respondent");
}

TEST(Case, negative_amounts_are_refused) {
  Case c = make_case();
  c.claimed_fen = -1;
  EXPECT_EQ(validate_case(c).error().code(), "invalid_input");
}

TEST(Case, stored_payout_above_recovered_is_refused) {
  Case c = make_case();
  c.recovered_fen = 100;
  c.paid_out_fen = 101;
  EXPECT_EQ(validate_case(c).error().code(), "payout_exceeds_recovered");
}

TEST(Case, closed_case_needs_its_closure_mode_and_date) {
  Case c = make_case();
  c.state = CaseState::closed;
  EXPECT_EQ(validate_case(c).error().code(), "invalid_input");
  c.closure_mode = ClosureMode::fully_enforced;
  c.closed_ms = t(12, 0);
  EXPECT_TRUE(validate_case(c));
  c.state = CaseState::in_progress;
  EXPECT_EQ(validate_case(c).error().code(), "invalid_input");
}

TEST(Case, a_minor_party_bars_the_case_from_broadcast) {
  Case c = make_case();
  c.respondents.push_back({"李小某", PartyKind::person, true});
  ASSERT_TRUE(validate_case(c));
  ASSERT_TRUE(c.broadcast_bar);
  EXPECT_EQ(c.broadcast_bar->reason, BarReason::minor);
  EXPECT_EQ(check_broadcastable(c).error().code(), "case_barred_from_broadcast");
}

TEST(Case, bar_for_another_reason_needs_an_explanation) {
  Case c = make_case();
  EXPECT_EQ(bar_from_broadcast(c, BarReason::other, "").error().code(),
            "broadcast_bar_needs_reason");
  EXPECT_TRUE(check_broadcastable(c));
  ASSERT_TRUE(bar_from_broadcast(c, BarReason::party_objection, "被执行人以隐私为由提出异议"));
  auto r = check_broadcastable(c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("party_objection"), std::string::npos);
}

TEST(CaseClosure, case_cannot_close_while_a_deadline_is_open) {
  Case c = make_case();
  const EnforcementStep notice = make_step(7, StepType::summon, t(9, 0), t(9, 1));
  auto r = close_case(c, ClosureMode::fully_enforced, EnforcementOutcome::voluntary, t(12, 0),
                      std::span(&notice, 1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "case_has_open_deadline");
  EXPECT_NE(r.error().message.find("通知到场 step 7"), std::string::npos);
  EXPECT_EQ(c.state, CaseState::in_progress);
}

TEST(CaseClosure, case_closes_once_every_deadline_is_recorded) {
  Case c = make_case();
  EnforcementStep notice = make_step(7, StepType::summon, t(9, 0), t(9, 1));
  ASSERT_TRUE(record_deadline_met(notice, t(9, 10)));
  ASSERT_TRUE(close_case(c, ClosureMode::ended_for_now, EnforcementOutcome::none, t(12, 0),
                         std::span(&notice, 1)));
  EXPECT_EQ(c.state, CaseState::closed);
  EXPECT_EQ(c.closure_mode, ClosureMode::ended_for_now);
  EXPECT_EQ(c.closed_ms, t(12, 0));
}

TEST(CaseClosure, closed_case_cannot_close_again) {
  Case c = make_case();
  ASSERT_TRUE(close_case(c, ClosureMode::withdrawn, EnforcementOutcome::none, t(12, 0), {}));
  EXPECT_EQ(
      close_case(c, ClosureMode::withdrawn, EnforcementOutcome::none, t(13, 0), {}).error().code(),
      "case_already_closed");
}

TEST(CaseClosure, every_closure_mode_has_its_chinese_name_and_code) {
  const std::pair<ClosureMode, const char*> modes[] = {
      {ClosureMode::fully_enforced, "执行完毕"}, {ClosureMode::ended_for_now, "终结本次执行程序"},
      {ClosureMode::terminated, "终结执行"},     {ClosureMode::withdrawn, "销案"},
      {ClosureMode::not_enforced, "不予执行"},   {ClosureMode::application_rejected, "驳回申请"}};
  for (const auto& [mode, name] : modes) {
    EXPECT_EQ(closure_mode_name_zh(mode), name);
    EXPECT_EQ(closure_mode_from_code(name), mode);
    EXPECT_EQ(closure_mode_from_code(closure_mode_code(mode)), mode);
  }
}

}  // namespace
}  // namespace courtcast::court
