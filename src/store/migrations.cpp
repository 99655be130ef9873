#include "store/migrations.hpp"

#include <set>

#include "base/clock.hpp"

namespace courtcast::store {

Result<void> apply_migrations(Database& db, std::span<const Migration> migrations) {
  return db.transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.lock("schema_migrations");
    tx.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_ms BIGINT NOT NULL)");
    std::set<std::int64_t> applied;
    for (const auto& r : tx.query("SELECT version FROM schema_migrations")) {
      applied.insert(r.int64(0));
    }
    const std::int64_t now_ms = base::utc_now_ms();
    for (const auto& m : migrations) {
      if (applied.count(m.version)) continue;
      tx.exec_script(m.sql);
      tx.exec("INSERT INTO schema_migrations (version, name, applied_ms) VALUES ($1, $2, $3)",
              {std::int64_t{m.version}, std::string(m.name), now_ms});
    }
    if (!applied.empty() && *applied.rbegin() > migrations.back().version) {
      return fail(ErrorKind::database, "schema_too_new",
                  "the database has schema version " + std::to_string(*applied.rbegin()) +
                      " but this courtcast knows only up to " +
                      std::to_string(migrations.back().version) + "; run a newer courtcast");
    }
    return {};
  });
}

namespace {

// Version 1 in SQLite's dialect. Flags are 0/1 integers and money is fen in
// 64-bit integers in both backends, so rows read back the same.
constexpr std::string_view kSqliteV1 = R"sql(
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER NOT NULL,
  key_tasks TEXT NOT NULL,
  target_sessions_per_month INTEGER NOT NULL
);
CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER REFERENCES campaigns(id),
  number TEXT NOT NULL UNIQUE,
  cause TEXT NOT NULL,
  handler TEXT NOT NULL,
  applicants TEXT NOT NULL,
  respondents TEXT NOT NULL,
  claimed_fen INTEGER NOT NULL,
  recovered_fen INTEGER NOT NULL,
  paid_out_fen INTEGER NOT NULL CHECK (paid_out_fen <= recovered_fen),
  has_property INTEGER NOT NULL,
  state TEXT NOT NULL,
  closure_mode TEXT,
  outcome TEXT NOT NULL,
  filed_ms INTEGER NOT NULL,
  closed_ms INTEGER,
  bar_reason TEXT,
  bar_note TEXT
);
CREATE INDEX cases_campaign ON cases(campaign_id);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  campaign_id INTEGER REFERENCES campaigns(id),
  title TEXT NOT NULL,
  site TEXT NOT NULL,
  scheduled_start_ms INTEGER NOT NULL,
  scheduled_end_ms INTEGER NOT NULL,
  actual_start_ms INTEGER,
  actual_end_ms INTEGER,
  state TEXT NOT NULL,
  training INTEGER NOT NULL,
  submitted_by TEXT NOT NULL,
  submitted_ms INTEGER,
  approved_by TEXT NOT NULL,
  approved_ms INTEGER,
  rejection_reason TEXT NOT NULL,
  plan TEXT NOT NULL,
  contingency TEXT NOT NULL,
  inputs TEXT NOT NULL,
  destinations TEXT NOT NULL,
  delay_ms INTEGER NOT NULL,
  audience TEXT NOT NULL,
  officers TEXT NOT NULL,
  vehicles INTEGER NOT NULL,
  witnesses TEXT NOT NULL,
  questions_answered INTEGER NOT NULL
);
CREATE INDEX sessions_campaign ON sessions(campaign_id);
CREATE TABLE session_cases (
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  case_id INTEGER NOT NULL REFERENCES cases(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (session_id, case_id)
);
CREATE TABLE steps (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  session_id INTEGER REFERENCES sessions(id),
  type TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER,
  officers TEXT NOT NULL,
  witnesses TEXT NOT NULL,
  place TEXT NOT NULL,
  notes TEXT NOT NULL,
  deadline_due_ms INTEGER,
  deadline_state TEXT,
  deadline_resolved_ms INTEGER,
  recording TEXT,
  clips TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  people_count INTEGER NOT NULL,
  area_m2 REAL NOT NULL,
  auction TEXT
);
CREATE INDEX steps_case ON steps(case_id, start_ms);
CREATE INDEX steps_session ON steps(session_id);
CREATE TABLE input_spans (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  input TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER
);
CREATE INDEX input_spans_session ON input_spans(session_id, input);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

constexpr std::string_view kPostgresV1 = R"sql(
CREATE TABLE campaigns (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT NOT NULL,
  key_tasks TEXT NOT NULL,
  target_sessions_per_month INTEGER NOT NULL
);
CREATE TABLE cases (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  campaign_id BIGINT REFERENCES campaigns(id),
  number TEXT NOT NULL UNIQUE,
  cause TEXT NOT NULL,
  handler TEXT NOT NULL,
  applicants TEXT NOT NULL,
  respondents TEXT NOT NULL,
  claimed_fen BIGINT NOT NULL,
  recovered_fen BIGINT NOT NULL,
  paid_out_fen BIGINT NOT NULL CHECK (paid_out_fen <= recovered_fen),
  has_property INTEGER NOT NULL,
  state TEXT NOT NULL,
  closure_mode TEXT,
  outcome TEXT NOT NULL,
  filed_ms BIGINT NOT NULL,
  closed_ms BIGINT,
  bar_reason TEXT,
  bar_note TEXT
);
CREATE INDEX cases_campaign ON cases(campaign_id);
CREATE TABLE sessions (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  campaign_id BIGINT REFERENCES campaigns(id),
  title TEXT NOT NULL,
  site TEXT NOT NULL,
  scheduled_start_ms BIGINT NOT NULL,
  scheduled_end_ms BIGINT NOT NULL,
  actual_start_ms BIGINT,
  actual_end_ms BIGINT,
  state TEXT NOT NULL,
  training INTEGER NOT NULL,
  submitted_by TEXT NOT NULL,
  submitted_ms BIGINT,
  approved_by TEXT NOT NULL,
  approved_ms BIGINT,
  rejection_reason TEXT NOT NULL,
  plan TEXT NOT NULL,
  contingency TEXT NOT NULL,
  inputs TEXT NOT NULL,
  destinations TEXT NOT NULL,
  delay_ms BIGINT NOT NULL,
  audience TEXT NOT NULL,
  officers TEXT NOT NULL,
  vehicles INTEGER NOT NULL,
  witnesses TEXT NOT NULL,
  questions_answered INTEGER NOT NULL
);
CREATE INDEX sessions_campaign ON sessions(campaign_id);
CREATE TABLE session_cases (
  session_id BIGINT NOT NULL REFERENCES sessions(id),
  case_id BIGINT NOT NULL REFERENCES cases(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (session_id, case_id)
);
CREATE TABLE steps (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  case_id BIGINT NOT NULL REFERENCES cases(id),
  session_id BIGINT REFERENCES sessions(id),
  type TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT,
  officers TEXT NOT NULL,
  witnesses TEXT NOT NULL,
  place TEXT NOT NULL,
  notes TEXT NOT NULL,
  deadline_due_ms BIGINT,
  deadline_state TEXT,
  deadline_resolved_ms BIGINT,
  recording TEXT,
  clips TEXT NOT NULL,
  amount_fen BIGINT NOT NULL,
  people_count INTEGER NOT NULL,
  area_m2 DOUBLE PRECISION NOT NULL,
  auction TEXT
);
CREATE INDEX steps_case ON steps(case_id, start_ms);
CREATE INDEX steps_session ON steps(session_id);
CREATE TABLE input_spans (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  session_id BIGINT NOT NULL REFERENCES sessions(id),
  input TEXT NOT NULL,
  start_ms BIGINT NOT NULL,
  end_ms BIGINT
);
CREATE INDEX input_spans_session ON input_spans(session_id, input);
CREATE TABLE users (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL,
  created_ms BIGINT NOT NULL
);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql";

// Version 2: API tokens for scripts, stored by hash. The same DDL in both
// dialects.
constexpr std::string_view kSqliteV2 = R"sql(
CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  revoked INTEGER NOT NULL
);
)sql";

constexpr std::string_view kPostgresV2 = R"sql(
CREATE TABLE api_tokens (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  revoked INTEGER NOT NULL
);
)sql";

// Version 3: the case index of steps also holds the columns statistics read
// (rows::step_figures), so a campaign's figures come from the index alone
// instead of one visit per step to rows that carry its people, notes and
// evidence. Its key still gives a case's steps in (start_ms, id) order.
constexpr std::string_view kSqliteV3 = R"sql(
DROP INDEX steps_case;
CREATE INDEX steps_case ON steps(case_id, start_ms, id, session_id, type, amount_fen,
                                 people_count, area_m2, deadline_state);
)sql";

constexpr std::string_view kPostgresV3 = R"sql(
DROP INDEX steps_case;
CREATE INDEX steps_case ON steps(case_id, start_ms, id)
  INCLUDE (session_id, type, amount_fen, people_count, area_m2, deadline_state);
)sql";

// Version 4: destinations made through the API, so that a restart sends
// sessions' air to the same platforms. One DDL for both backends.
constexpr std::string_view kDestinationsV4 = R"sql(
CREATE TABLE destinations (
  name TEXT PRIMARY KEY,
  preset TEXT NOT NULL,
  server_url TEXT NOT NULL,
  stream_key TEXT NOT NULL,
  stream TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  position BIGINT NOT NULL
);
)sql";

// Version 5: clip exports as records. Ids are never reused (AUTOINCREMENT,
// an identity column), so an export id names one clip for good, across
// restarts; rows are never deleted, an expired clip keeps its row.
constexpr std::string_view kSqliteV5 = R"sql(
CREATE TABLE exports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session TEXT NOT NULL,
  stream TEXT NOT NULL,
  from_ms BIGINT NOT NULL,
  to_ms BIGINT NOT NULL,
  case_id BIGINT,
  requested_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  error TEXT NOT NULL,
  finished_ms BIGINT NOT NULL,
  expired_ms BIGINT NOT NULL,
  folder TEXT NOT NULL,
  file_stem TEXT NOT NULL,
  result TEXT NOT NULL
);
)sql";

constexpr std::string_view kPostgresV5 = R"sql(
CREATE TABLE exports (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  session TEXT NOT NULL,
  stream TEXT NOT NULL,
  from_ms BIGINT NOT NULL,
  to_ms BIGINT NOT NULL,
  case_id BIGINT,
  requested_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  state TEXT NOT NULL,
  error TEXT NOT NULL,
  finished_ms BIGINT NOT NULL,
  expired_ms BIGINT NOT NULL,
  folder TEXT NOT NULL,
  file_stem TEXT NOT NULL,
  result TEXT NOT NULL
);
)sql";

// Version 6: the public watch page and viewers' questions. A session's
// public description; questions from the watch page and from platforms'
// bridges, as asked (text, seen only by moderators) and as shown (masked),
// with every moderation decision and its reason kept beside them. A
// platform's message id is unique per session and platform, so a bridge
// that posts one twice is ignored.
constexpr std::string_view kSqliteV6 = R"sql(
ALTER TABLE sessions ADD COLUMN public_description TEXT NOT NULL DEFAULT '';
CREATE TABLE questions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id INTEGER NOT NULL REFERENCES sessions(id),
  source TEXT NOT NULL,
  message_id TEXT NOT NULL,
  viewer TEXT NOT NULL,
  author TEXT NOT NULL,
  contact TEXT NOT NULL,
  text TEXT NOT NULL,
  masked_text TEXT NOT NULL,
  normalized_key TEXT NOT NULL,
  findings TEXT NOT NULL,
  verdict TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  merged_into INTEGER,
  repeats INTEGER NOT NULL,
  pinned INTEGER NOT NULL,
  answer TEXT NOT NULL,
  answered_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  answered_ms INTEGER
);
CREATE INDEX questions_session ON questions(session_id, id);
CREATE UNIQUE INDEX questions_message ON questions(session_id, source, message_id)
  WHERE message_id <> '';
CREATE TABLE question_decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  question_id INTEGER NOT NULL REFERENCES questions(id),
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX question_decisions_question ON question_decisions(question_id);
)sql";

constexpr std::string_view kPostgresV6 = R"sql(
ALTER TABLE sessions ADD COLUMN public_description TEXT NOT NULL DEFAULT '';
CREATE TABLE questions (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  session_id BIGINT NOT NULL REFERENCES sessions(id),
  source TEXT NOT NULL,
  message_id TEXT NOT NULL,
  viewer TEXT NOT NULL,
  author TEXT NOT NULL,
  contact TEXT NOT NULL,
  text TEXT NOT NULL,
  masked_text TEXT NOT NULL,
  normalized_key TEXT NOT NULL,
  findings TEXT NOT NULL,
  verdict TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  merged_into BIGINT,
  repeats INTEGER NOT NULL,
  pinned INTEGER NOT NULL,
  answer TEXT NOT NULL,
  answered_by TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  updated_ms BIGINT NOT NULL,
  answered_ms BIGINT
);
CREATE INDEX questions_session ON questions(session_id, id);
CREATE UNIQUE INDEX questions_message ON questions(session_id, source, message_id)
  WHERE message_id <> '';
CREATE TABLE question_decisions (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  question_id BIGINT NOT NULL REFERENCES questions(id),
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX question_decisions_question ON question_decisions(question_id);
)sql";

// Version 7: console logins, so that a restart keeps them. The key is the
// SHA-256 of the cookie's value, never the value. One DDL for both backends.
constexpr std::string_view kLoginSessionsV7 = R"sql(
CREATE TABLE login_sessions (
  id_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf_token TEXT NOT NULL,
  created_ms BIGINT NOT NULL,
  last_seen_ms BIGINT NOT NULL,
  expires_ms BIGINT NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions(user_id);
)sql";

// Version 8: a session's air format (issue 15), as "mode WxH fps video_kbps
// audio_kbps preset"; "" is the default (conform 1280x720 25 2500 128 veryfast).
constexpr std::string_view kSessionAirV8 = R"sql(
ALTER TABLE sessions ADD COLUMN air TEXT NOT NULL DEFAULT '';
)sql";

// Version 9: the watch page's unique viewers of each session (issue 14), so
// a restart keeps the count; the key is 64 bits of the browser's random
// identity cookie, never the cookie. One DDL for both backends.
constexpr std::string_view kAudienceViewersV9 = R"sql(
CREATE TABLE audience_viewers (
  session_id BIGINT NOT NULL REFERENCES sessions(id),
  viewer BIGINT NOT NULL,
  PRIMARY KEY (session_id, viewer)
);
)sql";

// Version 10 (PostgreSQL only): the audit chain's append as one statement.
// It locks the chain (the advisory lock postgres_database.cpp's lock_key
// gives "audit_log"), reads the last entry and inserts the next on the
// server, so a write appends to the chain in the same round trip as its
// COMMIT, and the chain is locked for the server's own time instead of for
// round trips to courtcast. In READ COMMITTED each statement of a volatile
// function sees what committed before it began: the entry read after the
// lock is the last one committed. The hash is audit_hash's (store/audit.cpp),
// which verify_audit_chain checks every entry against.
constexpr std::string_view kPostgresV10 = R"sql(
CREATE FUNCTION courtcast_audit_append(p_at_ms BIGINT, p_actor TEXT, p_action TEXT,
                                       p_details TEXT, OUT seq BIGINT, OUT prev_hash TEXT,
                                       OUT hash TEXT)
LANGUAGE plpgsql AS $$
#variable_conflict use_variable
DECLARE
  message TEXT;
BEGIN
  PERFORM pg_advisory_xact_lock(5344031304153755713);
  SELECT a.seq + 1, a.hash INTO seq, prev_hash FROM audit_log a ORDER BY a.seq DESC LIMIT 1;
  IF NOT FOUND THEN
    seq := 1;
    prev_hash := '0000000000000000000000000000000000000000000000000000000000000000';
  END IF;
  message := 'courtcast-audit-v1' || chr(10)
    || octet_length(convert_to(prev_hash, 'UTF8')) || ':' || prev_hash || chr(10)
    || octet_length(seq::text) || ':' || seq::text || chr(10)
    || octet_length(p_at_ms::text) || ':' || p_at_ms::text || chr(10)
    || octet_length(convert_to(p_actor, 'UTF8')) || ':' || p_actor || chr(10)
    || octet_length(convert_to(p_action, 'UTF8')) || ':' || p_action || chr(10)
    || octet_length(convert_to(p_details, 'UTF8')) || ':' || p_details || chr(10);
  hash := encode(sha256(convert_to(message, 'UTF8')), 'hex');
  INSERT INTO audit_log (seq, at_ms, actor, action, details, prev_hash, hash)
    VALUES (seq, p_at_ms, p_actor, p_action, p_details, prev_hash, hash);
END $$;
)sql";

// Version 10 on SQLite: nothing to change (its writers append in C++ under
// the database's one write lock); recorded so both backends share a version.
constexpr std::string_view kSqliteV10 = "-- the audit chain is appended by store/sql_queries.cpp";

constexpr Migration kSqlite[] = {{1, "enforcement domain, users, audit log", kSqliteV1},
                                 {2, "api tokens", kSqliteV2},
                                 {3, "steps: case index covers the statistics", kSqliteV3},
                                 {4, "destinations made through the API", kDestinationsV4},
                                 {5, "clip exports as records", kSqliteV5},
                                 {6, "watch page: public description, questions", kSqliteV6},
                                 {7, "console logins", kLoginSessionsV7},
                                 {8, "sessions: air format", kSessionAirV8},
                                 {9, "watch page: unique viewers", kAudienceViewersV9},
                                 {10, "audit chain appended on the server", kSqliteV10}};
constexpr Migration kPostgres[] = {{1, "enforcement domain, users, audit log", kPostgresV1},
                                   {2, "api tokens", kPostgresV2},
                                   {3, "steps: case index covers the statistics", kPostgresV3},
                                   {4, "destinations made through the API", kDestinationsV4},
                                   {5, "clip exports as records", kPostgresV5},
                                   {6, "watch page: public description, questions", kPostgresV6},
                                   {7, "console logins", kLoginSessionsV7},
                                   {8, "sessions: air format", kSessionAirV8},
                                   {9, "watch page: unique viewers", kAudienceViewersV9},
                                   {10, "audit chain appended on the server", kPostgresV10}};

}  // namespace

std::span<const Migration> sqlite_migrations() {
  return kSqlite;
}
std::span<const Migration> postgres_migrations() {
  return kPostgres;
}

}  // namespace courtcast::store
