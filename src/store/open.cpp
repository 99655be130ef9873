#include "store/backends.hpp"
#include "store/migrations.hpp"
#include "store/repository.hpp"
#include "store/sql_repository.hpp"

namespace courtcast::store {

Result<std::unique_ptr<Repository>> open_repository(std::string_view url,
                                                    std::shared_ptr<const SecretBox> secrets) {
  Result<std::unique_ptr<Database>> db = court::Unexpected<Error>{Error{}};
  std::span<const Migration> migrations;
  if (url.starts_with("sqlite:")) {
    db = open_sqlite(std::string(url.substr(7)));
    migrations = sqlite_migrations();
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    db = open_postgres(std::string(url));
    migrations = postgres_migrations();
  } else {
    return fail(ErrorKind::invalid, "invalid_input",
                "database url: must start with 'sqlite:' (e.g. sqlite:var/courtcast.db) or "
                "'postgresql://' (e.g. postgresql://user:pw@host:5432/courtcast)");
  }
  if (!db) return court::Unexpected<Error>{std::move(db).error()};
  if (auto r = apply_migrations(**db, migrations); !r) return court::Unexpected<Error>{r.error()};
  if (secrets) {
    if (auto r = reseal_secrets(**db, *secrets); !r) return court::Unexpected<Error>{r.error()};
  }
  return std::unique_ptr<Repository>(
      std::make_unique<SqlRepository>(std::move(*db), std::move(secrets)));
}

}  // namespace courtcast::store
