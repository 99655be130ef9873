#include <algorithm>

#include "store/sql_repository.hpp"

#include <boost/json.hpp>
#include <utility>

#include "court/case_number.hpp"

#include "court/statistics.hpp"
#include "store/credential_rules.hpp"
#include "store/sql_queries.hpp"
#include "store/sql_rows.hpp"

namespace courtcast::store {

namespace json = boost::json;
using court::Unexpected;

namespace {

Result<void> validated(const court::Result<void>& r) {
  if (!r) return fail(r.error());
  return {};
}

template <typename T>
Result<void> court_ok(const court::Result<T>& r) {
  if (!r) return fail(r.error());
  return {};
}

}  // namespace

Result<int> SqlRepository::schema_version() {
  return in_tx<int>(TxMode::read, [](SqlTx& tx) -> Result<int> {
    const Rows rs = tx.query("SELECT MAX(version) FROM schema_migrations");
    return rs.empty() || rs.front().is_null(0) ? 0 : static_cast<int>(rs.front().int64(0));
  });
}

// ---- campaigns ----

Result<court::Campaign> SqlRepository::create_campaign(court::Campaign c, const Actor& by) {
  if (auto r = court::validate_campaign(c); !r) return fail(r.error());
  return in_tx<court::Campaign>(TxMode::write, [&](SqlTx& tx) -> Result<court::Campaign> {
    c.id = tx.query(rows::campaigns().insert(), rows::params(c)).front().int64(0);
    queries::log_audit(tx, by, "campaign.create",
                       json::serialize(json::object{{"campaign_id", c.id}, {"name", c.name}}));
    return c;
  });
}

Result<court::Campaign> SqlRepository::update_campaign(const court::Campaign& c, const Actor& by) {
  if (auto r = court::validate_campaign(c); !r) return fail(r.error());
  return in_tx<court::Campaign>(TxMode::write, [&](SqlTx& tx) -> Result<court::Campaign> {
    if (!queries::load_campaign(tx, c.id)) return fail_not_found("campaign", c.id);
    std::vector<Param> ps{c.id};
    for (auto& p : rows::params(c)) ps.push_back(std::move(p));
    tx.exec(rows::campaigns().update(), ps);
    queries::log_audit(tx, by, "campaign.update",
                       json::serialize(json::object{{"campaign_id", c.id}, {"name", c.name}}));
    return c;
  });
}

Result<court::Campaign> SqlRepository::get_campaign(Id id) {
  return in_tx<court::Campaign>(TxMode::read, [&](SqlTx& tx) -> Result<court::Campaign> {
    auto c = queries::load_campaign(tx, id);
    if (!c) return fail_not_found("campaign", id);
    return *c;
  });
}

Result<std::vector<court::Campaign>> SqlRepository::list_campaigns() {
  using List = std::vector<court::Campaign>;
  return in_tx<List>(TxMode::read, [](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query(rows::campaigns().select() + " ORDER BY id")) {
      out.push_back(rows::campaign_from(r));
    }
    return out;
  });
}

// ---- cases ----

Result<court::Case> SqlRepository::create_case(court::Case c, const Actor& by) {
  if (auto r = validated(court::validate_case(c)); !r) return Unexpected<Error>{r.error()};
  return in_tx<court::Case>(TxMode::write, [&](SqlTx& tx) -> Result<court::Case> {
    if (c.campaign_id && !queries::load_campaign(tx, *c.campaign_id)) {
      return fail_not_found("campaign", *c.campaign_id);
    }
    c.id = queries::insert_case(tx, c);
    queries::log_audit(tx, by, "case.create",
                       json::serialize(json::object{{"case_id", c.id}, {"number", c.number}}));
    return c;
  });
}

Result<court::Case> SqlRepository::update_case(const court::Case& edited, const Actor& by) {
  return in_tx<court::Case>(TxMode::write, [&](SqlTx& tx) -> Result<court::Case> {
    auto stored = queries::load_case(tx, edited.id, /*lock=*/true);
    if (!stored) return fail_not_found("case", edited.id);
    court::Case c = edited;
    // Money and state move only through steps and closure.
    c.recovered_fen = stored->recovered_fen;
    c.paid_out_fen = stored->paid_out_fen;
    c.state = stored->state;
    c.closure_mode = stored->closure_mode;
    c.outcome = stored->outcome;
    c.closed_ms = stored->closed_ms;
    if (auto r = validated(court::validate_case(c)); !r) return Unexpected<Error>{r.error()};
    if (c.campaign_id && !queries::load_campaign(tx, *c.campaign_id)) {
      return fail_not_found("campaign", *c.campaign_id);
    }
    queries::save_case(tx, c);
    json::object details{{"case_id", c.id}, {"number", c.number}};
    if (c.broadcast_bar) details["broadcast_bar"] = court::bar_reason_code(c.broadcast_bar->reason);
    queries::log_audit(tx, by, "case.update", json::serialize(details));
    return c;
  });
}

Result<court::Case> SqlRepository::get_case(Id id) {
  return in_tx<court::Case>(TxMode::read, [&](SqlTx& tx) -> Result<court::Case> {
    auto c = queries::load_case(tx, id, false);
    if (!c) return fail_not_found("case", id);
    return *c;
  });
}

Result<court::Case> SqlRepository::find_case(std::string_view number) {
  auto parsed = court::parse_case_number(number);
  if (!parsed) return fail(parsed.error());
  const std::string canonical = parsed->to_string();
  return in_tx<court::Case>(TxMode::read, [&](SqlTx& tx) -> Result<court::Case> {
    const Rows rs = tx.query(rows::cases().select() + " WHERE number = $1", {canonical});
    if (rs.empty()) return fail_not_found("case " + canonical);
    return rows::case_from(rs.front());
  });
}

Result<std::vector<court::Case>> SqlRepository::list_cases(const CaseFilter& filter) {
  using List = std::vector<court::Case>;
  return in_tx<List>(TxMode::read,
                     [&](SqlTx& tx) -> Result<List> { return queries::load_cases(tx, filter); });
}

// ---- sessions (reads and plain edits; state changes are in sql_repository_ops.cpp) ----

Result<court::LiveSession> SqlRepository::create_session(court::LiveSession draft,
                                                         const Actor& by) {
  court::LiveSession& s = draft;
  // A new session starts as a draft: approval and airing happen through
  // transition_session, never by writing the state directly.
  s.state = court::SessionState::draft;
  s.training = false;
  s.submitted_by.clear();
  s.submitted_ms.reset();
  s.approved_by.clear();
  s.approved_ms.reset();
  s.rejection_reason.clear();
  s.actual_start_ms.reset();
  s.actual_end_ms.reset();
  const std::vector<Id> case_ids = std::exchange(s.case_ids, {});
  {
    court::LiveSession probe = s;
    probe.case_ids = case_ids;
    if (auto r = court::validate_session(probe); !r) return fail(r.error());
  }
  return in_tx<court::LiveSession>(TxMode::write, [&](SqlTx& tx) -> Result<court::LiveSession> {
    court::LiveSession s = draft;  // fresh on every attempt: a retried transaction starts over
    if (s.campaign_id && !queries::load_campaign(tx, *s.campaign_id)) {
      return fail_not_found("campaign", *s.campaign_id);
    }
    s.id = tx.query(rows::sessions().insert(), rows::params(s)).front().int64(0);
    for (Id case_id : case_ids) {
      if (std::find(s.case_ids.begin(), s.case_ids.end(), case_id) != s.case_ids.end()) continue;
      auto c = queries::load_case(tx, case_id, false);
      if (!c) return fail_not_found("case", case_id);
      if (auto r = court_ok(court::add_case_to_session(s, *c)); !r) {
        return Unexpected<Error>{r.error()};
      }
      queries::add_session_case(tx, s.id, case_id, static_cast<int>(s.case_ids.size()) - 1);
    }
    if (auto r = court::validate_session(s); !r) return fail(r.error());
    queries::log_audit(tx, by, "session.create",
                       json::serialize(json::object{{"session_id", s.id}, {"title", s.title}}));
    return s;
  });
}

Result<court::LiveSession> SqlRepository::update_session(const court::LiveSession& edited,
                                                         const Actor& by) {
  return in_tx<court::LiveSession>(TxMode::write, [&](SqlTx& tx) -> Result<court::LiveSession> {
    auto stored = queries::load_session(tx, edited.id, /*lock=*/true);
    if (!stored) return fail_not_found("session", edited.id);
    court::LiveSession s = edited;
    // State, approval, times on air, cases and audience have their own operations.
    s.state = stored->state;
    s.training = stored->training;
    s.submitted_by = stored->submitted_by;
    s.submitted_ms = stored->submitted_ms;
    s.approved_by = stored->approved_by;
    s.approved_ms = stored->approved_ms;
    s.rejection_reason = stored->rejection_reason;
    s.actual_start_ms = stored->actual_start_ms;
    s.actual_end_ms = stored->actual_end_ms;
    s.case_ids = stored->case_ids;
    s.audience = stored->audience;
    if (auto r = court::check_session_edit(*stored, s); !r) return fail(r.error());
    if (auto r = court::validate_session(s); !r) return fail(r.error());
    queries::save_session(tx, s);
    queries::log_audit(tx, by, "session.update",
                       json::serialize(json::object{{"session_id", s.id}, {"title", s.title}}));
    return s;
  });
}

Result<court::LiveSession> SqlRepository::get_session(Id id) {
  return in_tx<court::LiveSession>(TxMode::read, [&](SqlTx& tx) -> Result<court::LiveSession> {
    auto s = queries::load_session(tx, id, false);
    if (!s) return fail_not_found("session", id);
    return *s;
  });
}

Result<std::vector<court::LiveSession>> SqlRepository::list_sessions(const SessionFilter& filter) {
  using List = std::vector<court::LiveSession>;
  return in_tx<List>(TxMode::read,
                     [&](SqlTx& tx) -> Result<List> { return queries::load_sessions(tx, filter); });
}

// ---- statistics ----

Result<court::CampaignStats> SqlRepository::campaign_stats(Id campaign_id,
                                                           const court::Settings& settings) {
  return in_tx<court::CampaignStats>(TxMode::read, [&](SqlTx& tx) -> Result<court::CampaignStats> {
    auto campaign = queries::load_campaign(tx, campaign_id);
    if (!campaign) return fail_not_found("campaign", campaign_id);
    const auto sessions = queries::load_sessions(tx, SessionFilter{campaign_id});
    const auto cases = queries::load_campaign_cases(tx, campaign_id);
    const auto steps = queries::load_step_figures(tx, StepFilter::of_campaign(campaign_id));
    return court::compute_campaign_stats(*campaign, sessions, cases, steps, settings);
  });
}

Result<court::SessionStats> SqlRepository::session_stats(Id session_id,
                                                         const court::Settings& settings) {
  return in_tx<court::SessionStats>(TxMode::read, [&](SqlTx& tx) -> Result<court::SessionStats> {
    auto session = queries::load_session(tx, session_id, false);
    if (!session) return fail_not_found("session", session_id);
    const auto steps = queries::load_step_figures(tx, StepFilter::of_session(session_id));
    return court::compute_session_stats(*session, steps, settings);
  });
}

// ---- users ----

namespace {

Result<void> validate_user(const User& u) {
  if (u.username.empty() || u.username.size() > 128) {
    return fail(ErrorKind::invalid, "invalid_input", "username: 1 to 32 characters");
  }
  if (u.password_hash.empty()) {
    return fail(ErrorKind::invalid, "invalid_input",
                "password_hash: must be set (hash the password with hash_password)");
  }
  return {};
}

}  // namespace

Result<User> SqlRepository::create_user(User u, const Actor& by) {
  if (auto r = validate_user(u); !r) return Unexpected<Error>{r.error()};
  // Names made before the rule stay valid for updates; new ones follow it.
  if (auto why = username_problem(u.username))
    return fail(ErrorKind::invalid, "invalid_input", "username: " + *why);
  u.created_ms = by.at_ms;
  return in_tx<User>(TxMode::write, [&](SqlTx& tx) -> Result<User> {
    u.id = tx.query(rows::users().insert(), rows::params(u)).front().int64(0);
    queries::log_audit(
        tx, by, "user.create",
        json::serialize(json::object{
            {"user_id", u.id}, {"username", u.username}, {"role", role_code(u.role)}}));
    return u;
  });
}

Result<User> SqlRepository::update_user(const User& edited, const Actor& by) {
  if (auto r = validate_user(edited); !r) return Unexpected<Error>{r.error()};
  return in_tx<User>(TxMode::write, [&](SqlTx& tx) -> Result<User> {
    auto stored = queries::load_user(tx, edited.id);
    if (!stored) return fail_not_found("user", edited.id);
    User u = edited;
    u.created_ms = stored->created_ms;
    // Someone must be able to manage users: the last enabled admin stays
    // one. Checked in the write transaction, so two admins demoting each
    // other at once cannot both succeed.
    const bool was_admin = stored->role == Role::admin && !stored->disabled;
    const bool is_admin = u.role == Role::admin && !u.disabled;
    if (was_admin && !is_admin) {
      const auto others = tx.query(
          "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> $1", {u.id});
      if (others.front().int64(0) == 0)
        return fail(ErrorKind::rule, "last_admin",
                    "user " + stored->username +
                        " is the last enabled admin: make another user admin first");
    }
    std::vector<Param> ps{u.id};
    for (auto& p : rows::params(u)) ps.push_back(std::move(p));
    tx.exec(rows::users().update(), ps);
    // The hash itself never goes into the log, only that it changed.
    queries::log_audit(tx, by, "user.update",
                       json::serialize(json::object{
                           {"user_id", u.id},
                           {"username", u.username},
                           {"role", role_code(u.role)},
                           {"disabled", u.disabled},
                           {"password_changed", u.password_hash != stored->password_hash}}));
    return u;
  });
}

Result<User> SqlRepository::get_user(Id id) {
  return in_tx<User>(TxMode::read, [&](SqlTx& tx) -> Result<User> {
    auto u = queries::load_user(tx, id);
    if (!u) return fail_not_found("user", id);
    return *u;
  });
}

Result<User> SqlRepository::find_user(std::string_view username) {
  return in_tx<User>(TxMode::read, [&](SqlTx& tx) -> Result<User> {
    const Rows rs =
        tx.query(rows::users().select() + " WHERE username = $1", {std::string(username)});
    if (rs.empty()) return fail_not_found("user " + std::string(username));
    return rows::user_from(rs.front());
  });
}

Result<std::vector<User>> SqlRepository::list_users() {
  using List = std::vector<User>;
  return in_tx<List>(TxMode::read, [](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query(rows::users().select() + " ORDER BY id")) {
      out.push_back(rows::user_from(r));
    }
    return out;
  });
}

Result<std::int64_t> SqlRepository::count_users() {
  return in_tx<std::int64_t>(TxMode::read, [](SqlTx& tx) -> Result<std::int64_t> {
    return tx.query("SELECT COUNT(*) FROM users").front().int64(0);
  });
}

// ---- audit ----

Result<AuditEntry> SqlRepository::append_audit(std::string action, std::string details_json,
                                               const Actor& by) {
  if (action.empty())
    return fail(ErrorKind::invalid, "invalid_input", "audit action: must be named");
  boost::system::error_code ec;
  if (details_json.empty()) details_json = "{}";
  json::parse(details_json, ec);
  if (ec) {
    return fail(ErrorKind::invalid, "invalid_input",
                "audit details: not valid JSON (" + ec.message() + ")");
  }
  return in_tx<AuditEntry>(TxMode::write, [&](SqlTx& tx) -> Result<AuditEntry> {
    return queries::append_audit(tx, by, std::move(action), std::move(details_json));
  });
}

Result<std::vector<AuditEntry>> SqlRepository::list_audit(std::int64_t after_seq, int limit) {
  using List = std::vector<AuditEntry>;
  return in_tx<List>(TxMode::read, [&](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r :
         tx.query(std::string(rows::kAuditSelect) + " WHERE seq > $1 ORDER BY seq LIMIT $2",
                  {after_seq, std::int64_t{limit}})) {
      out.push_back(rows::audit_from(r));
    }
    return out;
  });
}

Result<AuditVerification> SqlRepository::verify_audit() {
  return in_tx<AuditVerification>(TxMode::read, [](SqlTx& tx) -> Result<AuditVerification> {
    std::vector<AuditEntry> entries;
    for (const auto& r : tx.query(std::string(rows::kAuditSelect) + " ORDER BY seq")) {
      entries.push_back(rows::audit_from(r));
    }
    return verify_audit_chain(entries);
  });
}

}  // namespace courtcast::store
