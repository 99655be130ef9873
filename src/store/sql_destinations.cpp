// API-made destinations over SqlRepository; kept apart from
// sql_repository.cpp, which holds the domain objects.

#include "store/sql_repository.hpp"

namespace courtcast::store {

namespace {

// A stored secret as given: opened when sealed.
Result<std::string> unsealed(const std::string& stored, const SecretBox* secrets,
                             const std::string& destination) {
  if (!SecretBox::is_sealed(stored)) return stored;
  if (!secrets)
    return fail(
        ErrorKind::database, "store_key_missing",
        "destination " + destination + ": its secrets are sealed and no store key was given");
  return secrets->open(stored);
}

}  // namespace

// The server URL is sealed too: some platforms put a token in its query.
Result<std::vector<StoredDestination>> SqlRepository::list_destinations() {
  using List = std::vector<StoredDestination>;
  return in_tx<List>(TxMode::read, [this](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query("SELECT name, preset, server_url, stream_key, stream, enabled "
                                  "FROM destinations ORDER BY position")) {
      auto url = unsealed(r.text(2), secrets_.get(), r.text(0));
      if (!url) return court::Unexpected<Error>{url.error()};
      auto key = unsealed(r.text(3), secrets_.get(), r.text(0));
      if (!key) return court::Unexpected<Error>{key.error()};
      out.push_back(StoredDestination{r.text(0), r.text(1), std::move(*url), std::move(*key),
                                      r.text(4), r.int64(5) != 0});
    }
    return out;
  });
}

// The whole set at once: what the relay holds is the truth, and a set of a
// few platforms is cheaper to replace than to diff.
Result<void> SqlRepository::replace_destinations(const std::vector<StoredDestination>& all) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.exec("DELETE FROM destinations");
    std::int64_t position = 0;
    for (const auto& d : all) {
      tx.exec(
          "INSERT INTO destinations (name, preset, server_url, stream_key, stream, enabled, "
          "position) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          {d.name, d.preset, secrets_ ? secrets_->seal(d.server_url) : d.server_url,
           secrets_ ? secrets_->seal(d.stream_key) : d.stream_key, d.stream,
           std::int64_t{d.enabled ? 1 : 0}, position++});
    }
    return {};
  });
}

Result<std::int64_t> reseal_secrets(Database& db, const SecretBox& secrets) {
  std::int64_t changed = 0;
  auto r = db.transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    changed = 0;
    tx.lock("destinations");
    for (const auto& r : tx.query("SELECT name, server_url, stream_key FROM destinations")) {
      if (secrets.sealed_by_current(r.text(1)) && secrets.sealed_by_current(r.text(2))) continue;
      auto url = unsealed(r.text(1), &secrets, r.text(0));
      if (!url) return court::Unexpected<Error>{url.error()};
      auto key = unsealed(r.text(2), &secrets, r.text(0));
      if (!key) return court::Unexpected<Error>{key.error()};
      tx.exec("UPDATE destinations SET server_url = $1, stream_key = $2 WHERE name = $3",
              {secrets.seal(*url), secrets.seal(*key), r.text(0)});
      ++changed;
    }
    return {};
  });
  if (!r) return court::Unexpected<Error>{r.error()};
  return changed;
}

}  // namespace courtcast::store
