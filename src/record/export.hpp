#pragma once
// Clip export: a wall-clock range of one recorded stream, remuxed without
// re-encoding into MP4 (faststart), with a sidecar JSON that lists the
// segments the clip came from, their hashes and the manifest lines that
// vouch for them, so the clip can be traced back to the signed chain.
//
// An MP4 track has one decoder configuration, but a program or air
// recording changes it at every take or card switch (a new AVC sequence
// header). So the range is cut into parts, one MP4 per run of one
// configuration, each starting at a keyframe; the sidecar lists them in
// order with their own hashes, time ranges and frame counts.

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "record/crypto.hpp"
#include "record/manifest.hpp"

namespace courtcast::record {

struct ExportPart {
  std::filesystem::path file;
  std::string sha256;
  std::uint64_t size_bytes = 0;
  // Wall clock the part shows, from its first frame to the end of its last.
  std::int64_t start_utc_ms = 0;
  std::int64_t end_utc_ms = 0;
  std::uint64_t video_frames = 0;
  std::uint64_t audio_frames = 0;
  std::string video_codec;  // "h264", or empty without video
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string audio_codec;
  std::vector<std::uint64_t> segments;  // manifest indices of its source segments
};

struct ExportResult {
  std::vector<ExportPart> parts;  // in time order
  std::filesystem::path sidecar;
  std::string sidecar_sha256;
  std::vector<ManifestLine> segments;  // the source segments, in order
  std::int64_t duration_ms = 0;        // of all parts together
  std::uint64_t packets = 0;
};

// Verifies the folder first: a clip is only cut from an intact chain. The
// first part starts at the keyframe at or before `from` (an edit list makes
// players start at `from` itself); the clip ends before `to`.
//
// With one configuration the clip is written to `out`; with several, to
// `STEM-part1.EXT`, `STEM-part2.EXT`, … beside it. The sidecar is
// `out` + ".json". No file that exists is ever replaced: the export fails
// instead. `about` is copied into the sidecar as "export" (who asked, for
// which case).
Result<ExportResult> export_clip(const std::filesystem::path& dir, std::int64_t from_utc_ms,
                                 std::int64_t to_utc_ms, const std::filesystem::path& out,
                                 const SigningKey& key, const boost::json::object& about = {});

}  // namespace courtcast::record
