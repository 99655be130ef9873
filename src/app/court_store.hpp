#pragma once
// The court's store at start-up: the database of config.database_url
// opened and migrated, the report's demo loaded into an empty one, and on
// the very first start the user `admin` with a random password.

#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "app/config.hpp"
#include "store/repository.hpp"

namespace courtcast::app {

struct CourtStore {
  std::unique_ptr<store::Repository> repository;
  std::string initial_admin_password;  // empty unless admin was created just now
};

// config.database_url with a relative `sqlite:` path made absolute (below).
std::string resolved_database_url(const Config& config);

// A relative `sqlite:` path is taken from data_dir's parent, so the default
// sqlite:var/courtcast.db sits inside the default data_dir "var" wherever
// that is. nullopt (after logging why) when the database cannot be used.
std::optional<CourtStore> open_court_store(const Config& config);

// `courtcast rotate-store-key`: a new data_dir/keys/store.key, and every
// platform stream key in the database sealed again with it (the old key is
// then gone). Run it with the server stopped: a running server keeps
// sealing with the key it started with. An interrupted rotation is
// finished by the next start or the next run. Returns the exit status.
int rotate_store_key_command(const Config& config, std::ostream& out, std::ostream& err);

// Keeps the first admin's password in data_dir/keys/admin-initial-password
// (0600), for when stdout goes to a log: the banner then names the file
// (on a terminal it prints the password once instead).
void keep_initial_admin_password(const Config& config, const std::string& password);

}  // namespace courtcast::app
