#include "app/court_store.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "base/clock.hpp"
#include "base/file.hpp"
#include "court/settings.hpp"
#include "store/demo_loader.hpp"
#include "store/password.hpp"
#include "store/secret_box.hpp"

namespace courtcast::app {

namespace fs = std::filesystem;

std::string resolved_database_url(const Config& config) {
  const std::string& url = config.database_url;
  if (!url.starts_with("sqlite:")) return url;
  const fs::path file = url.substr(7);
  if (file.is_absolute() || file.empty()) return url;
  return "sqlite:" + (fs::path(config.data_dir).parent_path() / file).string();
}

namespace {

// The URL as it may be logged: a PostgreSQL password masked.
std::string shown_url(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  const auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

}  // namespace

std::optional<CourtStore> open_court_store(const Config& config) {
  const std::string url = resolved_database_url(config);
  if (url.starts_with("sqlite:")) {
    std::error_code ec;
    fs::create_directories(fs::path(url.substr(7)).parent_path(), ec);
  }
  const fs::path keys_dir = fs::path(config.data_dir) / "keys";
  auto secrets = store::load_keyring(keys_dir);
  if (!secrets) {
    spdlog::error("event=store_key_failed error=\"{}\"", secrets.error().message);
    return std::nullopt;
  }
  // Opening seals what is not sealed by the first key: plain stream keys
  // from before sealing, and those of a rotation a crash interrupted.
  auto repo = store::open_repository(url, *secrets);
  if (!repo) {
    spdlog::error("event=database_open_failed url={} error=\"{}\"", shown_url(url),
                  repo.error().message);
    return std::nullopt;
  }
  if (auto finished = store::finish_key_rotation(keys_dir); !finished) {
    spdlog::error("event=store_key_failed error=\"{}\"", finished.error().message);
    return std::nullopt;
  } else if (*finished) {
    spdlog::info("event=store_key_rotated key_id={}", (*secrets)->key_id());
  }
  CourtStore out{std::move(*repo), {}};
  spdlog::info("event=database_open backend={} url={} store_key_id={}", out.repository->backend(),
               shown_url(url), (*secrets)->key_id());

  auto demo = store::load_demo_if_empty(*out.repository, court::Settings{});
  if (!demo) {
    spdlog::error("event=demo_load_failed error=\"{}\"", demo.error().message);
    return std::nullopt;
  }
  if (*demo) spdlog::info("event=demo_loaded note=\"the 8 August 2024 broadcast of the report\"");

  auto users = out.repository->count_users();
  if (!users) {
    spdlog::error("event=database_failed error=\"{}\"", users.error().message);
    return std::nullopt;
  }
  if (*users == 0) {
    const std::string password = store::random_password();
    const std::int64_t now_ms = base::utc_now_ms();
    auto created =
        out.repository->create_user(store::User{0, "admin", store::Role::admin,
                                                store::hash_password(password).value(), false, 0},
                                    store::Actor{"system", now_ms});
    if (!created) {
      spdlog::error("event=admin_create_failed error=\"{}\"", created.error().message);
      return std::nullopt;
    }
    spdlog::info("event=admin_created user=admin");
    out.initial_admin_password = password;
  }
  return out;
}

int rotate_store_key_command(const Config& config, std::ostream& out, std::ostream& err) {
  const fs::path keys_dir = fs::path(config.data_dir) / "keys";
  const std::string url = resolved_database_url(config);
  // The current key must be there (or be made now, for a store that never
  // had one) before the next is, or the next would be taken as the only key.
  auto before = store::load_keyring(keys_dir);
  if (!before) {
    err << "courtcast: " << before.error().message << "\n";
    return 1;
  }
  if (auto r = store::begin_key_rotation(keys_dir); !r) {
    err << "courtcast: " << r.error().message << "\n";
    return 1;
  }
  auto secrets = store::load_keyring(keys_dir);
  if (!secrets) {
    err << "courtcast: " << secrets.error().message << "\n";
    return 1;
  }
  auto repo = store::open_repository(url, *secrets);  // seals every key again
  if (!repo) {
    err << "courtcast: " << shown_url(url) << ": " << repo.error().message
        << "\n(the rotation is left under way; the next start or rotate-store-key finishes it)\n";
    return 1;
  }
  auto kept = (*repo)->list_destinations();  // every one opens with the new key
  if (!kept) {
    err << "courtcast: " << kept.error().message << "\n";
    return 1;
  }
  if (auto r = store::finish_key_rotation(keys_dir); !r) {
    err << "courtcast: " << r.error().message << "\n";
    return 1;
  }
  out << "store key rotated: " << (*before)->key_id() << " -> " << (*secrets)->key_id() << "; "
      << kept->size() << " platform stream key(s) sealed again\n";
  return 0;
}

void keep_initial_admin_password(const Config& config, const std::string& password) {
  if (password.empty()) return;
  const fs::path file = fs::path(config.data_dir) / "keys" / "admin-initial-password";
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  if (auto r = base::write_file_atomically(file, password + "\n", 0600); !r)
    spdlog::error("event=admin_password_not_written path={} error=\"{}\"", file.string(),
                  r.error().message);
}

}  // namespace courtcast::app
