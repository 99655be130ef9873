#pragma once
// Clip export: a wall-clock range of one recorded stream, remuxed without
// re-encoding into one MP4 (faststart), with a sidecar JSON that lists the
// segments the clip came from, their hashes and the manifest lines that
// vouch for them, so the clip can be traced back to the signed chain.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "record/crypto.hpp"
#include "record/manifest.hpp"

namespace courtcast::record {

struct ExportResult {
  std::filesystem::path clip;
  std::filesystem::path sidecar;
  std::vector<ManifestLine> segments;  // the source segments, in order
  std::int64_t duration_ms = 0;
  std::uint64_t packets = 0;
};

// Verifies the folder first: a clip is only cut from an intact chain. The
// clip starts at the keyframe at or before `from` (an edit list makes
// players start at `from` itself) and ends before `to`.
Result<ExportResult> export_clip(const std::filesystem::path& dir, std::int64_t from_utc_ms,
                                 std::int64_t to_utc_ms, const std::filesystem::path& out,
                                 const SigningKey& key);

}  // namespace courtcast::record
