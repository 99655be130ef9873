#pragma once
// Checks a recording folder against its manifest: every line parses, is
// signed by the expected key, carries its index and the hash of the line
// before it; every listed segment exists with its size and SHA-256; no
// segment is there that the manifest does not list. Stops at the first bad
// place and names it.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "record/crypto.hpp"
#include "record/manifest.hpp"

namespace courtcast::record {

struct VerifyReport {
  std::filesystem::path dir;
  bool ok = false;
  std::string error;  // the first bad place, when !ok
  std::vector<std::string> notes;
  std::vector<ManifestLine> lines;  // the lines read (all of them when ok)
  std::vector<std::string> line_sha256;
  std::uint64_t segments = 0;
  std::uint64_t recovered = 0;
  std::uint64_t gaps = 0;
  std::int64_t media_ms = 0;
  std::int64_t gap_ms = 0;
  std::string head_sha256;  // hash of the last line: pins the whole chain

  std::string summary() const;
};

VerifyReport verify_stream_dir(const std::filesystem::path& dir, const SigningKey& key);

// `dir` itself when it holds a manifest, else every folder below it that does.
std::vector<std::filesystem::path> find_recordings(const std::filesystem::path& dir);

}  // namespace courtcast::record
