#include "http/static_site.hpp"

#include <sys/stat.h>

#include <array>
#include <boost/beast/core/string.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include "base/hex.hpp"

namespace courtcast::http {

namespace {

namespace fs = std::filesystem;
using boost::beast::http::status;
using boost::beast::http::verb;

// Larger files are no console's: refused rather than read into memory.
constexpr std::uint64_t kMaxFileBytes = 64ull << 20;

struct TypeRow {
  std::string_view extension;
  std::string_view type;
  bool compressible;
};

constexpr std::array kTypes{
    TypeRow{"html", "text/html; charset=utf-8", true},
    TypeRow{"js", "text/javascript; charset=utf-8", true},
    TypeRow{"mjs", "text/javascript; charset=utf-8", true},
    TypeRow{"css", "text/css; charset=utf-8", true},
    TypeRow{"json", "application/json", true},
    TypeRow{"map", "application/json", true},
    TypeRow{"webmanifest", "application/manifest+json", true},
    TypeRow{"txt", "text/plain; charset=utf-8", true},
    TypeRow{"svg", "image/svg+xml", true},
    TypeRow{"wasm", "application/wasm", true},
    TypeRow{"ico", "image/x-icon", true},
    TypeRow{"png", "image/png", false},
    TypeRow{"jpg", "image/jpeg", false},
    TypeRow{"jpeg", "image/jpeg", false},
    TypeRow{"gif", "image/gif", false},
    TypeRow{"webp", "image/webp", false},
    TypeRow{"avif", "image/avif", false},
    TypeRow{"woff2", "font/woff2", false},
    TypeRow{"woff", "font/woff", false},
    TypeRow{"ttf", "font/ttf", false},
    TypeRow{"otf", "font/otf", false},
    TypeRow{"mp4", "video/mp4", false},
    TypeRow{"flv", "video/x-flv", false},
    TypeRow{"mp3", "audio/mpeg", false},
    TypeRow{"gz", "application/gzip", false},
};

const TypeRow* type_row(std::string_view extension) {
  for (const auto& row : kTypes)
    if (boost::beast::iequals(row.extension, extension)) return &row;
  return nullptr;
}

std::string_view extension_of(std::string_view rel) {
  const auto slash = rel.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? std::string_view() : name.substr(dot + 1);
}

// Whether a comma-separated header value lists `token`; "q=0" counts as not.
bool lists(std::string_view header, std::string_view token) {
  const auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return v;
  };
  while (!header.empty()) {
    const auto comma = header.find(',');
    const std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto semi = item.find(';');
    if (!boost::beast::iequals(trim(item.substr(0, semi)), token)) continue;
    if (semi == std::string_view::npos) return true;
    const std::string_view param = trim(item.substr(semi + 1));
    if (!param.starts_with("q=")) return true;
    return std::strtod(std::string(param.substr(2)).c_str(), nullptr) > 0;
  }
  return false;
}

// Whether If-None-Match names `etag` (or is "*"); weak comparison.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    std::string_view item = if_none_match.substr(0, comma);
    if_none_match =
        comma == std::string_view::npos ? std::string_view() : if_none_match.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

struct FileFacts {
  fs::path path;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

// A regular file that resolves (symlinks followed) to inside `root`.
std::optional<FileFacts> inside(const fs::path& root, const fs::path& candidate) {
  std::error_code ec;
  const fs::path real = fs::canonical(candidate, ec);
  if (ec) return std::nullopt;
  const std::string& r = root.native();
  const std::string& p = real.native();
  if (p.size() <= r.size() || p.compare(0, r.size(), r) != 0 ||
      (r.back() != '/' && p[r.size()] != '/'))
    return std::nullopt;
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return FileFacts{
      real, static_cast<std::uint64_t>(st.st_size),
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// Whether `gz` is the gzip of `file` as it is now, not of an earlier build:
// not older than it, and its trailer's ISIZE (the uncompressed length, mod
// 2^32) is the file's length. A console rebuilt by hand (`npm run build`
// without `make web`) leaves the old siblings behind, and `cp -p` or a
// restored backup can leave them with any time.
bool gzip_of(const FileFacts& gz, const FileFacts& file) {
  if (gz.mtime_ns < file.mtime_ns || gz.size < 18 || gz.size > kMaxFileBytes) return false;
  std::ifstream in(gz.path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(gz.size - 4));
  unsigned char trailer[4];
  if (!in.read(reinterpret_cast<char*>(trailer), sizeof trailer)) return false;
  const std::uint32_t isize = trailer[0] | (trailer[1] << 8) | (trailer[2] << 16) |
                              (static_cast<std::uint32_t>(trailer[3]) << 24);
  return isize == static_cast<std::uint32_t>(file.size);
}

std::string etag_of(const FileFacts& f, std::string_view variant) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%llx-%llx%.*s\"", static_cast<unsigned long long>(f.size),
                static_cast<unsigned long long>(f.mtime_ns), static_cast<int>(variant.size()),
                variant.data());
  return buf;
}

// Pages get the console's policy. Scripts get none: a worker started from
// a script file runs under that file's policy, and the page's own already
// decides which scripts load. Anything else (an SVG opened on its own, a
// source map, an error text) must not run as a page or be framed.
void add_security_headers(StaticResponse& r, bool page, bool script) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  if (page)
    r.headers.emplace_back("Content-Security-Policy", std::string(kConsolePolicy));
  else if (!script)
    r.headers.emplace_back("Content-Security-Policy", std::string(kNotAPagePolicy));
}

StaticResponse plain(status code, std::string text, verb method) {
  StaticResponse r;
  r.status = code;
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.headers.emplace_back("Cache-Control", "no-store");
  add_security_headers(r, false, false);
  r.content_length = text.size();
  if (method != verb::head) r.body = std::move(text);
  return r;
}

StaticResponse not_built(const fs::path& dir, verb method) {
  std::error_code ec;
  const fs::path shown = fs::absolute(dir, ec);
  return plain(status::service_unavailable,
               "courtcast: the web console is not built (控制台尚未构建).\n\n"
               "Build it, then reload this page:\n"
               "  make web\n"
               "or\n"
               "  cd web && npm ci && npm run build\n\n"
               "Looked for " +
                   (ec ? dir : shown).string() +
                   "/index.html ([http] web_dir).\n"
                   "The API answers at /api/v1 meanwhile.\n",
               method);
}

}  // namespace

std::string_view content_type_for(std::string_view extension) {
  const TypeRow* row = type_row(extension);
  return row ? row->type : "application/octet-stream";
}

std::optional<std::string> site_relative_path(std::string_view target) {
  if (!target.starts_with('/')) return std::nullopt;
  std::string decoded;
  decoded.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) return std::nullopt;
      const int hi = base::hex_digit(target[i + 1]);
      const int lo = base::hex_digit(target[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return std::nullopt;
    decoded.push_back(c);
  }
  std::string out;
  std::string_view rest(decoded);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") return std::nullopt;
    if (!out.empty()) out.push_back('/');
    out.append(segment);
  }
  return out;
}

bool StaticSite::serves(verb method, std::string_view path) {
  if (method != verb::get && method != verb::head) return false;
  for (std::string_view prefix : {"/api", "/live"})
    if (path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/')) return false;
  return true;
}

bool StaticSite::built() const {
  std::error_code ec;
  return fs::is_regular_file(dir_ / "index.html", ec);
}

namespace {

// The page that draws an app route: the public watch page (/watch,
// /watch/12) is its own small page, apart from the console's.
std::string_view page_for(std::string_view rel) {
  if (rel == "watch" || rel.starts_with("watch/")) return "watch.html";
  return "index.html";
}

}  // namespace

StaticResponse StaticSite::serve(const StaticRequest& req) const {
  const auto rel = site_relative_path(req.path);
  if (!rel) return plain(status::bad_request, "bad path\n", req.method);
  std::error_code ec;
  const fs::path root = fs::canonical(dir_, ec);
  const bool page_wanted = lists(req.accept, "text/html");
  const bool is_asset = rel->starts_with("assets/");

  std::optional<FileFacts> file;
  bool page = false;
  if (!ec) {
    if (rel->empty() || *rel == "index.html") {
      file = inside(root, root / "index.html");
      page = true;
    } else {
      file = inside(root, root / *rel);
      // An unknown console route (/login, /sessions/12/control) is the
      // app's to draw; a missing asset must stay a 404, or the browser
      // would run index.html as a script.
      if (!file && !is_asset && page_wanted) {
        file = inside(root, root / page_for(*rel));
        page = true;
      }
    }
  }
  if (!file) {
    if (page || rel->empty() || (!is_asset && page_wanted)) return not_built(dir_, req.method);
    return plain(status::not_found, "not found\n", req.method);
  }
  if (file->size > kMaxFileBytes) return plain(status::not_found, "not found\n", req.method);

  const std::string_view extension = page ? "html" : extension_of(file->path.native());
  const TypeRow* row = type_row(extension);
  page = page || extension == "html" || extension == "htm";
  const bool compressible = row && row->compressible;

  // The precompressed sibling, when the browser takes gzip and it is the
  // file's as it is now (gzip_of): a stale one is ignored, never sent.
  FileFacts chosen = *file;
  bool gzipped = false;
  if (compressible && lists(req.accept_encoding, "gzip")) {
    if (auto gz = inside(root, fs::path(file->path.native() + ".gz")); gz && gzip_of(*gz, *file)) {
      chosen = *gz;
      gzipped = true;
    }
  }

  StaticResponse r;
  const std::string etag = etag_of(chosen, gzipped ? "-gz" : "");
  r.headers.emplace_back("Content-Type", row ? std::string(row->type) : "application/octet-stream");
  r.headers.emplace_back("Cache-Control",
                         is_asset && !page ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("ETag", etag);
  if (compressible) r.headers.emplace_back("Vary", "Accept-Encoding");
  if (gzipped) r.headers.emplace_back("Content-Encoding", "gzip");
  add_security_headers(r, page, extension == "js" || extension == "mjs");

  if (etag_matches(req.if_none_match, etag)) {
    r.status = status::not_modified;
    r.has_body = false;
    return r;
  }
  r.content_length = chosen.size;
  if (req.method == verb::head) return r;
  std::ifstream in(chosen.path, std::ios::binary);
  r.body.resize(chosen.size);
  if (!in.read(r.body.data(), static_cast<std::streamsize>(r.body.size())))
    return plain(status::internal_server_error, "could not read the file\n", req.method);
  return r;
}

}  // namespace courtcast::http
