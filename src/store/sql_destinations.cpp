// API-made destinations over SqlRepository; kept apart from
// sql_repository.cpp, which holds the domain objects.

#include "store/sql_repository.hpp"

namespace courtcast::store {

Result<std::vector<StoredDestination>> SqlRepository::list_destinations() {
  using List = std::vector<StoredDestination>;
  return in_tx<List>(TxMode::read, [](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query("SELECT name, preset, server_url, stream_key, stream, enabled "
                                  "FROM destinations ORDER BY position")) {
      out.push_back(StoredDestination{r.text(0), r.text(1), r.text(2), r.text(3), r.text(4),
                                      r.int64(5) != 0});
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
          {d.name, d.preset, d.server_url, d.stream_key, d.stream, std::int64_t{d.enabled ? 1 : 0},
           position++});
    }
    return {};
  });
}

}  // namespace courtcast::store
