#pragma once
// manifest.jsonl: one signed JSON line per closed segment or gap, each line
// carrying the SHA-256 of the line before it, so that editing, dropping or
// reordering any line breaks the chain at that place.
//
// A line is written with its fields in a fixed order and ends with
// `,"sig":"<128 hex>"}`; the signature covers the line's bytes up to that
// suffix, closed with `}`. Lines are never rewritten, only appended.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "record/crypto.hpp"

namespace courtcast::record {

enum class LineKind { segment, gap };

struct ManifestLine {
  std::uint64_t index = 0;
  LineKind kind = LineKind::segment;
  std::string session;
  std::string stream;
  // Segment only.
  std::string file;
  std::int64_t first_ts_ms = 0;  // stream timeline (FLV timestamps in the file)
  std::int64_t last_ts_ms = 0;
  std::uint64_t size_bytes = 0;
  std::string sha256;
  bool recovered = false;
  // Both kinds: wall clock, UTC, milliseconds since the epoch.
  std::int64_t start_utc_ms = 0;
  std::int64_t end_utc_ms = 0;
  // Gap only: why nothing was recorded (offline, server_stopped, disk_low, ...).
  std::string reason;
  // Chain and signature.
  std::string prev_sha256;
  std::string key_id;
  std::string sig;
};

inline constexpr std::string_view kManifestFile = "manifest.jsonl";
// The prev_sha256 of the first line.
inline const std::string kGenesisSha256(64, '0');

// The canonical bytes a line's signature covers (everything but "sig").
std::string signed_bytes(const ManifestLine& line);
// Fills key_id and sig and returns the complete line (no newline).
std::string render_signed(ManifestLine& line, const SigningKey& key);

// Reads the fields of a line. Checks shape only; the chain and signature are
// the verifier's job. `signed_part` receives the bytes the signature covers.
Result<ManifestLine> parse_line(std::string_view text, std::string* signed_part = nullptr);

// Readers and the writer of a folder agree through an advisory lock
// (flock(2)) on its manifest, so that no reader, in this process or another
// (`courtcast verify`), sees a segment renamed before its line is written,
// nor half a line: the writer holds the lock exclusively from a segment's
// rename until its line is synced, a reader shares it while it reads the
// manifest and lists the folder.
struct FolderSnapshot {
  std::string manifest;            // the manifest's bytes
  std::vector<std::string> names;  // every entry of the folder, sorted
};
// Fails when the folder has no manifest.
Result<FolderSnapshot> read_folder(const std::filesystem::path& dir);

// Appends lines durably: each line goes out in one write and is fsync'd
// before append() returns.
class ManifestWriter {
 public:
  // Holds the folder's lock exclusively while a segment is renamed and its
  // line appended, so that readers see both or neither.
  class Commit {
   public:
    explicit Commit(ManifestWriter& w);
    ~Commit();
    Commit(const Commit&) = delete;
    Commit& operator=(const Commit&) = delete;

   private:
    ManifestWriter& writer_;
  };

  ManifestWriter() = default;
  ~ManifestWriter();
  ManifestWriter(const ManifestWriter&) = delete;
  ManifestWriter& operator=(const ManifestWriter&) = delete;

  // Opens (creating) dir/manifest.jsonl and reads its tail. A last line cut
  // short by a crash was never committed: it is cut off (and reported in
  // `dropped_partial_line`), so that the chain continues from a whole line.
  Result<bool> open(const std::filesystem::path& dir);
  bool is_open() const { return fd_ >= 0; }
  // Forgets everything, so that open() reads the file afresh.
  void reset();

  // Sets index, prev_sha256, key_id and sig, then writes and syncs (under
  // the folder's lock: its own, or the caller's Commit).
  Result<bool> append(ManifestLine& line, const SigningKey& key);
  Commit commit() { return Commit(*this); }

  std::uint64_t next_index() const { return next_index_; }
  const std::optional<ManifestLine>& last() const { return last_; }
  bool dropped_partial_line() const { return dropped_partial_; }

 private:
  int fd_ = -1;
  bool committing_ = false;
  std::filesystem::path path_;
  std::uint64_t next_index_ = 0;
  std::string prev_sha256_ = kGenesisSha256;
  std::optional<ManifestLine> last_;
  bool dropped_partial_ = false;
};

}  // namespace courtcast::record
