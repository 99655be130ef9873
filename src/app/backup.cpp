#include "app/backup.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <limits>
#include <sstream>

#include "app/court_store.hpp"
#include "base/clock.hpp"
#include "base/file.hpp"
#include "base/secret.hpp"
#include "record/manifest.hpp"
#include "store/backends.hpp"
#include "store/repository.hpp"
#include "store/secret_box.hpp"

namespace courtcast::app {

namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

constexpr std::string_view kDatabaseFile = "courtcast.db";
constexpr std::string_view kConfigFile = "courtcast.toml";
constexpr std::string_view kIndexFile = "backup.json";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The folders of data_dir that a backup holds, all flat. The emblem and the
// programs' choices (slate, graphics switches) are what the court set through
// the API and cannot get back from anywhere else.
constexpr std::string_view kFolders[] = {"keys", "cards", "emblem", "programs"};

// Restore makes these as they were at the backup, removing files the backup
// does not have: the emblem store takes the first valid emblem-*.png it
// finds, so an older one left beside the restored one could win.
bool mirrored(std::string_view folder) {
  return folder == "emblem" || folder == "programs";
}

// A file being written (base::write_file_atomically's FILE.tmp) is not the
// one in effect; the renamed file is.
bool in_effect(const fs::path& file) {
  return file.extension() != ".tmp";
}

// Copies the files of `from` (one level: the folders are flat) into `to`
// with owner-only modes; adds each to `files` with its SHA-256. With
// `mirror`, files of `to` that `from` lacks are removed.
bool copy_folder(const fs::path& from, const fs::path& to, const std::string& label,
                 json::array& files, std::ostream& err, bool mirror = false) {
  std::error_code ec;
  if (!fs::exists(from, ec)) return true;
  fs::create_directories(to, ec);
  fs::permissions(to, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (mirror) {
    for (const auto& entry : fs::directory_iterator(to, ec)) {
      std::error_code rec;
      if (entry.is_regular_file() && !fs::exists(from / entry.path().filename(), rec))
        fs::remove(entry.path(), rec);
    }
  }
  for (const auto& entry : fs::directory_iterator(from, ec)) {
    if (!entry.is_regular_file() || !in_effect(entry.path())) continue;
    const std::string bytes = read_all(entry.path());
    if (auto r = base::write_file_atomically(to / entry.path().filename(), bytes, 0600); !r) {
      err << "courtcast: " << r.error().message << "\n";
      return false;
    }
    files.push_back(json::object{{"path", label + "/" + entry.path().filename().string()},
                                 {"sha256", base::sha256_hex(bytes)}});
  }
  if (ec) {
    err << "courtcast: " << from.string() << ": " << ec.message() << "\n";
    return false;
  }
  return true;
}

struct ManifestState {
  std::size_t lines = 0;
  std::string last_sha256;  // of the last whole line's bytes
};

// A manifest's first `lines` whole lines (all of them by default), read under
// its folder's lock (record::read_folder); a partial last line is not
// committed, so it is not counted.
std::optional<ManifestState> manifest_state(
    const fs::path& dir, std::size_t lines = std::numeric_limits<std::size_t>::max()) {
  auto snapshot = record::read_folder(dir);
  if (!snapshot) return std::nullopt;
  ManifestState m;
  std::string_view rest = snapshot->manifest;
  while (!rest.empty() && m.lines < lines) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.empty()) continue;
    ++m.lines;
    m.last_sha256 = base::sha256_hex(line);
  }
  return m;
}

json::array list_recordings(const fs::path& root) {
  json::array out;
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& session : fs::directory_iterator(root, ec)) {
    if (!session.is_directory()) continue;
    std::error_code sec;
    for (const auto& stream : fs::directory_iterator(session.path(), sec))
      if (stream.is_directory()) dirs.push_back(stream.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    auto m = manifest_state(dir);
    if (!m || m->lines == 0) continue;
    out.push_back(json::object{{"dir", fs::relative(dir, root).string()},
                               {"lines", m->lines},
                               {"last_line_sha256", m->last_sha256}});
  }
  return out;
}

}  // namespace

int backup_command(const Config& config, const std::string& config_path, const fs::path& dir,
                   std::ostream& out, std::ostream& err) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    err << "courtcast: " << dir.string() << " is not empty; back up into a new folder\n";
    return 2;
  }
  fs::create_directories(dir, ec);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) {
    err << "courtcast: " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  const fs::path data_dir = config.data_dir;
  const std::string url = resolved_database_url(config);
  json::array files;
  json::object index{{"format", "courtcast-backup-1"}, {"created_ms", base::utc_now_ms()}};

  if (url.starts_with("sqlite:")) {
    if (auto r = store::copy_sqlite(url.substr(7), (dir / kDatabaseFile).string()); !r) {
      err << "courtcast: " << r.error().message << "\n";
      return 1;
    }
    fs::permissions(dir / kDatabaseFile, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace, ec);
    files.push_back(json::object{{"path", kDatabaseFile},
                                 {"sha256", base::sha256_hex(read_all(dir / kDatabaseFile))}});
    index["database"] = "sqlite";
  } else {
    index["database"] = "postgresql";
    index["database_note"] =
        "not in this folder: back it up with pg_dump --format=custom (docs/operations.md)";
  }
  for (const std::string_view folder : kFolders) {
    // Even empty: restore then knows there was no emblem (or no choices) to
    // keep; a backup from before these folders were backed up has none.
    if (mirrored(folder)) fs::create_directories(dir / folder, ec);
    if (!copy_folder(data_dir / folder, dir / folder, std::string(folder), files, err)) return 1;
  }
  if (!config_path.empty()) {
    const std::string text = read_all(config_path);
    if (auto r = base::write_file_atomically(dir / kConfigFile, text, 0600); !r) {
      err << "courtcast: " << r.error().message << "\n";
      return 1;
    }
    files.push_back(json::object{{"path", kConfigFile}, {"sha256", base::sha256_hex(text)}});
  }
  auto recordings = list_recordings(data_dir / "recordings");
  const std::size_t recording_count = recordings.size();
  index["files"] = std::move(files);
  index["recordings"] = std::move(recordings);
  index["recordings_note"] =
      "not copied: each recording's manifest as it stood, to check a restored server against";
  if (auto r = base::write_file_atomically(dir / kIndexFile, json::serialize(index) + "\n", 0600);
      !r) {
    err << "courtcast: " << r.error().message << "\n";
    return 1;
  }
  out << "backup written to " << dir.string() << ": "
      << (url.starts_with("sqlite:") ? "database, " : "")
      << "keys, cards, emblem, programs' choices, config; " << recording_count
      << " recording manifest(s) listed\n";
  if (!url.starts_with("sqlite:"))
    out << "the PostgreSQL database is not in it: run pg_dump (docs/operations.md)\n";
  return 0;
}

int restore_command(const std::string& config_path, const fs::path& dir, std::ostream& out,
                    std::ostream& err) {
  std::error_code ec;
  json::value index;
  try {
    index = json::parse(read_all(dir / kIndexFile));
  } catch (const std::exception& e) {
    err << "courtcast: " << (dir / kIndexFile).string() << ": not a courtcast backup (" << e.what()
        << ")\n";
    return 2;
  }
  // Every file as it was backed up, before anything is put back.
  for (const auto& f : index.at("files").as_array()) {
    const std::string path(f.at("path").as_string());
    if (base::sha256_hex(read_all(dir / path)) != f.at("sha256").as_string()) {
      err << "courtcast: " << (dir / path).string() << " is not the file backed up (SHA-256)\n";
      return 1;
    }
  }
  if (!fs::exists(config_path, ec)) {
    if (!fs::exists(dir / kConfigFile, ec)) {
      err << "courtcast: no config at " << config_path << " and none in the backup\n";
      return 2;
    }
    if (auto r = base::write_file_atomically(config_path, read_all(dir / kConfigFile), 0600); !r) {
      err << "courtcast: " << r.error().message << "\n";
      return 1;
    }
    out << "config restored to " << config_path << "\n";
  }
  auto loaded = load_config(config_path);
  if (!loaded) {
    err << "courtcast: " << loaded.error().message << "\n";
    return 2;
  }
  const Config& config = *loaded;
  const fs::path data_dir = config.data_dir;
  const std::string url = resolved_database_url(config);

  // Keys first: the database's sealed secrets need them.
  json::array ignored;
  for (const std::string_view folder : kFolders)
    if (!copy_folder(dir / folder, data_dir / folder, std::string(folder), ignored, err,
                     mirrored(folder)))
      return 1;
  if (index.at("database").as_string() == "sqlite") {
    if (!url.starts_with("sqlite:")) {
      err << "courtcast: the backup holds a SQLite database but the config names "
          << "PostgreSQL; restore that with pg_restore (docs/operations.md)\n";
      return 2;
    }
    const fs::path target = url.substr(7);
    fs::create_directories(target.parent_path(), ec);
    if (auto r = store::copy_sqlite((dir / kDatabaseFile).string(), target.string()); !r) {
      err << "courtcast: " << r.error().message << "\n";
      return 1;
    }
    out << "database restored to " << target.string() << "\n";
  } else {
    out << "the backup holds no database (PostgreSQL): restore it with pg_restore first\n";
  }

  // What came back is checked, not assumed.
  int status = 0;
  auto secrets = store::load_keyring(data_dir / "keys");
  if (!secrets) {
    err << "courtcast: " << secrets.error().message << "\n";
    return 1;
  }
  auto repo = store::open_repository(url, *secrets);
  if (!repo) {
    err << "courtcast: the restored database does not open: " << repo.error().message << "\n";
    return 1;
  }
  auto audit = (*repo)->verify_audit();
  if (!audit || !audit->ok()) {
    err << "courtcast: audit chain: "
        << (audit ? "entry " + std::to_string(*audit->first_bad_seq) + ": " + audit->problem
                  : audit.error().message)
        << "\n";
    status = 1;
  } else {
    out << "audit chain: " << audit->entries << " entries verified\n";
  }
  auto kept = (*repo)->list_destinations();
  if (!kept) {
    err << "courtcast: platform stream keys: " << kept.error().message << "\n";
    status = 1;
  } else {
    out << "platform destinations: " << kept->size() << " opened with the restored store key\n";
  }
  std::size_t same = 0, grown = 0;
  for (const auto& r : index.at("recordings").as_array()) {
    const std::string rel(r.at("dir").as_string());
    const auto lines = static_cast<std::size_t>(r.at("lines").to_number<std::int64_t>());
    auto now = manifest_state(data_dir / "recordings" / rel, lines);
    if (!now || now->lines < lines) {
      err << "recording " << rel << ": manifest missing or shorter than at the backup\n";
      status = 1;
    } else if (now->last_sha256 != r.at("last_line_sha256").as_string()) {
      err << "recording " << rel << ": manifest line " << lines << " differs from the backup's\n";
      status = 1;
    } else {
      auto whole = manifest_state(data_dir / "recordings" / rel);
      (whole && whole->lines > lines ? grown : same) += 1;
    }
  }
  out << "recordings: " << same + grown << " of " << index.at("recordings").as_array().size()
      << " manifest(s) as listed" << (grown ? " (" + std::to_string(grown) + " grown since)" : "")
      << "\n";
  return status;
}

}  // namespace courtcast::app
