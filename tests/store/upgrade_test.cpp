// A database made by the first schema version is brought up to today's by
// open_repository, and what it held reads back the same.
//
// The version-1 database is made by applying migration 1 alone, then
// filling its tables with the version-1 columns of a database today's code
// wrote (the report's demo: campaign, cases, a session aired, steps,
// deadlines, the audience, a closed case, users and the audit log). The
// column lists below are version 1's and never change.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "backend.hpp"
#include "store/backends.hpp"
#include "store/demo_loader.hpp"
#include "store/migrations.hpp"
#include "store/repository.hpp"

namespace courtcast::store {
namespace {

const court::Settings kSettings{};

struct V1Table {
  std::string_view name;
  std::string_view columns;
  bool identity;  // an `id` column PostgreSQL numbers by a sequence
};

// In an order that satisfies the foreign keys.
constexpr V1Table kV1Tables[] = {
    {"campaigns", "id, name, start_ms, end_ms, key_tasks, target_sessions_per_month", true},
    {"cases",
     "id, campaign_id, number, cause, handler, applicants, respondents, claimed_fen, "
     "recovered_fen, paid_out_fen, has_property, state, closure_mode, outcome, filed_ms, "
     "closed_ms, bar_reason, bar_note",
     true},
    {"sessions",
     "id, campaign_id, title, site, scheduled_start_ms, scheduled_end_ms, actual_start_ms, "
     "actual_end_ms, state, training, submitted_by, submitted_ms, approved_by, approved_ms, "
     "rejection_reason, plan, contingency, inputs, destinations, delay_ms, audience, officers, "
     "vehicles, witnesses, questions_answered",
     true},
    {"session_cases", "session_id, case_id, position", false},
    {"steps",
     "id, case_id, session_id, type, start_ms, end_ms, officers, witnesses, place, notes, "
     "deadline_due_ms, deadline_state, deadline_resolved_ms, recording, clips, amount_fen, "
     "people_count, area_m2, auction",
     true},
    {"input_spans", "id, session_id, input, start_ms, end_ms", true},
    {"users", "id, username, role, password_hash, disabled, created_ms", true},
    {"audit_log", "seq, at_ms, actor, action, details, prev_hash, hash", false},
};

std::unique_ptr<Database> open_database(const std::string& url) {
  auto db = url.starts_with("sqlite:") ? open_sqlite(url.substr(7)) : open_postgres(url);
  if (!db) throw std::runtime_error(db.error().message);
  return std::move(*db);
}

std::unique_ptr<Repository> open(const std::string& url) {
  auto r = open_repository(url);
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(*r);
}

// Copies the version-1 columns of every version-1 table from `from` into
// `to`, which has schema version 1 only.
void copy_v1_rows(Database& from, Database& to, bool postgres) {
  for (const auto& table : kV1Tables) {
    const std::string select =
        "SELECT " + std::string(table.columns) + " FROM " + std::string(table.name);
    Rows rows;
    ASSERT_TRUE(from.transact(TxMode::read, [&](SqlTx& tx) -> Result<void> {
      rows = tx.query(select);
      return {};
    }));
    const auto count = std::count(table.columns.begin(), table.columns.end(), ',') + 1;
    std::string insert =
        "INSERT INTO " + std::string(table.name) + " (" + std::string(table.columns) + ") VALUES (";
    for (int i = 1; i <= count; ++i) insert += (i > 1 ? ", $" : "$") + std::to_string(i);
    insert += ")";
    ASSERT_TRUE(to.transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
      for (const auto& row : rows) {
        std::vector<Param> params;
        for (int i = 0; i < count; ++i) {
          if (row.is_null(i))
            params.emplace_back(nullptr);
          else
            params.emplace_back(row.text(i));
        }
        tx.exec(insert, params);
      }
      // What version 1 itself would have left: the identity past every id.
      if (postgres && table.identity && !rows.empty())
        tx.query("SELECT setval(pg_get_serial_sequence('" + std::string(table.name) +
                 "', 'id'), (SELECT max(id) FROM " + std::string(table.name) + "))");
      return {};
    })) << table.name;
  }
}

class UpgradeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(UpgradeTest, a_first_version_database_is_migrated_to_today_and_keeps_its_data) {
  auto backend = testing::make_backend(GetParam());
  const bool postgres = GetParam() == "postgresql";

  // Today's database, with the demo entered through the repository.
  const std::string today_url = backend->fresh_url();
  auto today = open(today_url);
  ASSERT_TRUE(*load_demo_if_empty(*today, kSettings));

  // A version-1 database holding the same rows.
  const std::string old_url = backend->fresh_url();
  {
    auto db = open_database(old_url);
    const auto all = postgres ? postgres_migrations() : sqlite_migrations();
    ASSERT_TRUE(apply_migrations(*db, all.first(1)));
    auto source = open_database(today_url);
    copy_v1_rows(*source, *db, postgres);
  }

  // Opening it migrates it to today's version.
  auto upgraded = open(old_url);
  const auto latest = (postgres ? postgres_migrations() : sqlite_migrations()).back().version;
  EXPECT_EQ(*today->schema_version(), latest);
  EXPECT_EQ(*upgraded->schema_version(), latest);

  // Campaigns and their figures (cases, steps, money, deadlines, audience).
  auto campaigns = upgraded->list_campaigns();
  ASSERT_TRUE(campaigns);
  ASSERT_EQ(campaigns->size(), today->list_campaigns()->size());
  ASSERT_FALSE(campaigns->empty());
  for (const auto& c : *campaigns) {
    EXPECT_EQ(c.name, today->get_campaign(c.id)->name);
    auto figures = upgraded->campaign_stats(c.id, kSettings);
    ASSERT_TRUE(figures) << figures.error().message;
    EXPECT_EQ(*figures, *today->campaign_stats(c.id, kSettings));
  }

  auto cases = upgraded->list_cases({});
  ASSERT_TRUE(cases);
  ASSERT_EQ(cases->size(), today->list_cases({})->size());
  for (const auto& c : *cases) {
    const auto was = *today->get_case(c.id);
    EXPECT_EQ(c.number, was.number);
    EXPECT_EQ(c.state, was.state);
    EXPECT_EQ(c.recovered_fen, was.recovered_fen);
    EXPECT_EQ(c.paid_out_fen, was.paid_out_fen);
    EXPECT_EQ(c.closed_ms, was.closed_ms);
  }

  auto sessions = upgraded->list_sessions({});
  ASSERT_TRUE(sessions);
  ASSERT_EQ(sessions->size(), today->list_sessions({})->size());
  for (const auto& s : *sessions) {
    const auto was = *today->get_session(s.id);
    EXPECT_EQ(s.title, was.title);
    EXPECT_EQ(s.state, was.state);
    EXPECT_EQ(s.inputs, was.inputs);
    EXPECT_EQ(s.plan, was.plan);
    EXPECT_EQ(s.case_ids, was.case_ids);
    EXPECT_EQ(s.actual_start_ms, was.actual_start_ms);
    EXPECT_EQ(*upgraded->session_stats(s.id, kSettings), *today->session_stats(s.id, kSettings));
    const auto steps = *upgraded->list_steps(StepFilter::of_session(s.id));
    const auto steps_were = *today->list_steps(StepFilter::of_session(s.id));
    ASSERT_EQ(steps.size(), steps_were.size());
    ASSERT_FALSE(steps.empty());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      EXPECT_EQ(steps[i].id, steps_were[i].id);
      EXPECT_EQ(steps[i].type, steps_were[i].type);
      EXPECT_EQ(steps[i].notes, steps_were[i].notes);
      EXPECT_EQ(steps[i].amount_fen, steps_were[i].amount_fen);
    }
  }

  auto users = upgraded->list_users();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), today->list_users()->size());
  for (const auto& u : *users) {
    const auto was = *today->get_user(u.id);
    EXPECT_EQ(u.username, was.username);
    EXPECT_EQ(u.password_hash, was.password_hash);
    EXPECT_EQ(u.role, was.role);
  }

  // The audit chain is the same chain and still verifies.
  const auto log = *upgraded->list_audit(0, 100000);
  const auto log_was = *today->list_audit(0, 100000);
  ASSERT_EQ(log.size(), log_was.size());
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().hash, log_was.back().hash);
  const auto verified = upgraded->verify_audit();
  ASSERT_TRUE(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem;
  EXPECT_EQ(verified->entries, static_cast<std::int64_t>(log.size()));

  // And it takes new writes in today's columns.
  court::Case c;
  c.number = "(2024)甘0602执999号";
  c.cause = "借款合同纠纷";
  c.applicants = {{"张某"}};
  c.respondents = {{"李某"}};
  c.claimed_fen = 1'000;
  c.filed_ms = log.back().at_ms;
  auto added = upgraded->create_case(c, Actor{"clerk", log.back().at_ms});
  ASSERT_TRUE(added) << added.error().message;
  auto s = (*sessions)[0];
  s.public_description = "升级之后";
  auto updated = upgraded->update_session(s, Actor{"clerk", log.back().at_ms});
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_EQ(upgraded->get_session(s.id)->public_description, "升级之后");
  EXPECT_TRUE(upgraded->verify_audit()->ok());
}

INSTANTIATE_TEST_SUITE_P(sqlite, UpgradeTest, ::testing::Values("sqlite"),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(postgresql, UpgradeTest, ::testing::Values("postgresql"),
                         [](const auto&) { return std::string("postgresql"); });

}  // namespace
}  // namespace courtcast::store
