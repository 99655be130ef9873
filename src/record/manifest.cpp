#include "record/manifest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>

namespace courtcast::record {

namespace fs = std::filesystem;
namespace json = boost::json;
using media::make_error;

namespace {

constexpr std::string_view kSigKey = ",\"sig\":\"";

std::string json_string(std::string_view s) {
  return json::serialize(json::string_view(s.data(), s.size()));
}

void lock(int fd, int how) {
  while (::flock(fd, how) != 0 && errno == EINTR) {
  }
}

Result<std::string> read_all(int fd, const fs::path& path) {
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error("cannot read " + path.string() + ": " + std::strerror(errno));
    if (n == 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string signed_bytes(const ManifestLine& l) {
  std::string out;
  out.reserve(512);
  out += "{\"index\":" + std::to_string(l.index);
  out += l.kind == LineKind::segment ? ",\"kind\":\"segment\"" : ",\"kind\":\"gap\"";
  out += ",\"session\":" + json_string(l.session);
  out += ",\"stream\":" + json_string(l.stream);
  if (l.kind == LineKind::segment) {
    out += ",\"file\":" + json_string(l.file);
    out += ",\"first_ts_ms\":" + std::to_string(l.first_ts_ms);
    out += ",\"last_ts_ms\":" + std::to_string(l.last_ts_ms);
  }
  out += ",\"start_utc_ms\":" + std::to_string(l.start_utc_ms);
  out += ",\"end_utc_ms\":" + std::to_string(l.end_utc_ms);
  if (l.kind == LineKind::segment) {
    out += ",\"size_bytes\":" + std::to_string(l.size_bytes);
    out += ",\"sha256\":" + json_string(l.sha256);
    out += l.recovered ? ",\"recovered\":true" : ",\"recovered\":false";
  } else {
    out += ",\"reason\":" + json_string(l.reason);
  }
  out += ",\"prev_sha256\":" + json_string(l.prev_sha256);
  out += ",\"key_id\":" + json_string(l.key_id);
  out += "}";
  return out;
}

std::string render_signed(ManifestLine& line, const SigningKey& key) {
  line.key_id = key.key_id();
  std::string body = signed_bytes(line);
  line.sig = key.sign_hex(body);
  body.pop_back();  // the closing brace moves behind the signature
  body += kSigKey;
  body += line.sig;
  body += "\"}";
  return body;
}

Result<ManifestLine> parse_line(std::string_view text, std::string* signed_part) {
  const auto at = text.rfind(kSigKey);
  if (at == std::string_view::npos || text.size() != at + kSigKey.size() + 128 + 2 ||
      text.substr(text.size() - 2) != "\"}")
    return make_error("line does not end with a signature (,\"sig\":\"<128 hex digits>\"})");
  if (signed_part) {
    signed_part->assign(text.substr(0, at));
    signed_part->push_back('}');
  }
  json::value v;
  try {
    v = json::parse(json::string_view(text.data(), text.size()));
  } catch (const std::exception& e) {
    return make_error(std::string("line is not JSON: ") + e.what());
  }
  if (!v.is_object()) return make_error("line is not a JSON object");
  const json::object& o = v.as_object();
  ManifestLine l;
  std::string missing;
  auto str = [&](const char* k, std::string& out) {
    const json::value* f = o.if_contains(k);
    if (f && f->is_string())
      out = std::string(f->as_string());
    else if (missing.empty())
      missing = k;
  };
  auto num = [&](const char* k, auto& out) {
    const json::value* f = o.if_contains(k);
    if (f && f->is_int64())
      out = static_cast<std::remove_reference_t<decltype(out)>>(f->as_int64());
    else if (f && f->is_uint64())
      out = static_cast<std::remove_reference_t<decltype(out)>>(f->as_uint64());
    else if (missing.empty())
      missing = k;
  };
  std::string kind;
  num("index", l.index);
  str("kind", kind);
  str("session", l.session);
  str("stream", l.stream);
  num("start_utc_ms", l.start_utc_ms);
  num("end_utc_ms", l.end_utc_ms);
  str("prev_sha256", l.prev_sha256);
  str("key_id", l.key_id);
  str("sig", l.sig);
  if (kind == "segment") {
    l.kind = LineKind::segment;
    str("file", l.file);
    num("first_ts_ms", l.first_ts_ms);
    num("last_ts_ms", l.last_ts_ms);
    num("size_bytes", l.size_bytes);
    str("sha256", l.sha256);
    if (const json::value* r = o.if_contains("recovered"); r && r->is_bool())
      l.recovered = r->as_bool();
  } else if (kind == "gap") {
    l.kind = LineKind::gap;
    str("reason", l.reason);
  } else if (missing.empty()) {
    return make_error("unknown kind '" + kind + "' (want segment or gap)");
  }
  if (!missing.empty()) return make_error("field '" + missing + "' missing or of the wrong type");
  return l;
}

Result<FolderSnapshot> read_folder(const fs::path& dir) {
  const fs::path path = dir / kManifestFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("no " + std::string(kManifestFile) + " in " + dir.string());
  lock(fd, LOCK_SH);
  FolderSnapshot snap;
  auto text = read_all(fd, path);
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    snap.names.push_back(e.path().filename().string());
  ::close(fd);  // releases the lock
  if (!text) return text.error();
  if (ec) return make_error("cannot list " + dir.string() + ": " + ec.message());
  snap.manifest = std::move(*text);
  std::sort(snap.names.begin(), snap.names.end());
  return snap;
}

// ---------------------------------------------------------------- writer

ManifestWriter::Commit::Commit(ManifestWriter& w) : writer_(w) {
  if (writer_.fd_ >= 0) lock(writer_.fd_, LOCK_EX);
  writer_.committing_ = true;
}

ManifestWriter::Commit::~Commit() {
  writer_.committing_ = false;
  if (writer_.fd_ >= 0) lock(writer_.fd_, LOCK_UN);
}

ManifestWriter::~ManifestWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void ManifestWriter::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  next_index_ = 0;
  prev_sha256_ = kGenesisSha256;
  last_.reset();
  dropped_partial_ = false;
}

Result<bool> ManifestWriter::open(const fs::path& dir) {
  reset();
  path_ = dir / kManifestFile;
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) return make_error("cannot open " + path_.string() + ": " + std::strerror(errno));
  const Commit held(*this);  // a reader must not see the cut below half done
  auto read = read_all(fd_, path_);
  if (!read) return read.error();
  std::string text = std::move(*read);
  // Only whole lines count; a tail without its newline was being written
  // when the process died.
  const auto last_newline = text.rfind('\n');
  const std::size_t whole = last_newline == std::string::npos ? 0 : last_newline + 1;
  if (whole != text.size()) {
    dropped_partial_ = true;
    if (::ftruncate(fd_, static_cast<off_t>(whole)) != 0)
      return make_error("cannot cut the partial last line of " + path_.string());
    text.resize(whole);
  }
  if (whole > 0) {
    const auto begin = text.rfind('\n', whole - 2);
    const std::string_view line =
        std::string_view(text).substr(begin == std::string::npos ? 0 : begin + 1,
                                      whole - 1 - (begin == std::string::npos ? 0 : begin + 1));
    auto parsed = parse_line(line);
    if (!parsed)
      return make_error(path_.string() + ": last line unreadable: " + parsed.error().message);
    last_ = *parsed;
    next_index_ = parsed->index + 1;
    prev_sha256_ = sha256_hex(line);
  }
  return true;
}

Result<bool> ManifestWriter::append(ManifestLine& line, const SigningKey& key) {
  line.index = next_index_;
  line.prev_sha256 = prev_sha256_;
  std::string text = render_signed(line, key);
  const std::string digest = sha256_hex(text);
  text.push_back('\n');
  std::optional<Commit> held;
  if (!committing_) held.emplace(*this);
  const ssize_t n = ::write(fd_, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size()))
    return make_error("cannot append to " + path_.string() + ": " +
                      (n < 0 ? std::strerror(errno) : "short write"));
  if (::fsync(fd_) != 0)
    return make_error("fsync of " + path_.string() + " failed: " + std::strerror(errno));
  prev_sha256_ = digest;
  ++next_index_;
  last_ = line;
  return true;
}

}  // namespace courtcast::record
