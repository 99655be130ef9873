#pragma once
// Numbered schema migrations, applied in order at open and recorded in
// schema_migrations, so a database of any older version is brought up to
// date and a second opener (another process) applies nothing twice.

#include <span>
#include <string_view>

#include "store/sql.hpp"

namespace courtcast::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // one or more statements
};

Result<void> apply_migrations(Database& db, std::span<const Migration> migrations);

// Each backend's list (its own DDL dialect, the same tables and columns).
std::span<const Migration> sqlite_migrations();
std::span<const Migration> postgres_migrations();

}  // namespace courtcast::store
