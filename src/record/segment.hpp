#pragma once
// Segment files on disk: an FLV file is written as NNNNNN-STARTUTC.flv.part,
// hashed as it is written, fsync'd and renamed to NNNNNN.flv when it closes.
// A .part left by a crash is recovered on the next start: cut at its last
// whole tag, hashed and listed in the manifest with recovered: true.

#include <sys/uio.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "media/packet.hpp"
#include "record/crypto.hpp"
#include "record/manifest.hpp"

namespace courtcast::record {

std::string segment_file_name(std::uint64_t index);  // "000007.flv"
std::string part_file_name(std::uint64_t index, std::int64_t start_utc_ms);

class SegmentFile {
 public:
  SegmentFile() = default;
  ~SegmentFile();
  SegmentFile(const SegmentFile&) = delete;
  SegmentFile& operator=(const SegmentFile&) = delete;

  Result<bool> open(const std::filesystem::path& dir, std::uint64_t index,
                    std::int64_t start_utc_ms);
  bool is_open() const { return fd_ >= 0; }

  // Queue bytes for the next flush(). A packet is held until then, so its
  // tag is written straight from the shared buffer without a copy.
  void add(const media::PacketPtr& packet);
  void add(media::Bytes bytes);
  // One gathered write for everything queued.
  Result<bool> flush();

  // Flushes and fsyncs: the slow part of closing, done before the folder's
  // lock is taken for the rename.
  Result<bool> sync();
  // Syncs, renames to NNNNNN.flv and syncs the directory. The line's file,
  // size_bytes and sha256 are filled in. Hold the manifest's Commit around
  // this and the line's append.
  Result<bool> close(ManifestLine& line);
  // Closes the descriptor and leaves the .part for recovery.
  void abandon();

  std::uint64_t index() const { return index_; }
  std::uint64_t size_bytes() const { return written_ + queued_bytes_; }

 private:
  int fd_ = -1;
  std::filesystem::path dir_;
  std::filesystem::path part_path_;
  std::uint64_t index_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t queued_bytes_ = 0;
  Sha256 hash_;
  std::vector<iovec> iov_;
  std::vector<media::PacketPtr> held_;
  std::vector<std::unique_ptr<media::Bytes>> owned_;
};

// What a scan of an FLV file found.
struct FlvScan {
  std::uint64_t whole_bytes = 0;  // the file up to the end of its last whole tag
  std::uint64_t media_tags = 0;
  std::int64_t first_ts_ms = 0;
  std::int64_t last_ts_ms = 0;
  std::string error;  // a malformed tag stops the scan there
};
FlvScan scan_flv(const std::filesystem::path& path);

// Recovers what a crash left in `dir`: .part files and .flv files the
// manifest does not list yet. Each is cut to its last whole tag, synced,
// renamed to its final name and appended to the manifest. Reports each
// recovered or discarded file through `log`.
Result<std::size_t> recover_segments(const std::filesystem::path& dir, ManifestWriter& manifest,
                                     const SigningKey& key, const std::string& session,
                                     const std::string& stream,
                                     const std::function<void(const std::string&)>& log);

}  // namespace courtcast::record
