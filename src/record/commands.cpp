#include "record/commands.hpp"

#include <filesystem>
#include <ostream>

#include "base/clock.hpp"
#include "record/crypto.hpp"
#include "record/export.hpp"
#include "record/verify.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;

namespace {

// The key a recording is checked against: the one given, else the server's
// own key from the config's data_dir, else the key of the data_dir the
// recording lies in (data_dir/recordings/SESSION/STREAM).
Result<SigningKey> choose_key(const fs::path& dir, const KeyChoice& choice) {
  if (!choice.key_pem.empty()) return SigningKey::load_public_pem(choice.key_pem);
  auto from_data_dir = [](const fs::path& data_dir) -> std::optional<fs::path> {
    std::error_code ec;
    for (const char* name : {"recording-ed25519.pub.pem", "recording-ed25519.pem"})
      if (fs::exists(data_dir / "keys" / name, ec)) return data_dir / "keys" / name;
    return std::nullopt;
  };
  if (!choice.data_dir.empty()) {
    if (auto f = from_data_dir(choice.data_dir)) return SigningKey::load_public_pem(*f);
    return media::make_error("no recording key in " + choice.data_dir +
                             "/keys (pass --key PUBKEY.pem)");
  }
  std::error_code ec;
  for (fs::path p = fs::absolute(dir, ec).lexically_normal(); p.has_relative_path();
       p = p.parent_path()) {
    if (p.filename() == "recordings")
      if (auto f = from_data_dir(p.parent_path())) return SigningKey::load_public_pem(*f);
  }
  if (auto f = from_data_dir("var")) return SigningKey::load_public_pem(*f);
  return media::make_error("cannot find the server's recording key for " + dir.string() +
                           " (pass --key PUBKEY.pem or --config FILE)");
}

}  // namespace

int verify_command(const std::string& dir, const KeyChoice& choice, std::ostream& out,
                   std::ostream& err) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    err << "courtcast verify: " << dir << " is not a directory\n";
    return 2;
  }
  const auto dirs = find_recordings(dir);
  if (dirs.empty()) {
    err << "courtcast verify: no manifest.jsonl in or below " << dir << "\n";
    return 1;
  }
  // Found from the first recording, so that a folder above data_dir works too.
  auto key = choose_key(dirs.front(), choice);
  if (!key) {
    err << "courtcast verify: " << key.error().message << "\n";
    return 2;
  }
  int status = 0;
  for (const auto& d : dirs) {
    const VerifyReport r = verify_stream_dir(d, *key);
    (r.ok ? out : err) << r.summary() << "\n";
    for (const auto& note : r.notes) out << "  note: " << note << "\n";
    if (!r.ok) status = 1;
  }
  return status;
}

int export_command(const std::string& dir, const std::string& from, const std::string& to,
                   const std::string& out_path, const KeyChoice& choice, std::ostream& out,
                   std::ostream& err) {
  auto from_ms = base::parse_utc_ms(from);
  auto to_ms = base::parse_utc_ms(to);
  if (!from_ms || !to_ms) {
    err << "courtcast export: " << (!from_ms ? from_ms.error() : to_ms.error()).message << "\n";
    return 2;
  }
  auto key = choose_key(dir, choice);
  if (!key) {
    err << "courtcast export: " << key.error().message << "\n";
    return 2;
  }
  auto r = export_clip(dir, *from_ms, *to_ms, out_path, *key);
  if (!r) {
    err << "courtcast export: " << r.error().message << "\n";
    return 1;
  }
  out << "wrote ";
  for (std::size_t i = 0; i < r->parts.size(); ++i)
    out << (i ? ", " : "") << r->parts[i].file.string();
  out << " (" << static_cast<double>(r->duration_ms) / 1000.0 << " s in " << r->parts.size()
      << " part" << (r->parts.size() == 1 ? "" : "s") << " from " << r->segments.size()
      << " segment" << (r->segments.size() == 1 ? "" : "s") << ", " << base::format_utc_ms(*from_ms)
      << " to " << base::format_utc_ms(*to_ms) << ") and " << r->sidecar.string() << "\n";
  return 0;
}

int keys_export_command(const std::string& data_dir, std::ostream& out, std::ostream& err) {
  auto key = SigningKey::load_or_create(data_dir);
  if (!key) {
    err << "courtcast keys export: " << key.error().message << "\n";
    return 1;
  }
  out << key->public_pem();
  return 0;
}

}  // namespace courtcast::record
