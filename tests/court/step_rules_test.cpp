#include <gtest/gtest.h>

#include <vector>

#include "builders.hpp"
#include "court/rules.hpp"

namespace courtcast::court {
namespace {

using testing::make_case;
using testing::make_step;
using testing::t;

// Two cameras live all morning.
const std::vector<InputSpan> kTwoCameras = {{"cam-a", t(8, 0), t(12, 0)},
                                            {"cam-b", t(8, 0), t(12, 0)}};

class CoerciveStep : public ::testing::Test {
 protected:
  Case case_ = make_case();
  std::vector<EnforcementStep> prior_ = {make_step(1, StepType::summon, t(9, 0), t(9, 5))};
  EnforcementStep search_ = make_step(2, StepType::search, t(9, 30), t(10, 0));

  Result<void> check(const std::vector<InputSpan>& spans = kTwoCameras) {
    return check_step(search_, case_, prior_, spans, Settings{});
  }
};

TEST_F(CoerciveStep, with_notice_witness_and_two_recorders_is_allowed) {
  EXPECT_TRUE(check());
}

TEST_F(CoerciveStep, coercive_step_without_prior_notice_is_refused) {
  prior_.clear();
  auto r = check();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "coercive_step_needs_prior_notice");
  EXPECT_NE(r.error().message.find("通知到场"), std::string::npos);
}

TEST_F(CoerciveStep, notice_logged_after_the_coercive_step_does_not_count) {
  prior_ = {make_step(1, StepType::summon, t(10, 30), t(10, 35))};
  EXPECT_EQ(check().error().code(), "coercive_step_needs_prior_notice");
}

TEST_F(CoerciveStep, notice_on_another_case_does_not_count) {
  prior_ = {make_step(1, StepType::summon, t(9, 0), t(9, 5), /*case_id=*/2)};
  EXPECT_EQ(check().error().code(), "coercive_step_needs_prior_notice");
}

// The summon of the fixture ends at 9:05 with 20 minutes to appear: due 9:25.
TEST_F(CoerciveStep, coercive_step_while_the_notice_deadline_is_open_is_refused) {
  search_.start_ms = t(9, 10);  // 强制开锁 15 minutes before the party's time is up
  search_.type = StepType::forced_unlock;
  auto r = check();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "coercive_step_before_notice_deadline");
  EXPECT_NE(r.error().message.find("15 min left"), std::string::npos) << r.error().message;
}

TEST_F(CoerciveStep, coercive_step_after_the_deadline_is_marked_met_is_allowed) {
  search_.start_ms = t(9, 12);
  ASSERT_TRUE(record_deadline_met(prior_[0], t(9, 11)));  // the respondent came
  EXPECT_TRUE(check());
}

TEST_F(CoerciveStep, coercive_step_before_the_deadline_was_marked_met_is_still_refused) {
  search_.start_ms = t(9, 8);
  ASSERT_TRUE(record_deadline_met(prior_[0], t(9, 11)));
  EXPECT_EQ(check().error().code(), "coercive_step_before_notice_deadline");
}

TEST_F(CoerciveStep, coercive_step_once_the_deadline_has_passed_is_allowed) {
  // Still open (nobody recorded it), but the step starts after it is due.
  search_.start_ms = t(9, 25);
  EXPECT_TRUE(check());
  search_.start_ms = t(9, 25) - 1;
  EXPECT_EQ(check().error().code(), "coercive_step_before_notice_deadline");
}

TEST_F(CoerciveStep, coercive_step_without_witness_is_refused) {
  search_.witnesses.clear();
  auto r = check();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "coercive_step_needs_witness");
}

TEST_F(CoerciveStep, coercive_step_with_one_recorder_is_refused) {
  auto r = check({{"cam-a", t(8, 0), t(12, 0)}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "coercive_step_needs_two_recording_inputs");
  EXPECT_NE(r.error().message.find("but only 1 was"), std::string::npos);
}

TEST_F(CoerciveStep, recorder_that_dropped_out_during_the_step_does_not_count) {
  auto r = check(
      {{"cam-a", t(8, 0), t(12, 0)}, {"cam-b", t(8, 0), t(9, 40)}, {"cam-b", t(9, 45), t(12, 0)}});
  EXPECT_EQ(r.error().code(), "coercive_step_needs_two_recording_inputs");
}

TEST_F(CoerciveStep, recorder_that_reconnected_without_a_gap_counts) {
  EXPECT_TRUE(check({{"cam-a", t(8, 0), t(12, 0)},
                     {"cam-b", t(8, 0), t(9, 40)},
                     {"cam-b", t(9, 40), std::nullopt}}));  // still live
}

TEST_F(CoerciveStep, recorder_started_after_the_step_began_does_not_count) {
  EXPECT_EQ(check({{"cam-a", t(8, 0), t(12, 0)}, {"cam-b", t(9, 31), t(12, 0)}}).error().code(),
            "coercive_step_needs_two_recording_inputs");
}

TEST_F(CoerciveStep, off_air_step_counts_the_recording_devices_declared) {
  search_.session_id.reset();
  search_.recording = RecordingRange{t(9, 30), t(10, 0), {"执法记录仪-1"}};
  EXPECT_EQ(check({}).error().code(), "coercive_step_needs_two_recording_inputs");
  search_.recording->inputs.push_back("执法记录仪-2");
  EXPECT_TRUE(check({}));
}

TEST_F(CoerciveStep, minimum_recorders_and_witnesses_are_settings) {
  Settings strict;
  strict.coercive_min_witnesses = 2;
  EXPECT_EQ(check_step(search_, case_, prior_, kTwoCameras, strict).error().code(),
            "coercive_step_needs_witness");
  Settings lenient;
  lenient.coercive_min_recording_inputs = 1;
  EXPECT_TRUE(check_step(search_, case_, prior_, {{{"cam-a", t(8, 0), t(12, 0)}}}, lenient));
}

TEST(StepCatalogue, coercive_types_are_the_ones_the_rules_name) {
  for (const auto& info : step_catalogue()) {
    const bool expected = info.type == StepType::search || info.type == StepType::seal ||
                          info.type == StepType::seize || info.type == StepType::freeze ||
                          info.type == StepType::forced_unlock ||
                          info.type == StepType::vacate_handover;
    EXPECT_EQ(info.coercive, expected) << info.code;
    EXPECT_EQ(step_type_from_code(info.code), info.type);
    EXPECT_EQ(step_type_from_code(info.name_zh), info.type);
  }
  EXPECT_TRUE(step_type_info(StepType::summon).needs_deadline);
  EXPECT_TRUE(step_type_info(StepType::forced_unlock).needs_witnesses);
  EXPECT_FALSE(step_type_from_code("teleport"));
}

TEST(StepRules, step_without_officer_is_refused) {
  EnforcementStep s = make_step(1, StepType::arrival, t(9, 0), t(9, 1));
  s.officers.clear();
  EXPECT_EQ(check_step(s, make_case(), {}, {}, Settings{}).error().code(), "step_needs_officer");
}

TEST(StepRules, step_ending_before_it_starts_is_refused) {
  EnforcementStep s = make_step(1, StepType::arrival, t(9, 0), t(8, 59));
  EXPECT_EQ(check_step(s, make_case(), {}, {}, Settings{}).error().code(),
            "step_ends_before_it_starts");
}

TEST(StepRules, notice_to_appear_needs_a_deadline) {
  EnforcementStep s = make_step(1, StepType::summon, t(9, 0), t(9, 1));
  s.deadline.reset();
  EXPECT_EQ(check_step(s, make_case(), {}, {}, Settings{}).error().code(),
            "notice_step_needs_deadline");
}

TEST(StepRules, step_on_a_closed_case_is_refused) {
  Case c = make_case();
  c.state = CaseState::closed;
  EnforcementStep s = make_step(1, StepType::arrival, t(9, 0), t(9, 1));
  EXPECT_EQ(check_step(s, c, {}, {}, Settings{}).error().code(), "step_on_closed_case");
}

TEST(StepRules, money_steps_need_an_amount) {
  EnforcementStep s = make_step(1, StepType::payment_on_spot, t(9, 0), t(9, 1));
  s.amount_fen = 0;
  EXPECT_EQ(check_step(s, make_case(), {}, {}, Settings{}).error().code(), "step_needs_amount");
}

TEST(StepRules, payout_never_exceeds_recovered) {
  Case c = make_case();
  EnforcementStep paid = make_step(1, StepType::payment_on_spot, t(9, 0), t(9, 1));
  paid.amount_fen = 5'000;
  ASSERT_TRUE(check_step(paid, c, {}, {}, Settings{}));
  ASSERT_TRUE(apply_step_to_case(c, paid));
  EXPECT_EQ(c.recovered_fen, 5'000);

  EnforcementStep payout = make_step(2, StepType::payout, t(10, 0), t(10, 1));
  payout.amount_fen = 5'001;
  auto r = check_step(payout, c, {}, {}, Settings{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "payout_exceeds_recovered");
  EXPECT_EQ(apply_step_to_case(c, payout).error().code(), "payout_exceeds_recovered");
  EXPECT_EQ(c.paid_out_fen, 0);

  payout.amount_fen = 5'000;
  ASSERT_TRUE(check_step(payout, c, {}, {}, Settings{}));
  ASSERT_TRUE(apply_step_to_case(c, payout));
  EXPECT_EQ(c.paid_out_fen, 5'000);
  // Removing the recovery now would leave more paid out than recovered.
  EXPECT_EQ(unapply_step_from_case(c, paid).error().code(), "payout_exceeds_recovered");
  ASSERT_TRUE(unapply_step_from_case(c, payout));
  ASSERT_TRUE(unapply_step_from_case(c, paid));
  EXPECT_EQ(c.recovered_fen, 0);
}

TEST(StepRules, first_step_moves_a_filed_case_in_progress) {
  Case c = make_case();
  c.state = CaseState::filed;
  ASSERT_TRUE(apply_step_to_case(c, make_step(1, StepType::arrival, t(9, 0), t(9, 1))));
  EXPECT_EQ(c.state, CaseState::in_progress);
}

TEST(Deadline, appearance_within_the_deadline_is_recorded_as_met) {
  EnforcementStep s = make_step(1, StepType::summon, t(8, 50), t(8, 51));
  s.deadline = Deadline{t(9, 10), DeadlineState::open, std::nullopt};
  ASSERT_TRUE(record_deadline_met(s, t(9, 6)));
  EXPECT_EQ(s.deadline->state, DeadlineState::met);
  EXPECT_EQ(s.deadline->resolved_ms, t(9, 6));
  EXPECT_FALSE(deadline_open(s));
}

TEST(Deadline, late_appearance_is_recorded_as_missed) {
  EnforcementStep s = make_step(1, StepType::summon, t(8, 50), t(8, 51));
  s.deadline = Deadline{t(9, 10), DeadlineState::open, std::nullopt};
  ASSERT_TRUE(record_deadline_met(s, t(9, 11)));
  EXPECT_EQ(s.deadline->state, DeadlineState::missed);
}

TEST(Deadline, missed_can_be_recorded_only_after_the_deadline_passes) {
  EnforcementStep s = make_step(1, StepType::summon, t(8, 50), t(8, 51));
  s.deadline = Deadline{t(9, 10), DeadlineState::open, std::nullopt};
  auto early = record_deadline_missed(s, t(9, 5));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code(), "deadline_not_yet_passed");
  EXPECT_NE(early.error().message.find("300 s left"), std::string::npos);
  ASSERT_TRUE(record_deadline_missed(s, t(9, 11)));
  EXPECT_EQ(s.deadline->state, DeadlineState::missed);
}

TEST(Deadline, outcome_is_recorded_once) {
  EnforcementStep s = make_step(1, StepType::summon, t(8, 50), t(8, 51));
  ASSERT_TRUE(record_deadline_met(s, t(8, 55)));
  EXPECT_EQ(record_deadline_met(s, t(8, 56)).error().code(), "deadline_already_resolved");
  EXPECT_EQ(record_deadline_missed(s, t(23, 0)).error().code(), "deadline_already_resolved");
  EnforcementStep plain = make_step(2, StepType::arrival, t(8, 50), t(8, 51));
  EXPECT_EQ(record_deadline_met(plain, t(8, 55)).error().code(), "step_has_no_deadline");
}

TEST(RecordingCover, overlapping_and_open_spans_join_up) {
  const std::vector<InputSpan> spans = {{"a", t(8, 0), t(9, 0)},
                                        {"a", t(8, 30), t(10, 0)},
                                        {"b", t(9, 0), std::nullopt},
                                        {"c", t(8, 0), t(9, 15)},
                                        {"c", t(9, 16), t(11, 0)}};
  EXPECT_EQ(covering_inputs(spans, t(8, 45), t(9, 30)), (std::vector<std::string>{"a"}));
  EXPECT_EQ(covering_inputs(spans, t(9, 20), t(9, 50)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(covering_inputs(spans, t(7, 0), t(7, 30)).empty());
}

}  // namespace
}  // namespace courtcast::court
