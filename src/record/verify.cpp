#include "record/verify.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/clock.hpp"
#include "record/segment.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;

namespace {

std::string seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  return buf;
}

bool plain_segment_name(const std::string& name) {
  unsigned long long index = 0;
  int used = 0;
  return std::sscanf(name.c_str(), "%llu.flv%n", &index, &used) == 1 &&
         used == static_cast<int>(name.size()) && name.find('/') == std::string::npos;
}

}  // namespace

std::string VerifyReport::summary() const {
  if (!ok) return "FAILED " + dir.string() + ": " + error;
  std::string s = "ok " + dir.string() + ": " + std::to_string(segments) + " segment" +
                  (segments == 1 ? "" : "s");
  if (recovered) s += " (" + std::to_string(recovered) + " recovered)";
  s += ", " + seconds(media_ms) + " recorded, " + std::to_string(gaps) + " gap" +
       (gaps == 1 ? "" : "s");
  if (gaps) s += " (" + seconds(gap_ms) + ")";
  if (!lines.empty())
    s += ", " + base::format_utc_ms(lines.front().start_utc_ms) + " to " +
         base::format_utc_ms(lines.back().end_utc_ms) + ", key " + lines.back().key_id +
         ", head sha256 " + head_sha256;
  return s;
}

VerifyReport verify_stream_dir(const fs::path& dir, const SigningKey& key) {
  VerifyReport r;
  r.dir = dir;
  // The manifest and the folder's names as of one moment: a segment that a
  // recorder closes meanwhile is in both or in neither.
  auto snapshot = read_folder(dir);
  if (!snapshot) {
    r.error = snapshot.error().message;
    return r;
  }
  const std::string& text = snapshot->manifest;

  std::string prev = kGenesisSha256;
  std::set<std::string> listed;
  std::size_t pos = 0;
  std::uint64_t number = 0;  // 1-based line number, as an editor shows it
  auto fail = [&](const std::string& where, const std::string& what) {
    r.error = std::string(kManifestFile) + " line " + std::to_string(number) + where + ": " + what;
    return r;
  };
  while (pos < text.size()) {
    ++number;
    const auto end = text.find('\n', pos);
    if (end == std::string::npos)
      return fail("",
                  "incomplete last line (no newline): the manifest was cut or is being written");
    const std::string_view raw = std::string_view(text).substr(pos, end - pos);
    pos = end + 1;
    std::string signed_part;
    auto parsed = parse_line(raw, &signed_part);
    if (!parsed) return fail("", parsed.error().message);
    const ManifestLine& l = *parsed;
    const std::string where =
        " (index " + std::to_string(l.index) + (l.file.empty() ? "" : ", " + l.file) + ")";
    if (l.key_id != key.key_id())
      return fail(where,
                  "signed by another key (key_id " + l.key_id + ", expected " + key.key_id() + ")");
    if (!key.verify_hex(signed_part, l.sig))
      return fail(where, "signature does not match: the line was edited or signed by another key");
    if (l.index != number - 1)
      return fail(where, "index " + std::to_string(l.index) + " where " +
                             std::to_string(number - 1) +
                             " belongs: lines were reordered, removed or inserted");
    if (l.prev_sha256 != prev)
      return fail(where,
                  "prev_sha256 does not match the line before: lines were reordered, "
                  "removed or inserted");
    if (l.end_utc_ms < l.start_utc_ms) return fail(where, "ends before it starts");
    if (l.kind == LineKind::segment) {
      if (!plain_segment_name(l.file))
        return fail(where, "file name '" + l.file + "' is not a segment name");
      const fs::path file = dir / l.file;
      std::error_code ec;
      if (!fs::exists(file, ec)) return fail(where, "segment " + l.file + " is missing");
      std::uint64_t size = 0;
      auto digest = sha256_file(file, &size);
      if (!digest) return fail(where, digest.error().message);
      if (size != l.size_bytes)
        return fail(where, "segment " + l.file + " is " + std::to_string(size) +
                               " bytes, the manifest says " + std::to_string(l.size_bytes) +
                               (size < l.size_bytes ? ": the file was truncated"
                                                    : ": bytes were added to the file"));
      if (*digest != l.sha256)
        return fail(where,
                    "segment " + l.file + " does not match its SHA-256: the file was changed");
      listed.insert(l.file);
      r.segments++;
      if (l.recovered) r.recovered++;
      r.media_ms += l.last_ts_ms - l.first_ts_ms;
    } else {
      r.gaps++;
      r.gap_ms += l.end_utc_ms - l.start_utc_ms;
    }
    prev = sha256_hex(raw);
    r.lines.push_back(l);
    r.line_sha256.push_back(prev);
  }
  r.head_sha256 = prev;

  for (const auto& name : snapshot->names) {
    if (plain_segment_name(name) && !listed.count(name)) {
      r.error = "extra segment " + name + " is not in " + std::string(kManifestFile);
      return r;
    }
    if (name.size() > 9 && name.ends_with(".flv.part"))
      r.notes.push_back("open segment " + name +
                        " is not in the chain yet (recording, or recovered at the next start)");
  }
  r.ok = true;
  return r;
}

std::vector<fs::path> find_recordings(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::exists(dir / kManifestFile, ec)) return {dir};
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file() && it->path().filename() == kManifestFile)
      out.push_back(it->path().parent_path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace courtcast::record
