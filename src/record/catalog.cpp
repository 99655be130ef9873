#include "record/catalog.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>

namespace courtcast::record {

namespace fs = std::filesystem;

RecordingSummary summarize_recording(const fs::path& dir) {
  RecordingSummary s;
  s.stream = dir.filename().string();
  std::ifstream in(dir / kManifestFile);
  std::string text;
  std::uint64_t n = 0;
  while (std::getline(in, text)) {
    ++n;
    if (text.empty()) continue;
    auto line = parse_line(text);
    if (!line) {
      // A crash can leave a cut last line; the recorder cuts it on its next start.
      s.error = "manifest line " + std::to_string(n) + ": " + line.error().message;
      break;
    }
    if (s.start_utc_ms == 0) s.start_utc_ms = line->start_utc_ms;
    s.end_utc_ms = std::max(s.end_utc_ms, line->end_utc_ms);
    if (line->kind == LineKind::segment) {
      s.segments++;
      if (line->recovered) s.recovered++;
      s.media_ms += line->last_ts_ms - line->first_ts_ms;
    } else {
      s.gaps.push_back(std::move(*line));
    }
  }
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".flv")) {
      s.bytes_on_disk += e.file_size(ec);
    } else if (name.ends_with(".flv.part")) {
      s.bytes_on_disk += e.file_size(ec);
      s.open_segment = true;
      // NNNNNN-STARTUTC.flv.part
      const auto dash = name.find('-');
      if (dash != std::string::npos) {
        try {
          s.open_since_utc_ms = std::stoll(name.substr(dash + 1));
        } catch (...) {
        }
      }
    }
  }
  if (s.open_segment) {
    if (s.start_utc_ms == 0) s.start_utc_ms = s.open_since_utc_ms;
    // The open segment runs until now, as far as the files show.
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    s.end_utc_ms = std::max(s.end_utc_ms, static_cast<std::int64_t>(now));
  }
  return s;
}

std::vector<fs::path> stream_folders(const fs::path& session_dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(session_dir, ec))
    if (e.is_directory(ec) && fs::exists(e.path() / kManifestFile, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace courtcast::record
