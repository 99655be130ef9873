#include "court/session.hpp"

#include <gtest/gtest.h>

#include "builders.hpp"

namespace courtcast::court {
namespace {

using testing::make_case;
using testing::make_session;
using testing::t;

// A session with a case and a plan, ready to submit.
LiveSession planned_session() {
  LiveSession s = make_session();
  Case c = make_case(1);
  EXPECT_TRUE(add_case_to_session(s, c));
  s.plan.case_order = {1};
  s.plan.host = "孙某";
  return s;
}

LiveSession approved_session() {
  LiveSession s = planned_session();
  EXPECT_TRUE(submit_session(s, "li", t(7, 0)));
  EXPECT_TRUE(approve_session(s, "zhou", t(7, 30), Settings{}));
  return s;
}

TEST(Session, goes_draft_submitted_approved_live_ended) {
  LiveSession s = planned_session();
  ASSERT_TRUE(submit_session(s, "li", t(7, 0)));
  EXPECT_EQ(s.state, SessionState::submitted);
  ASSERT_TRUE(approve_session(s, "zhou", t(7, 30), Settings{}));
  EXPECT_EQ(s.state, SessionState::approved);
  EXPECT_EQ(s.approved_by, "zhou");
  EXPECT_EQ(s.approved_ms, t(7, 30));
  ASSERT_TRUE(go_live(s, t(8, 40), Settings{}));
  EXPECT_EQ(s.state, SessionState::live);
  EXPECT_FALSE(s.training);
  ASSERT_TRUE(end_session(s, t(11, 32)));
  EXPECT_EQ(s.state, SessionState::ended);
  EXPECT_EQ(s.actual_end_ms, t(11, 32));
}

TEST(Session, unapproved_session_cannot_go_live) {
  LiveSession s = planned_session();
  auto r = go_live(s, t(8, 40), Settings{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "session_needs_approval_to_go_live");
  ASSERT_TRUE(submit_session(s, "li", t(7, 0)));
  EXPECT_EQ(go_live(s, t(8, 40), Settings{}).error().code(), "session_needs_approval_to_go_live");
  EXPECT_EQ(s.state, SessionState::submitted);
}

TEST(Session, training_setting_waives_approval_and_marks_the_session) {
  LiveSession s = make_session();
  Settings training;
  training.allow_unapproved_live = true;
  ASSERT_TRUE(go_live(s, t(8, 40), training));
  EXPECT_EQ(s.state, SessionState::live);
  EXPECT_TRUE(s.training);
}

TEST(Session, session_cannot_end_twice) {
  LiveSession s = approved_session();
  ASSERT_TRUE(go_live(s, t(8, 40), Settings{}));
  ASSERT_TRUE(end_session(s, t(11, 0)));
  auto r = end_session(s, t(11, 5));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "session_already_ended");
  EXPECT_EQ(s.actual_end_ms, t(11, 0));
  EXPECT_EQ(go_live(s, t(12, 0), Settings{}).error().code(), "session_already_ended");
}

TEST(Session, session_that_never_went_live_cannot_end) {
  LiveSession s = approved_session();
  EXPECT_EQ(end_session(s, t(11, 0)).error().code(), "session_transition_not_allowed");
}

TEST(Session, live_session_cannot_go_live_again) {
  LiveSession s = approved_session();
  ASSERT_TRUE(go_live(s, t(8, 40), Settings{}));
  EXPECT_EQ(go_live(s, t(9, 0), Settings{}).error().code(), "session_transition_not_allowed");
  EXPECT_EQ(s.actual_start_ms, t(8, 40));
}

TEST(Session, submission_needs_cases_and_a_plan) {
  LiveSession empty = make_session();
  EXPECT_EQ(submit_session(empty, "li", t(7, 0)).error().code(), "session_needs_cases_to_submit");
  LiveSession no_plan = make_session();
  ASSERT_TRUE(add_case_to_session(no_plan, make_case(1)));
  EXPECT_EQ(submit_session(no_plan, "li", t(7, 0)).error().code(), "session_needs_plan_to_submit");
}

TEST(Session, submitter_cannot_approve_their_own_plan_unless_settings_allow) {
  LiveSession s = planned_session();
  ASSERT_TRUE(submit_session(s, "li", t(7, 0)));
  EXPECT_EQ(approve_session(s, "li", t(7, 30), Settings{}).error().code(),
            "approver_must_differ_from_submitter");
  Settings one_person_court;
  one_person_court.require_distinct_approver = false;
  EXPECT_TRUE(approve_session(s, "li", t(7, 30), one_person_court));
}

TEST(Session, rejection_needs_a_reason_and_allows_resubmission) {
  LiveSession s = planned_session();
  ASSERT_TRUE(submit_session(s, "li", t(7, 0)));
  EXPECT_EQ(reject_session(s, "zhou", t(7, 10), "").error().code(), "rejection_needs_reason");
  ASSERT_TRUE(reject_session(s, "zhou", t(7, 10), "应急预案缺少断网处置"));
  EXPECT_EQ(s.state, SessionState::rejected);
  s.contingency.push_back({"断网", "切换备用推流"});
  ASSERT_TRUE(submit_session(s, "li", t(7, 20)));
  EXPECT_TRUE(s.rejection_reason.empty());
}

TEST(Session, barred_case_cannot_be_put_on_a_session) {
  LiveSession s = make_session();
  Case c = make_case(3);
  ASSERT_TRUE(bar_from_broadcast(c, BarReason::state_secret, "涉密"));
  auto r = add_case_to_session(s, c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "case_barred_from_broadcast");
  EXPECT_TRUE(s.case_ids.empty());
}

TEST(Session, cases_cannot_be_added_after_submission) {
  LiveSession s = approved_session();
  EXPECT_EQ(add_case_to_session(s, make_case(2)).error().code(), "session_locked_after_submission");
  EXPECT_TRUE(add_case_to_session(s, make_case(1)));  // already on it: nothing changes
  EXPECT_EQ(s.case_ids.size(), 1u);
}

TEST(Session, plan_case_order_must_name_session_cases) {
  LiveSession s = planned_session();
  s.plan.case_order = {1, 9};
  auto r = submit_session(s, "li", t(7, 0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), "invalid_input");
  EXPECT_NE(r.error().message.find("case 9"), std::string::npos);
}

TEST(Session, audience_keeps_view_kinds_apart_and_latest_figure_wins) {
  LiveSession s = make_session();
  ASSERT_TRUE(set_audience(s, {"抖音", ViewKind::watch_count, 100, AudienceSource::entered, 1}));
  ASSERT_TRUE(set_audience(s, {"抖音", ViewKind::clicks, 700, AudienceSource::entered, 1}));
  ASSERT_TRUE(set_audience(s, {"抖音", ViewKind::watch_count, 250, AudienceSource::posted, 2}));
  ASSERT_EQ(s.audience.size(), 2u);
  EXPECT_EQ(s.audience[0].count, 250);
  EXPECT_EQ(s.audience[1].kind, ViewKind::clicks);
  EXPECT_EQ(set_audience(s, {"", ViewKind::visits, 1}).error().code(), "invalid_input");
  EXPECT_EQ(set_audience(s, {"快手", ViewKind::visits, -1}).error().code(), "invalid_input");
}

}  // namespace
}  // namespace courtcast::court
