#include "store/sql_queries.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "store/sql_rows.hpp"

namespace courtcast::store::queries {

namespace {

std::string where_id(const rows::Table& t) {
  return t.select() + " WHERE id = $1";
}

std::map<Id, std::vector<Id>> session_case_ids(SqlTx& tx, std::optional<Id> campaign_id) {
  const Rows rs =
      campaign_id ? tx.query(
                        "SELECT sc.session_id, sc.case_id FROM session_cases sc JOIN sessions s "
                        "ON s.id = sc.session_id WHERE s.campaign_id = $1 "
                        "ORDER BY sc.session_id, sc.position",
                        {*campaign_id})
                  : tx.query(
                        "SELECT session_id, case_id FROM session_cases "
                        "ORDER BY session_id, position");
  std::map<Id, std::vector<Id>> out;
  for (const auto& r : rs) out[r.int64(0)].push_back(r.int64(1));
  return out;
}

}  // namespace

std::optional<court::Campaign> load_campaign(SqlTx& tx, Id id) {
  const Rows rs = tx.query(where_id(rows::campaigns()), {id});
  if (rs.empty()) return std::nullopt;
  return rows::campaign_from(rs.front());
}

std::optional<court::Case> load_case(SqlTx& tx, Id id, bool lock) {
  const Rows rs =
      tx.query(where_id(rows::cases()) + std::string(lock ? tx.for_update() : ""), {id});
  if (rs.empty()) return std::nullopt;
  return rows::case_from(rs.front());
}

std::optional<court::LiveSession> load_session(SqlTx& tx, Id id, bool lock) {
  const Rows rs =
      tx.query(where_id(rows::sessions()) + std::string(lock ? tx.for_update() : ""), {id});
  if (rs.empty()) return std::nullopt;
  court::LiveSession s = rows::session_from(rs.front());
  for (const auto& r : tx.query(
           "SELECT case_id FROM session_cases WHERE session_id = $1 ORDER BY position", {id})) {
    s.case_ids.push_back(r.int64(0));
  }
  return s;
}

std::optional<court::EnforcementStep> load_step(SqlTx& tx, Id id) {
  const Rows rs = tx.query(where_id(rows::steps()), {id});
  if (rs.empty()) return std::nullopt;
  return rows::step_from(rs.front());
}

std::optional<User> load_user(SqlTx& tx, Id id) {
  const Rows rs = tx.query(where_id(rows::users()), {id});
  if (rs.empty()) return std::nullopt;
  return rows::user_from(rs.front());
}

std::vector<court::Case> load_cases(SqlTx& tx, const CaseFilter& filter) {
  const std::string sql = rows::cases().select();
  const Rows rs = filter.campaign_id
                      ? tx.query(sql + " WHERE campaign_id = $1 ORDER BY id", {*filter.campaign_id})
                      : tx.query(sql + " ORDER BY id");
  std::vector<court::Case> out;
  out.reserve(rs.size());
  for (const auto& r : rs) out.push_back(rows::case_from(r));
  return out;
}

std::vector<court::Case> load_campaign_cases(SqlTx& tx, Id campaign_id) {
  const Rows rs = tx.query(rows::cases().select() +
                               " WHERE campaign_id = $1 OR id IN (SELECT sc.case_id FROM "
                               "session_cases sc JOIN sessions s ON s.id = sc.session_id "
                               "WHERE s.campaign_id = $1) ORDER BY id",
                           {campaign_id});
  std::vector<court::Case> out;
  out.reserve(rs.size());
  for (const auto& r : rs) out.push_back(rows::case_from(r));
  return out;
}

std::vector<court::LiveSession> load_sessions(SqlTx& tx, const SessionFilter& filter) {
  const std::string sql = rows::sessions().select();
  const Rows rs = filter.campaign_id
                      ? tx.query(sql + " WHERE campaign_id = $1 ORDER BY id", {*filter.campaign_id})
                      : tx.query(sql + " ORDER BY id");
  auto case_ids = session_case_ids(tx, filter.campaign_id);
  std::vector<court::LiveSession> out;
  out.reserve(rs.size());
  for (const auto& r : rs) {
    out.push_back(rows::session_from(r));
    if (auto it = case_ids.find(out.back().id); it != case_ids.end()) {
      out.back().case_ids = std::move(it->second);
    }
  }
  return out;
}

std::string steps_of_campaign(std::string_view select, std::string_view dialect) {
  if (dialect == "postgresql") {
    // PostgreSQL plans IN (subquery) OR IN (subquery) as a filter over a
    // scan of every step. With each list made first (an InitPlan), "= ANY"
    // is an index condition and the OR a BitmapOr of the case and session
    // indexes, so a small campaign costs its own steps, not the table's
    // (tests/store checks the plan). SQLite has no arrays and plans the IN
    // form well.
    return std::string(select) +
           " WHERE case_id = ANY (ARRAY(SELECT id FROM cases WHERE campaign_id = $1))"
           " OR session_id = ANY (ARRAY(SELECT id FROM sessions WHERE campaign_id = $1))";
  }
  return std::string(select) +
         " WHERE case_id IN (SELECT id FROM cases WHERE campaign_id = $1)"
         " OR session_id IN (SELECT id FROM sessions WHERE campaign_id = $1)";
}

namespace {

// `select` (a Table's) restricted to the steps `filter` names, row by row.
void select_steps(SqlTx& tx, const std::string& select, const StepFilter& filter,
                  std::string_view order, const RowFn& fn) {
  if (filter.case_id) {
    tx.query_each(select + " WHERE case_id = $1" + std::string(order), {*filter.case_id}, fn);
  } else if (filter.session_id) {
    tx.query_each(select + " WHERE session_id = $1" + std::string(order), {*filter.session_id}, fn);
  } else if (filter.campaign_id) {
    tx.query_each(steps_of_campaign(select, tx.dialect()) + std::string(order),
                  {*filter.campaign_id}, fn);
  } else {
    tx.query_each(select + std::string(order), {}, fn);
  }
}

}  // namespace

std::vector<court::EnforcementStep> load_steps(SqlTx& tx, const StepFilter& filter) {
  std::vector<court::EnforcementStep> out;
  select_steps(tx, rows::steps().select(), filter, " ORDER BY start_ms, id",
               [&](const Row& r) { out.push_back(rows::step_from(r)); });
  return out;
}

std::vector<court::EnforcementStep> load_notice_steps(SqlTx& tx, Id case_id) {
  // The codes come from the catalogue, so a new notice type needs no change here.
  static const std::string sql = [] {
    std::string in;
    for (const auto& info : court::step_catalogue())
      if (info.is_notice) in += (in.empty() ? "'" : ", '") + std::string(info.code) + "'";
    return rows::steps().select() + " WHERE case_id = $1 AND type IN (" + in +
           ") ORDER BY start_ms, id";
  }();
  std::vector<court::EnforcementStep> out;
  tx.query_each(sql, {case_id}, [&](const Row& r) { out.push_back(rows::step_from(r)); });
  return out;
}

std::vector<court::StepFigures> load_step_figures(SqlTx& tx, const StepFilter& filter) {
  // Decoded as they are read, so 100,000 steps never stand as rows of text
  // cells at once; sorted here rather than by ORDER BY, which costs the
  // database several times what sorting these small structs does.
  std::vector<court::StepFigures> out;
  select_steps(tx, rows::step_figures().select(), filter, "",
               [&](const Row& r) { out.push_back(rows::step_figures_from(r)); });
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start_ms, a.id) < std::tie(b.start_ms, b.id);
  });
  return out;
}

std::vector<court::InputSpan> load_spans(SqlTx& tx, Id session_id) {
  std::vector<court::InputSpan> out;
  for (const auto& r : tx.query("SELECT input, start_ms, end_ms FROM input_spans "
                                "WHERE session_id = $1 ORDER BY start_ms, id",
                                {session_id})) {
    out.push_back(court::InputSpan{r.text(0), r.int64(1), r.opt_int64(2)});
  }
  return out;
}

Id insert_case(SqlTx& tx, const court::Case& c) {
  const auto ps = rows::params(c);
  return tx.query(rows::cases().insert(), ps).front().int64(0);
}

Id insert_step(SqlTx& tx, const court::EnforcementStep& s) {
  const auto ps = rows::params(s);
  return tx.query(rows::steps().insert(), ps).front().int64(0);
}

namespace {

template <typename T>
void save(SqlTx& tx, const rows::Table& table, const T& value) {
  std::vector<Param> ps{value.id};
  auto rest = rows::params(value);
  ps.insert(ps.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  tx.exec(table.update(), ps);
}

}  // namespace

void save_case(SqlTx& tx, const court::Case& c) {
  save(tx, rows::cases(), c);
}
void save_session(SqlTx& tx, const court::LiveSession& s) {
  save(tx, rows::sessions(), s);
}
void save_step(SqlTx& tx, const court::EnforcementStep& s) {
  save(tx, rows::steps(), s);
}

void add_session_case(SqlTx& tx, Id session_id, Id case_id, int position) {
  tx.exec("INSERT INTO session_cases (session_id, case_id, position) VALUES ($1, $2, $3)",
          {session_id, case_id, std::int64_t{position}});
}

namespace {

// PostgreSQL appends on the server, in one statement (migration 10 says why).
constexpr std::string_view kPostgresAppend =
    "SELECT seq, prev_hash, hash FROM courtcast_audit_append($1::BIGINT, $2::TEXT, $3::TEXT, "
    "$4::TEXT)";

}  // namespace

AuditEntry append_audit(SqlTx& tx, const Actor& by, std::string action, std::string details) {
  AuditEntry e;
  e.at_ms = by.at_ms;
  e.actor = by.name;
  e.action = std::move(action);
  e.details = std::move(details);
  if (tx.dialect() == "postgresql") {
    const Rows r = tx.query(kPostgresAppend, {e.at_ms, e.actor, e.action, e.details});
    e.seq = r.at(0).int64(0);
    e.prev_hash = r.at(0).text(1);
    e.hash = r.at(0).text(2);
    // The server's hash is the one verify_audit_chain will recompute.
    if (e.hash != audit_hash(e)) {
      throw DbError(DbError::Kind::other, "audit: the database's hash differs from audit_hash");
    }
    return e;
  }
  tx.lock("audit_log");
  const Rows last = tx.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  e.seq = last.empty() ? 1 : last.front().int64(0) + 1;
  e.prev_hash = last.empty() ? std::string(kAuditGenesisHash) : last.front().text(1);
  e.hash = audit_hash(e);
  tx.exec(
      "INSERT INTO audit_log (seq, at_ms, actor, action, details, prev_hash, hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {e.seq, e.at_ms, e.actor, e.action, e.details, e.prev_hash, e.hash});
  return e;
}

void log_audit(SqlTx& tx, const Actor& by, std::string action, std::string details) {
  if (tx.dialect() == "postgresql") {
    tx.exec(kPostgresAppend, {by.at_ms, by.name, std::move(action), std::move(details)});
    return;
  }
  append_audit(tx, by, std::move(action), std::move(details));
}

}  // namespace courtcast::store::queries
