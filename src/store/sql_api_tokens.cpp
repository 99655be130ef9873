// API tokens over SqlRepository; kept apart from sql_repository.cpp, which
// holds the domain objects.

#include <boost/json.hpp>

#include "store/sql_queries.hpp"
#include "store/sql_repository.hpp"
#include "store/sql_rows.hpp"

namespace courtcast::store {

namespace json = boost::json;
using court::Unexpected;

namespace {

Result<void> validate_token(const ApiToken& t) {
  if (t.name.empty() || t.name.size() > 64)
    return fail(ErrorKind::invalid, "invalid_input", "name: 1 to 64 characters");
  if (t.token_hash.size() != 64)
    return fail(ErrorKind::invalid, "invalid_input",
                "token_hash: must be the 64 hex digits of the token's SHA-256");
  return {};
}

}  // namespace

Result<ApiToken> SqlRepository::create_api_token(ApiToken t, const Actor& by) {
  if (auto r = validate_token(t); !r) return Unexpected<Error>{r.error()};
  t.created_by = by.name;
  t.created_ms = by.at_ms;
  t.revoked = false;
  return in_tx<ApiToken>(TxMode::write, [&](SqlTx& tx) -> Result<ApiToken> {
    t.id = tx.query(rows::api_tokens().insert(), rows::params(t)).front().int64(0);
    // The hash stays out of the log too: it names nothing a reader needs.
    queries::log_audit(tx, by, "token.create",
                       json::serialize(json::object{
                           {"token_id", t.id}, {"name", t.name}, {"role", role_code(t.role)}}));
    return t;
  });
}

Result<ApiToken> SqlRepository::find_api_token(std::string_view token_hash) {
  return in_tx<ApiToken>(TxMode::read, [&](SqlTx& tx) -> Result<ApiToken> {
    const Rows rs =
        tx.query(rows::api_tokens().select() + " WHERE token_hash = $1", {std::string(token_hash)});
    if (rs.empty()) return fail_not_found("api token");
    return rows::api_token_from(rs.front());
  });
}

Result<std::vector<ApiToken>> SqlRepository::list_api_tokens() {
  using List = std::vector<ApiToken>;
  return in_tx<List>(TxMode::read, [](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query(rows::api_tokens().select() + " ORDER BY id")) {
      out.push_back(rows::api_token_from(r));
    }
    return out;
  });
}

Result<ApiToken> SqlRepository::revoke_api_token(Id id, const Actor& by) {
  return in_tx<ApiToken>(TxMode::write, [&](SqlTx& tx) -> Result<ApiToken> {
    const Rows rs = tx.query(
        rows::api_tokens().select() + " WHERE id = $1" + std::string(tx.for_update()), {id});
    if (rs.empty()) return fail_not_found("api token " + std::to_string(id));
    ApiToken t = rows::api_token_from(rs.front());
    if (!t.revoked) {
      tx.exec("UPDATE api_tokens SET revoked = 1 WHERE id = $1", {id});
      t.revoked = true;
      queries::log_audit(tx, by, "token.revoke",
                         json::serialize(json::object{{"token_id", t.id}, {"name", t.name}}));
    }
    return t;
  });
}

}  // namespace courtcast::store
