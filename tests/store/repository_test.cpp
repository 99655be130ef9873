// One suite, run against SQLite and against a real PostgreSQL.

#include "store/repository.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <ostream>
#include <thread>
#include <vector>

#include "backend.hpp"
#include "court/time.hpp"
#include "store/demo_loader.hpp"
#include "store/password.hpp"
#include "store/sql_queries.hpp"

namespace courtcast::court {

// Statistics as gtest shows them when they differ: every figure, areas to the last bit.
void PrintTo(const ActivityStats& a, std::ostream* os) {
  *os << "{steps " << a.steps << ", coercive " << a.coercive_steps << ", summoned "
      << a.people_summoned << ", detained " << a.people_detained << ", on spot "
      << a.paid_on_spot_fen << ", recovered " << a.recovered_fen << ", paid out " << a.paid_out_fen
      << ", fines " << a.fines_fen << ", area " << std::setprecision(17) << a.area_vacated_m2
      << ", referrals " << a.refusal_referrals << ", settled " << a.cases_settled << ", handled "
      << a.cases_handled << ", answered " << a.questions_answered << ", deadlines met "
      << a.deadlines_met << " missed " << a.deadlines_missed << "}";
}
void PrintTo(const PeriodStats& p, std::ostream* os) {
  *os << "{held " << p.sessions_held << "/" << p.sessions_target << ", live " << p.live_ms
      << " ms, watch " << p.audience.watch_count << ", received " << p.cases_received << ", closed "
      << p.cases_closed << ", activity ";
  PrintTo(p.activity, os);
  *os << "}";
}
void PrintTo(const MonthStats& m, std::ostream* os) {
  *os << m.month.year << "-" << m.month.month << " ";
  PrintTo(m.stats, os);
}
void PrintTo(const SessionStats& s, std::ostream* os) {
  *os << "{session " << s.session_id << ", " << s.duration_ms << " ms, activity ";
  PrintTo(s.activity, os);
  *os << "}";
}
void PrintTo(const CampaignStats& c, std::ostream* os) {
  *os << "{campaign " << c.campaign_id << ", total ";
  PrintTo(c.total, os);
  *os << ", " << c.months.size() << " months, " << c.sessions.size() << " sessions}";
}

}  // namespace courtcast::court

namespace courtcast::store {
namespace {

using court::UtcMs;

constexpr int kBeijing = 8 * 60;
UtcMs t(int hour, int minute) {
  return court::utc_from_local(2024, 8, 8, hour, minute, kBeijing);
}

const court::Settings kSettings{};

class RepositoryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = testing::make_backend(GetParam());
    url_ = backend_->fresh_url();
    repo_ = open(url_);
  }

  static std::unique_ptr<Repository> open(const std::string& url) {
    auto r = open_repository(url);
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }

  Actor by(std::string name, UtcMs at = t(8, 0)) { return Actor{std::move(name), at}; }

  // Case number n as a clerk enters it, not yet stored.
  static court::Case case_fields(int n, std::optional<court::Id> campaign_id = std::nullopt) {
    court::Case c;
    c.campaign_id = campaign_id;
    c.number = "(2024)甘0602执" + std::to_string(n) + "号";
    c.cause = "借款合同纠纷";
    c.applicants = {{"张某"}};
    c.respondents = {{"李某"}};
    c.claimed_fen = 1'000'000;
    c.filed_ms = court::utc_from_local(2024, 5, 1, 9, 0, kBeijing);
    return c;
  }

  court::Case new_case(int n, std::optional<court::Id> campaign_id = std::nullopt) {
    auto stored = repo_->create_case(case_fields(n, campaign_id), by("clerk"));
    EXPECT_TRUE(stored) << stored.error().message;
    return *stored;
  }

  // A session carrying `case_ids`, approved and live, with two cameras up since 08:00.
  court::LiveSession live_session(std::vector<court::Id> case_ids,
                                  std::optional<court::Id> campaign_id = std::nullopt) {
    court::LiveSession s;
    s.campaign_id = campaign_id;
    s.title = "直击执行现场";
    s.site = "武威市凉州区";
    s.scheduled_start_ms = t(8, 0);
    s.scheduled_end_ms = t(11, 0);
    s.case_ids = case_ids;
    s.plan.case_order = case_ids;
    s.plan.host = "孙某";
    auto created = repo_->create_session(s, by("li"));
    EXPECT_TRUE(created) << created.error().message;
    const court::Id id = created->id;
    EXPECT_TRUE(repo_->transition_session(id, SessionAction::submit, "", kSettings, by("li")));
    EXPECT_TRUE(repo_->transition_session(id, SessionAction::approve, "", kSettings, by("zhou")));
    EXPECT_TRUE(repo_->transition_session(id, SessionAction::go_live, "", kSettings, by("zhou")));
    EXPECT_TRUE(repo_->open_input_span(id, "cam-a", t(8, 0)));
    EXPECT_TRUE(repo_->open_input_span(id, "cam-b", t(8, 0)));
    return *repo_->get_session(id);
  }
  court::LiveSession live_session(court::Id case_id) {
    return live_session(std::vector<court::Id>{case_id});
  }

  court::EnforcementStep step(court::Id case_id, std::optional<court::Id> session_id,
                              court::StepType type, UtcMs start, UtcMs end) {
    court::EnforcementStep s;
    s.case_id = case_id;
    s.session_id = session_id;
    s.type = type;
    s.start_ms = start;
    s.end_ms = end;
    s.officers = {{"王某", court::OfficerRole::judge}};
    if (court::step_type_info(type).needs_deadline) {
      s.deadline =
          court::Deadline{end + 20 * court::kMsPerMinute, court::DeadlineState::open, std::nullopt};
    }
    if (court::step_type_info(type).needs_witnesses) {
      s.witnesses = {{"赵某", "武威市凉州区人民检察院"}};
    }
    return s;
  }

  std::int64_t audit_count() { return repo_->list_audit(0, 1'000'000)->size(); }

  std::unique_ptr<testing::Backend> backend_;
  std::string url_;
  std::unique_ptr<Repository> repo_;
};

TEST_P(RepositoryTest, migrations_are_applied_once_and_recorded) {
  EXPECT_EQ(*repo_->schema_version(), 10);
  repo_.reset();
  repo_ = open(url_);
  EXPECT_EQ(*repo_->schema_version(), 10);
  EXPECT_EQ(repo_->backend(), GetParam());
}

TEST_P(RepositoryTest, export_ids_are_never_reused_across_a_reopen) {
  ExportJob job;
  job.session = "12";
  job.stream = "session-12";
  job.from_utc_ms = t(9, 0);
  job.to_utc_ms = t(9, 5);
  job.case_id = 7;
  job.requested_by = "officer1";
  job.created_ms = t(10, 0);
  auto first = repo_->create_export(job);
  ASSERT_TRUE(first) << first.error().message;
  first->state = ExportState::done;
  first->finished_ms = t(10, 1);
  first->folder = "exp-1-ab";
  first->result_json = R"({"parts":[]})";
  ASSERT_TRUE(repo_->update_export(*first));
  repo_.reset();
  repo_ = open(url_);
  auto second = repo_->create_export(job);
  ASSERT_TRUE(second);
  EXPECT_GT(second->id, first->id);
  auto loaded = repo_->get_export(first->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->state, ExportState::done);
  EXPECT_EQ(loaded->case_id, std::optional<Id>(7));
  EXPECT_EQ(loaded->folder, "exp-1-ab");
  EXPECT_EQ(loaded->result_json, R"({"parts":[]})");
  EXPECT_EQ(repo_->list_exports()->size(), 2u);
  EXPECT_FALSE(repo_->get_export(second->id + 100));
}

TEST_P(RepositoryTest, campaign_round_trips_with_its_key_tasks) {
  court::Campaign c{0, "陇原风暴", t(0, 0), t(23, 0), {"涉民生案件", "打击拒执"}, 2};
  auto created = repo_->create_campaign(c, by("admin"));
  ASSERT_TRUE(created) << created.error().message;
  auto loaded = repo_->get_campaign(created->id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->name, "陇原风暴");
  EXPECT_EQ(loaded->key_tasks, c.key_tasks);
  EXPECT_EQ(loaded->target_sessions_per_month, 2);
  EXPECT_EQ(repo_->get_campaign(999).error().kind, ErrorKind::not_found);
}

TEST_P(RepositoryTest, case_is_stored_under_its_canonical_number) {
  const court::Case c = new_case(1234);
  EXPECT_EQ(c.number, "（2024）甘0602执1234号");
  auto found = repo_->find_case("(2024)甘0602执1234号");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->id, c.id);
  EXPECT_EQ(found->applicants.front().name, "张某");
  EXPECT_EQ(found->claimed_fen, 1'000'000);
}

TEST_P(RepositoryTest, duplicate_case_number_is_a_conflict) {
  new_case(7);
  court::Case again = *repo_->get_case(1);
  auto r = repo_->create_case(again, by("clerk"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::conflict);
}

TEST_P(RepositoryTest, invalid_case_number_is_refused_with_its_rule) {
  court::Case c = new_case(8);
  c.number = "甘0602执8";
  auto r = repo_->create_case(c, by("clerk"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  EXPECT_EQ(r.error().code, "invalid_case_number");
}

TEST_P(RepositoryTest, session_round_trips_with_plan_people_and_audience) {
  const court::Case c = new_case(1);
  court::LiveSession s = live_session(c.id);
  s.officers = {{"王某", court::OfficerRole::judge}, {"陈某", court::OfficerRole::judicial_police}};
  s.witnesses = {{"赵某", "检察院"}};
  s.vehicles = 4;
  ASSERT_TRUE(repo_->update_session(s, by("director")));
  // What was approved is not edited while live (court::check_session_edit).
  court::LiveSession replanned = s;
  replanned.destinations = {"抖音", "快手"};
  replanned.contingency = {{"断网", "切换备用推流"}};
  auto refused = repo_->update_session(replanned, by("director"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "session_locked_after_submission");
  ASSERT_TRUE(repo_->keep_session_delay(s.id, 25'000, by("director")));
  ASSERT_TRUE(repo_->record_audience(
      s.id, {"抖音", court::ViewKind::watch_count, 1000, court::AudienceSource::entered, t(9, 0)},
      by("host")));
  ASSERT_TRUE(repo_->record_audience(
      s.id, {"抖音", court::ViewKind::clicks, 50, court::AudienceSource::posted, t(9, 0)},
      by("host")));
  auto loaded = repo_->get_session(s.id);
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->state, court::SessionState::live);
  EXPECT_EQ(loaded->approved_by, "zhou");
  EXPECT_EQ(loaded->case_ids, std::vector<court::Id>{c.id});
  EXPECT_EQ(loaded->plan.host, "孙某");
  EXPECT_EQ(loaded->officers.size(), 2u);
  EXPECT_EQ(loaded->officers[1].role, court::OfficerRole::judicial_police);
  EXPECT_TRUE(loaded->contingency.empty());
  EXPECT_EQ(loaded->delay_ms, 25'000);
  EXPECT_EQ(loaded->scheduled_end_ms, t(11, 0));
  ASSERT_EQ(loaded->audience.size(), 2u);
  EXPECT_EQ(loaded->audience[1].kind, court::ViewKind::clicks);
  EXPECT_EQ(loaded->vehicles, 4);
}

TEST_P(RepositoryTest, a_sessions_air_format_is_kept_and_defaults_to_conform) {
  const court::Case c = new_case(1);
  court::LiveSession s;
  s.title = "直播";
  s.case_ids = {c.id};
  const court::Id plain = repo_->create_session(s, by("li"))->id;
  EXPECT_EQ(repo_->get_session(plain)->air, court::AirFormat{});
  s.air = {court::AirMode::passthrough, 640, 360, 30, 800, 96, "ultrafast"};
  const court::Id custom = repo_->create_session(s, by("li"))->id;
  EXPECT_EQ(repo_->get_session(custom)->air, s.air);
}

TEST_P(RepositoryTest, session_cannot_go_live_unapproved_or_end_twice) {
  const court::Case c = new_case(1);
  court::LiveSession s;
  s.title = "直播";
  s.case_ids = {c.id};
  s.plan = {{c.id}, "", {}, {}, "孙某", ""};
  const court::Id id = repo_->create_session(s, by("li"))->id;
  EXPECT_FALSE(repo_->get_session(id)->scheduled_end_ms);  // none given: open-ended
  auto r = repo_->transition_session(id, SessionAction::go_live, "", kSettings, by("li"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "session_needs_approval_to_go_live");
  ASSERT_TRUE(repo_->transition_session(id, SessionAction::submit, "", kSettings, by("li")));
  EXPECT_EQ(
      repo_->transition_session(id, SessionAction::approve, "", kSettings, by("li")).error().code,
      "approver_must_differ_from_submitter");
  ASSERT_TRUE(repo_->transition_session(id, SessionAction::approve, "", kSettings, by("zhou")));
  ASSERT_TRUE(repo_->transition_session(id, SessionAction::go_live, "", kSettings, by("zhou")));
  ASSERT_TRUE(
      repo_->transition_session(id, SessionAction::end, "", kSettings, by("zhou", t(11, 0))));
  EXPECT_EQ(
      repo_->transition_session(id, SessionAction::end, "", kSettings, by("zhou")).error().code,
      "session_already_ended");
  EXPECT_EQ(repo_->get_session(id)->actual_end_ms, t(11, 0));
}

TEST_P(RepositoryTest, barred_case_is_kept_off_sessions) {
  court::Case c = new_case(1);
  const court::Case other = new_case(2);
  court::LiveSession s;
  s.title = "直播";
  s.case_ids = {other.id};
  s.plan = {{other.id}, "", {}, {}, "孙某", ""};
  const court::Id id = repo_->create_session(s, by("li"))->id;

  ASSERT_TRUE(court::bar_from_broadcast(c, court::BarReason::minor, "涉及未成年人"));
  ASSERT_TRUE(repo_->update_case(c, by("judge")));
  auto r = repo_->add_case_to_session(id, c.id, by("li"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "case_barred_from_broadcast");
  EXPECT_EQ(repo_->get_session(id)->case_ids.size(), 1u);

  // Barred after approval: the session may not go live with it.
  ASSERT_TRUE(repo_->transition_session(id, SessionAction::submit, "", kSettings, by("li")));
  ASSERT_TRUE(repo_->transition_session(id, SessionAction::approve, "", kSettings, by("zhou")));
  court::Case later = *repo_->get_case(other.id);
  ASSERT_TRUE(court::bar_from_broadcast(later, court::BarReason::party_objection, "当事人异议"));
  ASSERT_TRUE(repo_->update_case(later, by("judge")));
  EXPECT_EQ(
      repo_->transition_session(id, SessionAction::go_live, "", kSettings, by("zhou")).error().code,
      "case_barred_from_broadcast");
}

TEST_P(RepositoryTest, coercive_step_without_notice_is_refused_and_nothing_is_written) {
  const court::Case c = new_case(1);
  const court::LiveSession s = live_session(c.id);
  const auto before = audit_count();
  auto r = repo_->mark_step(step(c.id, s.id, court::StepType::search, t(9, 0), t(9, 30)), kSettings,
                            by("王某"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::rule);
  EXPECT_EQ(r.error().code, "coercive_step_needs_prior_notice");
  EXPECT_TRUE(repo_->list_steps(StepFilter::of_case(c.id))->empty());
  EXPECT_EQ(audit_count(), before);
}

TEST_P(RepositoryTest, coercive_step_needs_two_inputs_live_for_the_whole_step) {
  const court::Case c = new_case(1);
  const court::LiveSession s = live_session(c.id);
  ASSERT_TRUE(repo_->mark_step(step(c.id, s.id, court::StepType::summon, t(8, 30), t(8, 31)),
                               kSettings, by("王某")));
  ASSERT_TRUE(repo_->close_input_span(s.id, "cam-b", t(9, 10)));  // phone drops out
  auto refused = repo_->mark_step(step(c.id, s.id, court::StepType::search, t(9, 0), t(9, 30)),
                                  kSettings, by("王某"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "coercive_step_needs_two_recording_inputs");

  ASSERT_TRUE(repo_->open_input_span(s.id, "cam-b", t(9, 10)));  // back without a gap
  auto marked = repo_->mark_step(step(c.id, s.id, court::StepType::search, t(9, 0), t(9, 30)),
                                 kSettings, by("王某"));
  ASSERT_TRUE(marked) << marked.error().message;
  ASSERT_TRUE(marked->recording);
  EXPECT_EQ(marked->recording->inputs, (std::vector<std::string>{"cam-a", "cam-b"}));
  auto loaded = repo_->get_step(marked->id);
  EXPECT_EQ(loaded->witnesses.front().organisation, "武威市凉州区人民检察院");
  EXPECT_EQ(loaded->recording->inputs.size(), 2u);
}

TEST_P(RepositoryTest, step_on_a_case_not_on_the_session_is_refused) {
  const court::Case c = new_case(1);
  const court::Case other = new_case(2);
  const court::LiveSession s = live_session(c.id);
  auto r = repo_->mark_step(step(other.id, s.id, court::StepType::arrival, t(9, 0), t(9, 1)),
                            kSettings, by("王某"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
}

TEST_P(RepositoryTest, step_money_moves_the_case_and_payout_never_exceeds_recovered) {
  const court::Case c = new_case(1);
  auto paid = step(c.id, std::nullopt, court::StepType::payment_on_spot, t(9, 0), t(9, 1));
  paid.amount_fen = 30'000;
  ASSERT_TRUE(repo_->mark_step(paid, kSettings, by("王某")));
  auto payout = step(c.id, std::nullopt, court::StepType::payout, t(10, 0), t(10, 1));
  payout.amount_fen = 30'001;
  EXPECT_EQ(repo_->mark_step(payout, kSettings, by("王某")).error().code,
            "payout_exceeds_recovered");
  payout.amount_fen = 30'000;
  ASSERT_TRUE(repo_->mark_step(payout, kSettings, by("王某")));
  const court::Case stored = *repo_->get_case(c.id);
  EXPECT_EQ(stored.recovered_fen, 30'000);
  EXPECT_EQ(stored.paid_out_fen, 30'000);
  EXPECT_EQ(stored.state, court::CaseState::in_progress);
}

TEST_P(RepositoryTest, deadline_is_recorded_once_and_the_case_closes_only_after) {
  const court::Case c = new_case(1);
  auto notice = step(c.id, std::nullopt, court::StepType::summon, t(8, 50), t(8, 51));
  notice.deadline->state = court::DeadlineState::met;  // a client cannot pre-record it
  const court::Id id = repo_->mark_step(notice, kSettings, by("王某"))->id;
  EXPECT_EQ(repo_->get_step(id)->deadline->state, court::DeadlineState::open);

  auto r = repo_->close_case(c.id, court::ClosureMode::fully_enforced,
                             court::EnforcementOutcome::voluntary, by("王某", t(12, 0)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "case_has_open_deadline");

  auto met = repo_->record_deadline(id, t(9, 6), by("王某", t(9, 6)));
  ASSERT_TRUE(met) << met.error().message;
  EXPECT_EQ(met->deadline->state, court::DeadlineState::met);
  EXPECT_EQ(repo_->record_deadline(id, std::nullopt, by("王某", t(23, 0))).error().code,
            "deadline_already_resolved");

  auto closed = repo_->close_case(c.id, court::ClosureMode::fully_enforced,
                                  court::EnforcementOutcome::voluntary, by("王某", t(12, 0)));
  ASSERT_TRUE(closed) << closed.error().message;
  EXPECT_EQ(repo_->get_case(c.id)->closure_mode, court::ClosureMode::fully_enforced);
  EXPECT_EQ(repo_
                ->mark_step(step(c.id, std::nullopt, court::StepType::arrival, t(13, 0), t(13, 1)),
                            kSettings, by("王某"))
                .error()
                .code,
            "step_on_closed_case");
}

TEST_P(RepositoryTest, step_edit_is_checked_again_and_keeps_the_deadline_outcome) {
  const court::Case c = new_case(1);
  auto notice = step(c.id, std::nullopt, court::StepType::summon, t(8, 50), t(8, 51));
  const court::Id id = repo_->mark_step(notice, kSettings, by("王某"))->id;
  ASSERT_TRUE(repo_->record_deadline(id, t(9, 0), by("王某", t(9, 0))));
  court::EnforcementStep edited = *repo_->get_step(id);
  edited.notes = "电话通知被执行人亲属";
  edited.deadline->state = court::DeadlineState::open;
  edited.clips = {"clip-1"};
  ASSERT_TRUE(repo_->update_step(edited, kSettings, by("王某")));
  const auto loaded = *repo_->get_step(id);
  EXPECT_EQ(loaded.notes, "电话通知被执行人亲属");
  EXPECT_EQ(loaded.clips, std::vector<std::string>{"clip-1"});
  EXPECT_EQ(loaded.deadline->state, court::DeadlineState::met);
  edited.officers.clear();
  EXPECT_EQ(repo_->update_step(edited, kSettings, by("王某")).error().code, "step_needs_officer");
}

TEST_P(RepositoryTest, data_survives_close_and_reopen) {
  const court::Case c = new_case(1);
  const court::LiveSession s = live_session(c.id);
  ASSERT_TRUE(repo_->mark_step(step(c.id, s.id, court::StepType::arrival, t(8, 45), t(8, 48)),
                               kSettings, by("王某")));
  const auto entries = audit_count();
  repo_.reset();

  repo_ = open(url_);
  EXPECT_EQ(repo_->get_case(c.id)->number, c.number);
  EXPECT_EQ(repo_->get_session(s.id)->state, court::SessionState::live);
  EXPECT_EQ(repo_->list_steps(StepFilter::of_session(s.id))->size(), 1u);
  EXPECT_EQ(repo_->list_input_spans(s.id)->size(), 2u);
  EXPECT_EQ(audit_count(), entries);
  EXPECT_TRUE(repo_->verify_audit()->ok());
}

TEST_P(RepositoryTest, two_clients_marking_steps_at_once_lose_nothing) {
  const court::Case c = new_case(1);
  constexpr int kPerClient = 60;
  // Two clients: two connections, as two server processes or two API workers would have.
  std::unique_ptr<Repository> clients[2] = {open(url_), open(url_)};
  std::vector<std::string> errors[2];
  std::vector<std::thread> threads;
  for (int client = 0; client < 2; ++client) {
    threads.emplace_back([&, client] {
      for (int i = 0; i < kPerClient; ++i) {
        auto s = step(c.id, std::nullopt, court::StepType::payment_on_spot,
                      t(9, 0) + i * 1000 + client, t(9, 0) + i * 1000 + client);
        s.amount_fen = 100;
        auto r = clients[client]->mark_step(s, kSettings, by("officer-" + std::to_string(client)));
        if (!r) errors[client].push_back(r.error().message);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_TRUE(errors[0].empty()) << errors[0].front();
  EXPECT_TRUE(errors[1].empty()) << errors[1].front();

  EXPECT_EQ(repo_->list_steps(StepFilter::of_case(c.id))->size(), 2u * kPerClient);
  EXPECT_EQ(repo_->get_case(c.id)->recovered_fen, 2 * kPerClient * 100);
  const auto audit = *repo_->verify_audit();
  EXPECT_TRUE(audit.ok()) << audit.problem;
  EXPECT_EQ(audit.entries, 1 + 2 * kPerClient);  // the case, then every step
}

// Writers that arrive together share one commit (group_commit.cpp), each in
// its own savepoint: a refused one, even after it wrote, must take nothing
// of the others with it, and they theirs nothing of it.
TEST_P(RepositoryTest, writers_sharing_a_commit_keep_their_work_apart) {
  // SQLite's writes are grouped (store/open.cpp); PostgreSQL's are not, and
  // the HTTP server sends writes to its store pool only for a grouping store.
  EXPECT_EQ(repo_->groups_writes(), repo_->backend() == "sqlite");
  const court::Case c = new_case(1);
  constexpr int kThreads = 8;
  constexpr int kEach = 20;
  std::vector<std::string> unexpected[kThreads];
  std::atomic<int> duplicates_stored{0};
  std::vector<std::thread> threads;
  for (int k = 0; k < kThreads; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < kEach; ++i) {
        if (k % 2 == 0) {
          auto s = step(c.id, std::nullopt, court::StepType::payment_on_spot,
                        t(9, 0) + k * 1000 + i, t(9, 0) + k * 1000 + i);
          s.amount_fen = 100;
          auto r = repo_->mark_step(s, kSettings, by("officer"));
          if (!r) unexpected[k].push_back(r.error().message);
        } else if (i % 2 == 0) {
          // Refused after its session row was written: the case is missing.
          court::LiveSession s;
          s.title = "不存在的案件";
          s.site = "武威市凉州区";
          s.scheduled_start_ms = t(8, 0);
          s.scheduled_end_ms = t(11, 0);
          s.case_ids = {c.id + 1000};
          s.plan.case_order = s.case_ids;
          auto r = repo_->create_session(s, by("li"));
          if (r || r.error().kind != ErrorKind::not_found)
            unexpected[k].push_back("session stored");
        } else {
          auto r = repo_->create_case(case_fields(9), by("clerk"));
          if (r) {
            ++duplicates_stored;
          } else if (r.error().kind != ErrorKind::conflict) {
            unexpected[k].push_back(r.error().message);
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& errors : unexpected) EXPECT_TRUE(errors.empty()) << errors.front();

  constexpr int kSteps = kThreads / 2 * kEach;
  EXPECT_EQ(duplicates_stored.load(), 1);
  EXPECT_EQ(repo_->list_steps(StepFilter::of_case(c.id))->size(), std::size_t{kSteps});
  EXPECT_EQ(repo_->get_case(c.id)->recovered_fen, kSteps * 100);
  EXPECT_TRUE(repo_->list_sessions(SessionFilter{})->empty());
  EXPECT_EQ(repo_->list_cases(CaseFilter{})->size(), 2u);
  const auto audit = *repo_->verify_audit();
  EXPECT_TRUE(audit.ok()) << audit.problem;
  EXPECT_EQ(audit.entries, 1 + kSteps + 1);  // the case, every step, the one duplicate
}

// SQLite's WAL is checkpointed by a thread of its own (sqlite_database.cpp),
// not in the commits: the marks' pages must still reach the database file,
// and the WAL must not grow past the length at which the writer does it.
TEST_P(RepositoryTest, the_wal_is_checkpointed_apart_and_stays_bounded) {
  if (GetParam() != "sqlite") GTEST_SKIP() << "SQLite's WAL";
  const std::filesystem::path file = url_.substr(std::string_view("sqlite:").size());
  const auto size = [](const std::filesystem::path& p) {
    std::error_code ec;
    const auto n = std::filesystem::file_size(p, ec);
    return ec ? std::uintmax_t{0} : n;
  };
  const court::Case c = new_case(1);
  const std::uintmax_t before = size(file);
  for (int i = 0; i < 800; ++i) {  // each commit writes several pages: > 1,000 in all
    auto s = step(c.id, std::nullopt, court::StepType::payment_on_spot, t(9, 0) + i, t(9, 0) + i);
    s.amount_fen = 100;
    ASSERT_TRUE(repo_->mark_step(s, kSettings, by("wang")));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (size(file) < before + 64 * 1024 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polled, not waited out
  }
  EXPECT_GE(size(file), before + 64 * 1024) << "the marks never reached the database file";
  EXPECT_LT(size(std::filesystem::path(file.string() + "-wal")), std::uintmax_t{8'200} * 4'200);
  EXPECT_EQ(repo_->list_steps(StepFilter::of_case(c.id))->size(), 800u);
}

TEST_P(RepositoryTest, marking_a_step_checks_the_notices_whatever_else_the_case_holds) {
  const court::Case c = new_case(1);
  const court::LiveSession s = live_session(c.id);
  for (int i = 0; i < 5; ++i) {
    auto paid =
        step(c.id, std::nullopt, court::StepType::payment_on_spot, t(8, 10) + i, t(8, 10) + i);
    paid.amount_fen = 100;
    ASSERT_TRUE(repo_->mark_step(paid, kSettings, by("wang")));
  }
  // A coercive step still finds the notice before it, and its open deadline.
  ASSERT_TRUE(repo_->mark_step(step(c.id, s.id, court::StepType::summon, t(9, 0), t(9, 1)),
                               kSettings, by("wang")));
  auto early = repo_->mark_step(step(c.id, s.id, court::StepType::search, t(9, 5), t(9, 30)),
                                kSettings, by("wang"));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error().code, "coercive_step_before_notice_deadline");
  EXPECT_TRUE(repo_->mark_step(step(c.id, s.id, court::StepType::search, t(9, 25), t(9, 40)),
                               kSettings, by("wang")));
}

TEST_P(RepositoryTest, a_small_campaigns_steps_are_read_by_index_among_many) {
  const court::Campaign small =
      *repo_->create_campaign(court::Campaign{0, "small", t(0, 0), t(23, 0), {}, 2}, by("admin"));
  const court::Campaign big =
      *repo_->create_campaign(court::Campaign{0, "big", t(0, 0), t(23, 0), {}, 2}, by("admin"));
  const court::Case mine = new_case(1, small.id);
  // The other campaign: 100 cases (ids one after another in a fresh database).
  const court::Id first_other = new_case(2, big.id).id;
  for (int i = 1; i < 100; ++i) ASSERT_EQ(new_case(2 + i, big.id).id, first_other + i);
  auto paid = step(mine.id, std::nullopt, court::StepType::payment_on_spot, t(9, 0), t(9, 0));
  paid.amount_fen = 100;
  ASSERT_TRUE(repo_->mark_step(paid, kSettings, by("wang")));
  // 20,000 steps of the other campaign, written behind the repository's back.
  const std::string other_id = std::to_string(first_other) + " + n % 100";
  const std::string columns =
      "INSERT INTO steps (case_id, type, start_ms, officers, witnesses, place, notes, clips, "
      "amount_fen, people_count, area_m2) ";
  const std::string values =
      other_id + ", 'arrival', 1723075200000 + n, '[]', '[]', '', '', '[]', 0, 0, 0";
  if (GetParam() == "postgresql") {
    backend_->raw_exec(url_, columns + "SELECT " + values + " FROM generate_series(1, 20000) n");
  } else {
    backend_->raw_exec(url_,
                       "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
                       "WHERE n < 20000) " +
                           columns + "SELECT " + values + " FROM g");
  }
  backend_->raw_exec(url_, "ANALYZE");
  auto stats = repo_->campaign_stats(small.id, kSettings);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->total.activity.steps, 1);
  EXPECT_EQ(repo_->campaign_stats(big.id, kSettings)->total.activity.steps, 20000);

  // On PostgreSQL by index, not by a scan of every step (SQLite walks its
  // covering index of all steps, 44 ms for 100,000: docs/performance.md).
  if (GetParam() != "postgresql") return;
  std::string sql = queries::steps_of_campaign("SELECT id FROM steps", GetParam());
  for (auto at = sql.find("$1"); at != std::string::npos; at = sql.find("$1"))
    sql.replace(at, 2, std::to_string(small.id));
  std::string plan;
  for (const auto& line : backend_->raw_query(url_, "EXPLAIN " + sql)) plan += line + "\n";
  EXPECT_EQ(plan.find("Seq Scan on steps"), std::string::npos) << plan;
  EXPECT_NE(plan.find("Index"), std::string::npos) << plan;
}

TEST_P(RepositoryTest, audit_log_is_hash_chained_and_the_database_refuses_edits) {
  ASSERT_TRUE(repo_->append_audit("program.take", R"({"input":"cam-a"})", by("director")));
  ASSERT_TRUE(repo_->append_audit("program.cut", "", by("director")));
  EXPECT_EQ(repo_->append_audit("program.take", "{not json", by("director")).error().kind,
            ErrorKind::invalid);
  const auto entries = *repo_->list_audit(0, 10);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].prev_hash, kAuditGenesisHash);
  EXPECT_EQ(entries[1].prev_hash, entries[0].hash);
  EXPECT_EQ(entries[1].details, "{}");
  EXPECT_TRUE(repo_->verify_audit()->ok());

  EXPECT_THROW(backend_->raw_exec(url_, "UPDATE audit_log SET actor = 'someone' WHERE seq = 1"),
               std::runtime_error);
  EXPECT_THROW(backend_->raw_exec(url_, "DELETE FROM audit_log WHERE seq = 2"), std::runtime_error);
  EXPECT_EQ(repo_->list_audit(0, 10)->size(), 2u);
}

// PostgreSQL appends on the server (migration 10): its hash of Chinese,
// line breaks and quotes must be audit_hash's byte for byte, both when the
// entry is read back at once and when it is queued with COMMIT (a mark).
TEST_P(RepositoryTest, audit_entries_in_any_text_hash_as_the_chain_verifies_them) {
  const auto e = repo_->append_audit("program.take", R"({"输入":"机位甲\n'二'"})", by("王法官"));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->hash, audit_hash(*e));
  const court::Case c = new_case(1);
  auto paid = step(c.id, std::nullopt, court::StepType::payment_on_spot, t(9, 0), t(9, 0));
  paid.amount_fen = 100;
  ASSERT_TRUE(repo_->mark_step(paid, kSettings, by("执行员李某")));
  const auto entries = *repo_->list_audit(0, 10);
  ASSERT_EQ(entries.size(), 3u);  // the take, the case, the mark
  EXPECT_EQ(entries[2].actor, "执行员李某");
  EXPECT_EQ(entries[2].prev_hash, entries[1].hash);
  const auto verified = *repo_->verify_audit();
  EXPECT_TRUE(verified.ok()) << verified.problem;
}

TEST_P(RepositoryTest, users_keep_roles_unique_names_and_verifiable_hashes) {
  auto hash = hash_password("correct horse");
  ASSERT_TRUE(hash);
  User u{0, "director1", Role::director, *hash, false, 0};
  auto created = repo_->create_user(u, by("admin", t(7, 0)));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->created_ms, t(7, 0));
  EXPECT_EQ(repo_->create_user(u, by("admin")).error().kind, ErrorKind::conflict);
  auto found = repo_->find_user("director1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->role, Role::director);
  EXPECT_TRUE(verify_password(found->password_hash, "correct horse"));
  EXPECT_FALSE(verify_password(found->password_hash, "wrong"));

  found->role = Role::readonly;
  found->disabled = true;
  ASSERT_TRUE(repo_->update_user(*found, by("admin")));
  EXPECT_EQ(repo_->get_user(found->id)->role, Role::readonly);
  EXPECT_TRUE(repo_->get_user(found->id)->disabled);
  EXPECT_EQ(*repo_->count_users(), 1);
  const auto audit = *repo_->list_audit(0, 10);
  for (const auto& e : audit) {
    EXPECT_EQ(e.details.find(*hash), std::string::npos) << "a password hash reached the log";
  }
}

TEST_P(RepositoryTest, the_last_enabled_admin_stays_an_enabled_admin) {
  const std::string hash = *hash_password("correct horse");
  auto first = *repo_->create_user(User{0, "admin", Role::admin, hash, false, 0}, by("system"));
  for (auto change :
       {+[](User& u) { u.role = Role::director; }, +[](User& u) { u.disabled = true; }}) {
    User edited = first;
    change(edited);
    auto refused = repo_->update_user(edited, by("admin"));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "last_admin");
    EXPECT_EQ(refused.error().kind, ErrorKind::rule);
  }
  EXPECT_EQ(repo_->get_user(first.id)->role, Role::admin);
  // A disabled second admin does not count; an enabled one does.
  auto second = *repo_->create_user(User{0, "deputy", Role::admin, hash, true, 0}, by("admin"));
  first.disabled = true;
  EXPECT_FALSE(repo_->update_user(first, by("admin")));
  second.disabled = false;
  ASSERT_TRUE(repo_->update_user(second, by("admin")));
  ASSERT_TRUE(repo_->update_user(first, by("admin")));
  second.role = Role::readonly;
  EXPECT_EQ(repo_->update_user(second, by("admin")).error().code, "last_admin");
}

TEST_P(RepositoryTest, a_new_username_follows_the_username_rule) {
  const std::string hash = *hash_password("correct horse");
  for (const char* name : {"api-token", "evil\u202Etxt", "a b"}) {
    auto refused = repo_->create_user(User{0, name, Role::readonly, hash, false, 0}, by("admin"));
    ASSERT_FALSE(refused) << name;
    EXPECT_EQ(refused.error().kind, ErrorKind::invalid);
  }
}

TEST_P(RepositoryTest, api_tokens_are_found_by_hash_and_stay_revoked) {
  const std::string hash(64, 'a');
  ApiToken tok{0, "ci", Role::officer, hash, "", 0, false};
  auto created = repo_->create_api_token(tok, by("admin", t(7, 0)));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->created_by, "admin");
  EXPECT_EQ(repo_->create_api_token(tok, by("admin")).error().kind, ErrorKind::conflict);
  auto found = repo_->find_api_token(hash);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->role, Role::officer);
  EXPECT_FALSE(found->revoked);
  EXPECT_EQ(repo_->find_api_token(std::string(64, 'b')).error().kind, ErrorKind::not_found);
  ASSERT_TRUE(repo_->revoke_api_token(created->id, by("admin")));
  EXPECT_TRUE(repo_->find_api_token(hash)->revoked);
  EXPECT_EQ(repo_->list_api_tokens()->size(), 1u);
  const auto audit = *repo_->list_audit(0, 10);
  for (const auto& e : audit) {
    EXPECT_EQ(e.details.find(hash), std::string::npos) << "a token hash reached the log";
  }
}

TEST_P(RepositoryTest, login_sessions_outlive_a_reopen_until_ended_or_expired) {
  auto hash = hash_password("correct horse");
  ASSERT_TRUE(hash);
  auto user =
      repo_->create_user(User{0, "director1", Role::director, *hash, false, 0}, by("admin"));
  ASSERT_TRUE(user);
  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  ASSERT_TRUE(repo_->create_login_session({a, user->id, "csrf-a", t(8, 0), t(8, 0), t(20, 0)}));
  ASSERT_TRUE(repo_->create_login_session({b, user->id, "csrf-b", t(8, 0), t(8, 0), t(20, 0)}));
  ASSERT_TRUE(repo_->create_login_session({c, user->id, "csrf-c", t(6, 0), t(6, 0), t(9, 0)}));
  EXPECT_EQ(repo_->create_login_session({a, user->id, "x", 1, 1, 2}).error().kind,
            ErrorKind::conflict);
  EXPECT_EQ(repo_->create_login_session({"short", user->id, "x", 1, 1, 2}).error().kind,
            ErrorKind::invalid);

  repo_.reset();
  repo_ = open(url_);
  auto found = repo_->find_login_session(a);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->user_id, user->id);
  EXPECT_EQ(found->csrf_token, "csrf-a");
  EXPECT_EQ(found->expires_ms, t(20, 0));

  ASSERT_TRUE(repo_->touch_login_session(a, t(9, 30)));
  ASSERT_TRUE(repo_->touch_login_session(a, t(9, 0)));  // an older touch does not go back
  EXPECT_EQ(repo_->find_login_session(a)->last_seen_ms, t(9, 30));

  // Idle since before 9:00, or past expiry at 9:30: b (idle) and c (both) go.
  EXPECT_EQ(*repo_->purge_login_sessions(t(9, 0), t(9, 30)), 2);
  EXPECT_TRUE(repo_->find_login_session(a));
  EXPECT_EQ(repo_->find_login_session(b).error().kind, ErrorKind::not_found);

  ASSERT_TRUE(repo_->create_login_session({b, user->id, "csrf-b", t(9, 0), t(9, 0), t(20, 0)}));
  ASSERT_TRUE(repo_->end_login_session(b));
  EXPECT_EQ(repo_->find_login_session(b).error().kind, ErrorKind::not_found);
  EXPECT_TRUE(repo_->find_login_session(a));
  ASSERT_TRUE(repo_->end_login_sessions_of(user->id));
  EXPECT_EQ(repo_->find_login_session(a).error().kind, ErrorKind::not_found);
}

TEST_P(RepositoryTest, destinations_are_replaced_as_a_set_and_keep_their_order) {
  EXPECT_TRUE(repo_->list_destinations()->empty());
  const std::vector<StoredDestination> first = {
      {"快手", "kuaishou", "rtmp://push.example/live", "ks?auth=1", "session-7", true},
      {"weibo", "weibo", "rtmps://push.example:443/live", "wb", "session-7", false}};
  ASSERT_TRUE(repo_->replace_destinations(first));
  auto listed = repo_->list_destinations();
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].name, "快手");
  EXPECT_EQ((*listed)[0].stream_key, "ks?auth=1");
  EXPECT_TRUE((*listed)[0].enabled);
  EXPECT_EQ((*listed)[1].server_url, "rtmps://push.example:443/live");
  EXPECT_FALSE((*listed)[1].enabled);
  // A removal is a smaller set; nothing of the old one stays.
  ASSERT_TRUE(repo_->replace_destinations({first[1]}));
  listed = repo_->list_destinations();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "weibo");
  ASSERT_TRUE(repo_->replace_destinations({}));
  EXPECT_TRUE(repo_->list_destinations()->empty());
}

TEST_P(RepositoryTest, demo_loads_once_and_its_statistics_match_the_report) {
  auto loaded = load_demo_if_empty(*repo_, kSettings);
  ASSERT_TRUE(loaded) << loaded.error().code << ": " << loaded.error().message;
  EXPECT_TRUE(*loaded);
  EXPECT_FALSE(*load_demo_if_empty(*repo_, kSettings));

  const auto campaigns = *repo_->list_campaigns();
  ASSERT_EQ(campaigns.size(), 1u);
  EXPECT_EQ(campaigns[0].key_tasks.size(), 12u);
  auto stats = repo_->campaign_stats(campaigns[0].id, kSettings);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(stats->total.sessions_held, 1);
  EXPECT_GT(stats->total.audience.watch_count, 900'000);
  EXPECT_EQ(stats->total.activity.coercive_steps, 3);
  EXPECT_EQ(stats->total.activity.deadlines_met, 2);
  EXPECT_EQ(stats->total.activity.cases_handled, 2);
  EXPECT_EQ(stats->total.cases_closed, 1);
  EXPECT_EQ(repo_->list_steps(StepFilter::of_campaign(campaigns[0].id))->size(), 11u);
  const auto sessions = *repo_->list_sessions(SessionFilter{campaigns[0].id});
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].state, court::SessionState::ended);
  auto session_stats = repo_->session_stats(sessions[0].id, kSettings);
  ASSERT_TRUE(session_stats);
  EXPECT_EQ(session_stats->activity.people_summoned, 2);
  EXPECT_TRUE(repo_->verify_audit()->ok());
}

// The store reads statistics from the few columns they count; computed from
// the steps loaded whole, every figure must come out the same, to the last
// bit of the summed areas.
TEST_P(RepositoryTest, statistics_from_counted_columns_equal_those_from_whole_steps) {
  ASSERT_TRUE(load_demo_if_empty(*repo_, kSettings));
  const court::Id campaign_id = repo_->list_campaigns()->front().id;

  // Two more cases of the campaign, and one of no campaign that reaches it
  // through a second session of the campaign.
  const std::vector<court::Case> cases{new_case(7001, campaign_id), new_case(7002, campaign_id),
                                       new_case(7003)};
  const court::LiveSession session =
      live_session({cases[0].id, cases[1].id, cases[2].id}, campaign_id);

  int generated = 0;  // of the campaign: the outside case's steps off air are not
  for (const court::Case& c : cases) {
    auto paid = step(c.id, std::nullopt, court::StepType::payment_on_spot, t(8, 5), t(8, 5));
    paid.amount_fen = 100'000;
    ASSERT_TRUE(repo_->mark_step(paid, kSettings, by("王某")));
    if (c.campaign_id) ++generated;
    auto notice = step(c.id, session.id, court::StepType::summon, t(8, 10), t(8, 11));
    notice.people_count = 3;
    const auto id = repo_->mark_step(notice, kSettings, by("王某"))->id;
    ASSERT_TRUE(repo_->record_deadline(id, t(8, 20), by("王某", t(8, 20))));
    ++generated;
  }
  auto unmet =
      step(cases[1].id, std::nullopt, court::StepType::order_to_perform, t(8, 12), t(8, 12));
  const auto unmet_id = repo_->mark_step(unmet, kSettings, by("王某"))->id;
  ASSERT_TRUE(repo_->record_deadline(unmet_id, std::nullopt, by("王某", t(9, 0))));
  ++generated;

  // Every kind of figure over four months, on and off air, with areas that
  // are not whole and three steps starting at each moment.
  const court::StepType types[] = {court::StepType::payment_on_spot,
                                   court::StepType::vacate_handover,
                                   court::StepType::payout,
                                   court::StepType::detention,
                                   court::StepType::fine,
                                   court::StepType::settlement,
                                   court::StepType::deduct,
                                   court::StepType::refusal_referral,
                                   court::StepType::search};
  for (int i = 0; i < 90; ++i) {
    const court::StepType type = types[i % std::size(types)];
    const court::StepTypeInfo& info = court::step_type_info(type);
    // Coercive steps need the session's two cameras; deductions are off air.
    const bool on_air = info.coercive || (type != court::StepType::deduct && i % 4 != 3);
    const UtcMs start = t(9, 0) + (i / 3) * 4 * court::kMsPerDay;
    const court::Case& c = cases[(i + i / 9) % cases.size()];  // each type on every case
    auto s = step(c.id, on_air ? std::optional(session.id) : std::nullopt, type, start,
                  start + court::kMsPerMinute);
    if (info.amount != court::AmountKind::none) s.amount_fen = 100 + i;
    s.people_count = i % 3;
    if (type == court::StepType::vacate_handover) s.area_m2 = 0.1 * i + 1.0 / 3;
    auto marked = repo_->mark_step(s, kSettings, by("王某"));
    ASSERT_TRUE(marked) << info.code << ": " << marked.error().message;
    if (on_air || c.campaign_id) ++generated;
  }

  const court::Campaign campaign = *repo_->get_campaign(campaign_id);
  const auto sessions = *repo_->list_sessions(SessionFilter{campaign_id});
  auto campaign_cases = *repo_->list_cases(CaseFilter{campaign_id});
  campaign_cases.push_back(*repo_->get_case(cases[2].id));
  const auto steps = *repo_->list_steps(StepFilter::of_campaign(campaign_id));
  const court::CampaignStats whole =
      court::compute_campaign_stats(campaign, sessions, campaign_cases, steps, kSettings);
  auto counted = repo_->campaign_stats(campaign_id, kSettings);
  ASSERT_TRUE(counted) << counted.error().message;

  EXPECT_EQ(counted->total.activity.steps, 11 + generated);
  EXPECT_GT(counted->total.activity.deadlines_missed, 0);
  EXPECT_GT(counted->total.activity.people_detained, 0);
  EXPECT_GT(counted->total.activity.area_vacated_m2, 0);
  EXPECT_GE(counted->months.size(), 4u);
  ASSERT_EQ(counted->sessions.size(), 2u);
  EXPECT_EQ(counted->total.activity, whole.total.activity);
  EXPECT_EQ(counted->total, whole.total);
  EXPECT_EQ(counted->months, whole.months);
  EXPECT_EQ(counted->sessions, whole.sessions);
  EXPECT_EQ(*counted, whole);
  for (const auto& s : sessions) {
    const auto on_session = *repo_->list_steps(StepFilter::of_session(s.id));
    EXPECT_EQ(*repo_->session_stats(s.id, kSettings),
              court::compute_session_stats(s, on_session, kSettings))
        << "session " << s.id;
  }
}

TEST_P(RepositoryTest, questions_keep_every_decision_and_count_answers_into_the_session) {
  const auto session = live_session(new_case(1).id);
  Question q;
  q.session_id = session.id;
  q.viewer = "browser-1";
  q.text = "我的电话13812345678，被执行人没钱怎么办？";
  q.masked_text = "我的电话138****5678，被执行人没钱怎么办？";
  q.normalized_key = "被执行人没钱怎么办";
  q.verdict = "accept";
  q.reason = "masked: mobile number";
  auto first = repo_->add_question(q, std::nullopt, by("viewer", t(9, 0)));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->state, QuestionState::pending);
  // The same question again is merged at once and counted on the first.
  auto again = repo_->add_question(q, first->id, by("viewer", t(9, 1)));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state, QuestionState::merged);
  EXPECT_EQ(again->merged_into, first->id);
  EXPECT_EQ(repo_->get_question(first->id)->repeats, 1);
  // Answering before approval is refused; a rejection needs its reason.
  EXPECT_FALSE(repo_->decide_question(first->id, {QuestionAction::answer, "", "会查控财产", {}},
                                      by("wang", t(9, 2))));
  auto no_reason =
      repo_->decide_question(first->id, {QuestionAction::reject, "", "", {}}, by("mod", t(9, 2)));
  ASSERT_FALSE(no_reason);
  EXPECT_EQ(no_reason.error().kind, ErrorKind::invalid);
  ASSERT_TRUE(
      repo_->decide_question(first->id, {QuestionAction::approve, "", "", {}}, by("mod", t(9, 3))));
  ASSERT_TRUE(repo_->decide_question(first->id, {QuestionAction::to_answer, "", "", {}},
                                     by("mod", t(9, 4))));
  auto answered = repo_->decide_question(
      first->id, {QuestionAction::answer, "", "法院将依法查控其财产。", {}}, by("wang", t(9, 5)));
  ASSERT_TRUE(answered) << answered.error().message;
  EXPECT_EQ(answered->state, QuestionState::answered);
  EXPECT_EQ(answered->answer, "法院将依法查控其财产。");
  EXPECT_EQ(answered->answered_ms, t(9, 5));
  EXPECT_EQ(repo_->get_session(session.id)->questions_answered, 1);
  // A merged question is decided through the one it repeats.
  EXPECT_FALSE(
      repo_->decide_question(again->id, {QuestionAction::approve, "", "", {}}, by("mod", t(9, 6))));
  const auto decisions = repo_->list_question_decisions(first->id);
  ASSERT_TRUE(decisions);
  std::vector<std::string> actions;
  for (const auto& d : *decisions) actions.push_back(d.action);
  EXPECT_EQ(actions,
            (std::vector<std::string>{"received", "repeat", "approve", "to_answer", "answer"}));
  EXPECT_EQ(decisions->back().actor, "wang");
  EXPECT_EQ(repo_->list_questions(session.id)->size(), 2u);
}

TEST_P(RepositoryTest, a_platform_message_is_queued_once) {
  const auto session = live_session(new_case(1).id);
  Question q;
  q.session_id = session.id;
  q.source = "douyin";
  q.message_id = "m-1";
  q.text = q.masked_text = q.normalized_key = "限高怎么解除";
  q.verdict = "accept";
  ASSERT_TRUE(repo_->add_question(q, std::nullopt, by("bridge")));
  auto twice = repo_->add_question(q, std::nullopt, by("bridge"));
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, "duplicate_message");
  q.source = "kuaishou";  // another platform's m-1 is another message
  EXPECT_TRUE(repo_->add_question(q, std::nullopt, by("bridge")));
}

INSTANTIATE_TEST_SUITE_P(sqlite, RepositoryTest, ::testing::Values("sqlite"),
                         [](const auto& info) { return info.param; });
INSTANTIATE_TEST_SUITE_P(postgresql, RepositoryTest, ::testing::Values("postgresql"),
                         [](const auto& info) { return info.param; });

TEST(OpenRepository, unknown_url_scheme_is_refused_with_the_accepted_forms) {
  auto r = open_repository("mysql://localhost/db");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::invalid);
  EXPECT_NE(r.error().message.find("sqlite:"), std::string::npos);
  EXPECT_NE(r.error().message.find("postgresql://"), std::string::npos);
}

}  // namespace
}  // namespace courtcast::store
