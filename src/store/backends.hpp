#pragma once
// The two Database implementations; open_repository picks one by URL.

#include <cstddef>
#include <memory>
#include <string>

#include "store/sql.hpp"

namespace courtcast::store {

// A file (created with its directory if missing) in WAL mode with foreign
// keys on. Writers in any process queue on the database's write lock.
Result<std::unique_ptr<Database>> open_sqlite(const std::string& path);

// The SQLite database `from` copied page by page into `to` (made or
// replaced) with SQLite's online backup API: one consistent snapshot, even
// while a server writes to `from`. Backup and restore both use it.
Result<void> copy_sqlite(const std::string& from, const std::string& to);

// A libpq connection string or URL; connections are pooled per Database.
Result<std::unique_ptr<Database>> open_postgres(const std::string& url);

// `db` with its write transactions grouped: those that arrive while one
// runs are run after it, up to `max_batch` at a time, each in a savepoint of
// one transaction with one commit; each caller returns after that commit.
std::unique_ptr<Database> with_group_commit(std::unique_ptr<Database> db, std::size_t max_batch);

}  // namespace courtcast::store
