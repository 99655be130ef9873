#include "record/segment.hpp"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>

#include "base/file.hpp"
#include "media/flv.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;
using media::make_error;

std::string segment_file_name(std::uint64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%06llu.flv", static_cast<unsigned long long>(index));
  return buf;
}

std::string part_file_name(std::uint64_t index, std::int64_t start_utc_ms) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%06llu-%lld.flv.part", static_cast<unsigned long long>(index),
                static_cast<long long>(start_utc_ms));
  return buf;
}

// ---------------------------------------------------------------- SegmentFile

SegmentFile::~SegmentFile() {
  abandon();
}

Result<bool> SegmentFile::open(const fs::path& dir, std::uint64_t index,
                               std::int64_t start_utc_ms) {
  abandon();
  dir_ = dir;
  index_ = index;
  part_path_ = dir / part_file_name(index, start_utc_ms);
  fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0)
    return make_error("cannot create " + part_path_.string() + ": " + std::strerror(errno));
  written_ = queued_bytes_ = 0;
  hash_ = Sha256();
  // The .part's directory entry must survive a crash, or recovery finds nothing.
  if (auto r = base::sync_dir(dir); !r) return r.error();
  return true;
}

void SegmentFile::add(const media::PacketPtr& packet) {
  const auto tag = packet->flv_tag();
  iov_.push_back({const_cast<std::uint8_t*>(tag.data()), tag.size()});
  queued_bytes_ += tag.size();
  held_.push_back(packet);
}

void SegmentFile::add(media::Bytes bytes) {
  owned_.push_back(std::make_unique<media::Bytes>(std::move(bytes)));
  iov_.push_back({owned_.back()->data(), owned_.back()->size()});
  queued_bytes_ += owned_.back()->size();
}

Result<bool> SegmentFile::flush() {
  std::size_t at = 0;
  while (at < iov_.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(iov_.size() - at, IOV_MAX));
    const ssize_t n = ::writev(fd_, iov_.data() + at, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error("write to " + part_path_.string() + " failed: " + std::strerror(errno));
    }
    // Hash exactly what reached the file, advancing over whole and partial buffers.
    std::size_t left = static_cast<std::size_t>(n);
    written_ += left;
    queued_bytes_ -= left;
    while (left > 0) {
      iovec& v = iov_[at];
      const std::size_t take = std::min(left, v.iov_len);
      hash_.update({static_cast<const std::uint8_t*>(v.iov_base), take});
      v.iov_base = static_cast<std::uint8_t*>(v.iov_base) + take;
      v.iov_len -= take;
      left -= take;
      if (v.iov_len == 0) ++at;
    }
    while (at < iov_.size() && iov_[at].iov_len == 0) ++at;
  }
  iov_.clear();
  held_.clear();
  owned_.clear();
  return true;
}

Result<bool> SegmentFile::sync() {
  if (auto r = flush(); !r) return r;
  if (::fsync(fd_) != 0)
    return make_error("fsync of " + part_path_.string() + " failed: " + std::strerror(errno));
  return true;
}

Result<bool> SegmentFile::close(ManifestLine& line) {
  if (auto r = sync(); !r) return r;
  ::close(fd_);
  fd_ = -1;
  const std::string name = segment_file_name(index_);
  if (::rename(part_path_.c_str(), (dir_ / name).c_str()) != 0)
    return make_error("cannot rename " + part_path_.string() + ": " + std::strerror(errno));
  if (auto r = base::sync_dir(dir_); !r) return r.error();
  line.file = name;
  line.size_bytes = written_;
  line.sha256 = hash_.hex_digest();
  return true;
}

void SegmentFile::abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  iov_.clear();
  held_.clear();
  owned_.clear();
  queued_bytes_ = 0;
}

// ---------------------------------------------------------------- scan

FlvScan scan_flv(const fs::path& path) {
  FlvScan scan;
  std::ifstream in(path, std::ios::binary);
  const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)),
                                       std::istreambuf_iterator<char>());
  media::FlvReader reader;
  std::span<const std::uint8_t> rest(data);
  for (;;) {
    std::size_t consumed = 0;
    auto tag = reader.next(rest, consumed);
    if (!tag) {
      scan.error = tag.error().message;
      break;
    }
    if (!*tag) break;
    const auto& t = **tag;
    if (t.type == 8 || t.type == 9) {
      if (scan.media_tags++ == 0) scan.first_ts_ms = t.dts_ms;
      scan.last_ts_ms = std::max(scan.last_ts_ms, t.dts_ms);
    }
    rest = rest.subspan(consumed);
    scan.whole_bytes += consumed;
  }
  return scan;
}

// ---------------------------------------------------------------- recovery

namespace {

struct Leftover {
  fs::path path;
  bool part = false;
  std::int64_t start_utc_ms = 0;  // from a .part's name; 0 when unknown
};

std::int64_t mtime_utc_ms(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

}  // namespace

Result<std::size_t> recover_segments(const fs::path& dir, ManifestWriter& manifest,
                                     const SigningKey& key, const std::string& session,
                                     const std::string& stream,
                                     const std::function<void(const std::string&)>& log) {
  std::map<std::uint64_t, Leftover> leftovers;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned long long index = 0;
    long long utc = 0;
    int used = 0;
    if (std::sscanf(name.c_str(), "%llu-%lld.flv.part%n", &index, &utc, &used) == 2 &&
        used == static_cast<int>(name.size())) {
      leftovers[index] = {entry.path(), true, utc};
    } else if (std::sscanf(name.c_str(), "%llu.flv%n", &index, &used) == 1 &&
               used == static_cast<int>(name.size()) && index >= manifest.next_index()) {
      // Renamed but its line never written: whole, but not yet in the chain.
      leftovers.emplace(index, Leftover{entry.path(), false, 0});
    }
  }
  std::size_t recovered = 0;
  for (auto& [index, left] : leftovers) {
    const FlvScan scan = scan_flv(left.path);
    if (scan.media_tags == 0) {
      log("event=record_recover_discard file=" + left.path.filename().string() +
          " reason=\"no whole media tag\" size_bytes=" +
          std::to_string(fs::file_size(left.path, ec)));
      fs::remove(left.path, ec);
      continue;
    }
    const std::uint64_t size_before = fs::file_size(left.path, ec);
    const std::int64_t mtime = mtime_utc_ms(left.path);
    if (scan.whole_bytes < size_before) {
      if (::truncate(left.path.c_str(), static_cast<off_t>(scan.whole_bytes)) != 0)
        return make_error("cannot cut " + left.path.string() + ": " + std::strerror(errno));
    }
    if (const int fd = ::open(left.path.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    ManifestLine line;
    line.kind = LineKind::segment;
    line.session = session;
    line.stream = stream;
    line.first_ts_ms = scan.first_ts_ms;
    line.last_ts_ms = scan.last_ts_ms;
    line.recovered = true;
    const std::int64_t media_ms = scan.last_ts_ms - scan.first_ts_ms;
    line.start_utc_ms = left.start_utc_ms ? left.start_utc_ms : mtime - media_ms;
    // The media clock says how far the file reaches; the last write time
    // bounds it, in case the publisher's clock ran fast.
    line.end_utc_ms = std::min(line.start_utc_ms + media_ms, std::max(mtime, line.start_utc_ms));
    // The file takes the index of its line, so names and lines stay in step.
    line.file = segment_file_name(manifest.next_index());
    const fs::path final_path = dir / line.file;
    const ManifestWriter::Commit commit(manifest);
    if (left.path != final_path) {
      if (fs::exists(final_path, ec))
        return make_error("cannot recover " + left.path.string() + ": " + final_path.string() +
                          " exists but is not in the manifest");
      fs::rename(left.path, final_path, ec);
      if (ec) return make_error("cannot rename " + left.path.string() + ": " + ec.message());
    }
    if (auto r = base::sync_dir(dir); !r) return r.error();
    auto digest = sha256_file(final_path, &line.size_bytes);
    if (!digest) return digest.error();
    line.sha256 = *digest;
    if (auto r = manifest.append(line, key); !r) return r.error();
    log("event=record_recovered file=" + line.file + " from=" + left.path.filename().string() +
        " size_bytes=" + std::to_string(line.size_bytes) +
        " cut_bytes=" + std::to_string(size_before - scan.whole_bytes) +
        " duration_ms=" + std::to_string(media_ms));
    ++recovered;
  }
  return recovered;
}

}  // namespace courtcast::record
