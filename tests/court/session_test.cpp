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

// Each locked field, changed on its own, after submission, after approval
// and while live: refused with the rule, naming the field.
TEST(Session, approved_plan_site_schedule_inputs_platforms_and_cases_are_locked) {
  const std::vector<std::pair<std::string_view, void (*)(LiveSession&)>> kEdits = {
      {"plan", [](LiveSession& s) { s.plan.route = "另一条路线"; }},
      {"plan",
       [](LiveSession& s) {
         s.plan.officers.push_back({"新某", OfficerRole::clerk});
       }},
      {"site", [](LiveSession& s) { s.site = "别处"; }},
      {"scheduled_start_ms", [](LiveSession& s) { s.scheduled_start_ms += 60'000; }},
      {"scheduled_end_ms", [](LiveSession& s) { s.scheduled_end_ms.reset(); }},
      {"inputs", [](LiveSession& s) { s.inputs.push_back("cam-c"); }},
      {"destinations", [](LiveSession& s) { s.destinations.push_back("weibo"); }},
      {"contingency",
       [](LiveSession& s) {
         s.contingency.push_back({"下雨", "撑伞"});
       }},
      {"case_ids", [](LiveSession& s) { s.case_ids.push_back(9); }},
  };
  LiveSession submitted = planned_session();
  ASSERT_TRUE(submit_session(submitted, "li", t(7, 0)));
  LiveSession live = approved_session();
  ASSERT_TRUE(go_live(live, t(8, 40), Settings{}));
  for (const LiveSession& stored : {submitted, approved_session(), live}) {
    for (const auto& [field, edit] : kEdits) {
      LiveSession edited = stored;
      edit(edited);
      auto r = check_session_edit(stored, edited);
      ASSERT_FALSE(r) << field << " in " << session_state_code(stored.state);
      EXPECT_EQ(r.error().code(), "session_locked_after_submission");
      EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
    }
  }
}

TEST(Session, delay_officers_on_the_day_and_figures_stay_changeable_while_live) {
  LiveSession stored = approved_session();
  ASSERT_TRUE(go_live(stored, t(8, 40), Settings{}));
  LiveSession edited = stored;
  edited.delay_ms = 30'000;
  edited.officers.push_back({"王某", OfficerRole::judge});
  edited.vehicles = 3;
  edited.witnesses.push_back({"赵某", "检察院"});
  edited.questions_answered = 12;
  edited.title = "直击执行现场（第二场）";
  EXPECT_TRUE(check_session_edit(stored, edited));
}

TEST(Session, draft_and_rejected_sessions_are_editable) {
  LiveSession s = planned_session();
  LiveSession edited = s;
  edited.site = "别处";
  EXPECT_TRUE(check_session_edit(s, edited));
  ASSERT_TRUE(submit_session(s, "li", t(7, 0)));
  ASSERT_TRUE(reject_session(s, "zhou", t(7, 10), "路线不清"));
  edited = s;
  edited.plan.route = "清楚的路线";
  EXPECT_TRUE(check_session_edit(s, edited));
}

TEST(Session, withdrawn_approval_must_be_given_again) {
  LiveSession s = approved_session();
  ASSERT_TRUE(withdraw_session(s));
  EXPECT_EQ(s.state, SessionState::draft);
  EXPECT_TRUE(s.approved_by.empty());
  EXPECT_FALSE(s.approved_ms);
  LiveSession edited = s;
  edited.inputs = {"cam-a", "cam-b"};
  ASSERT_TRUE(check_session_edit(s, edited));
  EXPECT_EQ(go_live(edited, t(8, 40), Settings{}).error().code(),
            "session_needs_approval_to_go_live");
  ASSERT_TRUE(submit_session(edited, "li", t(7, 40)));
  ASSERT_TRUE(approve_session(edited, "zhou", t(7, 50), Settings{}));
  EXPECT_TRUE(go_live(edited, t(8, 40), Settings{}));
}

TEST(Session, only_a_submitted_or_approved_session_can_be_withdrawn) {
  LiveSession draft = planned_session();
  EXPECT_EQ(withdraw_session(draft).error().code(), "session_transition_not_allowed");
  LiveSession live = approved_session();
  ASSERT_TRUE(go_live(live, t(8, 40), Settings{}));
  EXPECT_EQ(withdraw_session(live).error().code(), "session_transition_not_allowed");
}

TEST(Session, schedule_end_is_optional) {
  LiveSession s = make_session();
  s.scheduled_end_ms.reset();
  EXPECT_TRUE(validate_session(s));
  s.scheduled_end_ms = s.scheduled_start_ms - 1;
  EXPECT_EQ(validate_session(s).error().code(), "invalid_input");
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
