#pragma once
// What a stream's recording folder holds, read from disk alone (its
// manifest and files), whether or not anything records into it now: the
// API lists a session's recordings from this after any restart.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "record/manifest.hpp"

namespace courtcast::record {

struct RecordingSummary {
  std::string stream;
  std::uint64_t segments = 0;
  std::uint64_t recovered = 0;
  std::vector<ManifestLine> gaps;
  std::int64_t start_utc_ms = 0;  // of the first line; 0 when the manifest is empty
  std::int64_t end_utc_ms = 0;    // of the last line
  std::int64_t media_ms = 0;
  std::uint64_t bytes_on_disk = 0;  // every segment file, the open one included
  bool open_segment = false;        // a .part being written (or left by a crash)
  std::int64_t open_since_utc_ms = 0;
  std::string error;  // a manifest line that does not parse; what was read before it stands
};

RecordingSummary summarize_recording(const std::filesystem::path& dir);

// Every stream folder (one holding a manifest) directly under `session_dir`,
// by name.
std::vector<std::filesystem::path> stream_folders(const std::filesystem::path& session_dir);

}  // namespace courtcast::record
