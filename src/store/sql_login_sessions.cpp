// Console logins over SqlRepository; kept apart from sql_repository.cpp,
// which holds the domain objects.

#include "store/sql_repository.hpp"

namespace courtcast::store {

namespace {

Result<void> validate_login_session(const LoginSession& s) {
  if (s.id_hash.size() != 64)
    return fail(ErrorKind::invalid, "invalid_input",
                "id_hash: must be the 64 hex digits of the cookie's SHA-256");
  if (s.user_id <= 0) return fail(ErrorKind::invalid, "invalid_input", "user_id: required");
  if (s.csrf_token.empty())
    return fail(ErrorKind::invalid, "invalid_input", "csrf_token: required");
  return {};
}

}  // namespace

Result<void> SqlRepository::create_login_session(const LoginSession& s) {
  if (auto r = validate_login_session(s); !r) return r;
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.exec(
        "INSERT INTO login_sessions (id_hash, user_id, csrf_token, created_ms, last_seen_ms, "
        "expires_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        {s.id_hash, std::int64_t{s.user_id}, s.csrf_token, std::int64_t{s.created_ms},
         std::int64_t{s.last_seen_ms}, std::int64_t{s.expires_ms}});
    return {};
  });
}

Result<LoginSession> SqlRepository::find_login_session(std::string_view id_hash) {
  return in_tx<LoginSession>(TxMode::read, [&](SqlTx& tx) -> Result<LoginSession> {
    const Rows rs = tx.query(
        "SELECT id_hash, user_id, csrf_token, created_ms, last_seen_ms, expires_ms "
        "FROM login_sessions WHERE id_hash = $1",
        {std::string(id_hash)});
    if (rs.empty()) return fail_not_found("login session");
    const Row& r = rs.front();
    return LoginSession{r.text(0), r.int64(1), r.text(2), r.int64(3), r.int64(4), r.int64(5)};
  });
}

Result<void> SqlRepository::touch_login_session(std::string_view id_hash,
                                                court::UtcMs last_seen_ms) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    // Never backwards: two workers may touch one session out of order.
    tx.exec("UPDATE login_sessions SET last_seen_ms = $1 WHERE id_hash = $2 AND last_seen_ms < $1",
            {std::int64_t{last_seen_ms}, std::string(id_hash)});
    return {};
  });
}

Result<void> SqlRepository::end_login_session(std::string_view id_hash) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.exec("DELETE FROM login_sessions WHERE id_hash = $1", {std::string(id_hash)});
    return {};
  });
}

Result<void> SqlRepository::end_login_sessions_of(Id user_id) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.exec("DELETE FROM login_sessions WHERE user_id = $1", {std::int64_t{user_id}});
    return {};
  });
}

Result<std::int64_t> SqlRepository::purge_login_sessions(court::UtcMs idle_before_ms,
                                                         court::UtcMs now_ms) {
  return in_tx<std::int64_t>(TxMode::write, [&](SqlTx& tx) -> Result<std::int64_t> {
    const Rows rs =
        tx.query("SELECT COUNT(*) FROM login_sessions WHERE last_seen_ms < $1 OR expires_ms <= $2",
                 {std::int64_t{idle_before_ms}, std::int64_t{now_ms}});
    tx.exec("DELETE FROM login_sessions WHERE last_seen_ms < $1 OR expires_ms <= $2",
            {std::int64_t{idle_before_ms}, std::int64_t{now_ms}});
    return rs.empty() ? std::int64_t{0} : rs.front().int64(0);
  });
}

}  // namespace courtcast::store
