#pragma once
// The web console's built files (web/dist by default): served at / from the
// same origin as the API, so its cookie and CSRF token work without CORS.
//
// Files are read from disk on each request, so `make web` while the server
// runs is picked up at the next reload. Hashed files under /assets/ are
// cached for a year; index.html is revalidated on every load (ETag), so a new
// build reaches every browser at once. Compression is a `.gz` sibling made at
// build time (`make web`), never done per request: a console's bundle is the
// same bytes for every browser, gzip -9 once costs less than deflating per
// request, and the server needs no zlib.

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courtcast::http {

struct StaticRequest {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string_view path;  // as sent, percent-encoded, without the query
  std::string_view accept;
  std::string_view accept_encoding;
  std::string_view if_none_match;
};

struct StaticResponse {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;                  // empty for HEAD and 304
  std::uint64_t content_length = 0;  // what GET would send, also for HEAD
  bool has_body = true;              // false for 304
};

// The Content-Security-Policy of the console's pages. Element Plus sets
// inline styles from JS, hence 'unsafe-inline' for styles only; mpegts.js
// plays through MediaSource (blob:) from a worker made from a blob: URL.
inline constexpr std::string_view kConsolePolicy =
    "default-src 'self'; script-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; "
    "connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

// Everything that is not a page (API answers, errors, media, clips, images):
// nothing may run in it or frame it.
inline constexpr std::string_view kNotAPagePolicy =
    "default-src 'none'; frame-ancestors 'none'; sandbox";

class StaticSite {
 public:
  // `dir` may be relative (to the working directory) and may not exist yet.
  explicit StaticSite(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Whether a request belongs here rather than to the API or HTTP-FLV.
  static bool serves(boost::beast::http::verb method, std::string_view path);

  StaticResponse serve(const StaticRequest& req) const;

  // Whether dir/index.html exists now (the console has been built).
  bool built() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// "text/javascript; charset=utf-8" for "js"; application/octet-stream for
// what it does not know.
std::string_view content_type_for(std::string_view extension);

// The path relative to the site's root, percent-decoded ("assets/app.js";
// "" for "/"), or nullopt when it could leave the root or is malformed: a
// ".." or "." segment (also encoded), NUL, a backslash, a bad %-escape.
std::optional<std::string> site_relative_path(std::string_view target);

}  // namespace courtcast::http
