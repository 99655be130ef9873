#include "http/hls_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <charconv>

#include "base/log_value.hpp"
#include "base/text.hpp"
#include "hls/channel.hpp"
#include "http/json_text.hpp"
#include "http/server.hpp"

namespace courtcast::http {

namespace {

using boost::beast::http::status;
namespace json = boost::json;

// Cache rules (docs/api.md, "HLS"): a media object's URI names one set of
// bytes for ever (the channel's epoch is in it), so caches keep it; a
// playlist changes with every part, so caches keep it a second at most; a
// blocking reload's answer is keyed by its query (_HLS_msn/_HLS_part) and
// is a valid answer to that query for good, but names segments that leave
// the window, so it is kept for a few target durations; errors (a part not
// out yet, a timeout) are never stored.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kPlaylist = "public, max-age=1";
constexpr std::string_view kNoStore = "no-store";
constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";

HlsReply error(status code, std::string_view what, std::string message) {
  HlsReply r;
  r.status = code;
  r.content_type = "application/json; charset=utf-8";
  r.cache_control = kNoStore;
  r.text = std::make_shared<const std::string>(json_text(
      json::object{{"error", json::object{{"code", what}, {"message", std::move(message)}}}}));
  return r;
}

template <typename T>
std::optional<T> number(std::string_view s) {
  T v{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "seg12.m4s" → 12 for prefix "seg" and suffix ".m4s".
std::optional<std::uint64_t> numbered(std::string_view file, std::string_view prefix,
                                      std::string_view suffix) {
  if (!file.starts_with(prefix) || !file.ends_with(suffix)) return std::nullopt;
  return number<std::uint64_t>(
      file.substr(prefix.size(), file.size() - prefix.size() - suffix.size()));
}

HlsReply media(std::vector<hls::SharedBytes> body, std::string_view type) {
  HlsReply r;
  r.content_type = type;
  r.cache_control = kImmutable;
  r.body = std::move(body);
  return r;
}

}  // namespace

std::size_t HlsReply::size() const {
  std::size_t n = text ? text->size() : 0;
  for (const auto& b : body) n += b->size();
  return n;
}

bool is_hls_path(std::string_view path) {
  if (!path.starts_with("/live/")) return false;
  for (std::string_view ext : {".m3u8", ".m4s", ".mp4", ".ts"})
    if (path.ends_with(ext)) return true;
  return false;
}

boost::asio::awaitable<HlsReply> hls_reply(const Services& services, std::string_view path,
                                           std::string_view query) {
  auto& registry = *services.hls;
  auto& counters = registry.counters();
  const std::string_view rest = path.substr(6);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    // /live/NAME.m3u8: the playlist's URIs are relative to /live/NAME/.
    if (!rest.ends_with(".m3u8")) co_return error(status::not_found, "not_found", "no such file");
    HlsReply r;
    r.status = status::found;
    r.location = "/live/" + std::string(rest.substr(0, rest.size() - 5)) + "/index.m3u8";
    if (!query.empty()) r.location += "?" + std::string(query);
    r.cache_control = "public, max-age=60";
    co_return r;
  }
  const std::string name(rest.substr(0, slash));
  const std::string_view file = rest.substr(slash + 1);
  // The same question the HTTP-FLV path asks, as the public asks it.
  if (auto why = services.access.refuse_play(name, {}, false)) {
    counters.refused.fetch_add(1, std::memory_order_relaxed);
    co_return error(status::forbidden, "play_refused", *why);
  }

  if (file == "index.m3u8" || file == "ts.m3u8") {
    const bool ts = file == "ts.m3u8";
    auto channel = registry.open(name);
    channel->touch();
    const auto msn_text = base::query_value(query, "_HLS_msn");
    const auto part_text = base::query_value(query, "_HLS_part");
    std::optional<std::uint64_t> msn, part;
    if (msn_text && !(msn = number<std::uint64_t>(*msn_text)))
      co_return error(status::bad_request, "bad_hls_msn", "_HLS_msn must be a whole number");
    if (part_text && !(part = number<std::uint64_t>(*part_text)))
      co_return error(status::bad_request, "bad_hls_part", "_HLS_part must be a whole number");
    if (part && !msn)
      co_return error(status::bad_request, "bad_hls_part", "_HLS_part needs _HLS_msn");
    const bool blocking = msn && !ts;
    hls::WaitResult waited = hls::WaitResult::ready;
    if (blocking) {
      // LL-HLS: hold the answer until the part is out, for at most three
      // target durations; then 503, as the spec asks of a server that
      // cannot deliver in time.
      waited = co_await channel->wait(
          *msn, part, std::chrono::milliseconds(channel->target_duration_s() * 3000));
    } else {
      // The first request of a new channel: wait for its first segment
      // rather than answer a playlist a player cannot start from.
      waited = co_await channel->wait(
          0, std::nullopt, std::chrono::milliseconds(registry.options().first_segment_wait_ms));
      if (waited == hls::WaitResult::timeout) {
        counters.not_found.fetch_add(1, std::memory_order_relaxed);
        co_return error(status::not_found, "not_live", "the stream has no segment yet");
      }
    }
    switch (waited) {
      case hls::WaitResult::ready:
        break;
      case hls::WaitResult::too_far:
        co_return error(status::bad_request, "hls_msn_too_far",
                        "_HLS_msn is more than two segments past the playlist's last");
      case hls::WaitResult::timeout:
        counters.wait_timeouts.fetch_add(1, std::memory_order_relaxed);
        {
          auto r = error(status::service_unavailable, "hls_part_late",
                         "the part asked for did not come out in three target durations");
          r.retry_after = "1";
          co_return r;
        }
      case hls::WaitResult::busy: {
        counters.busy.fetch_add(1, std::memory_order_relaxed);
        auto r = error(status::service_unavailable, "busy", "too many waiting playlist requests");
        r.retry_after = "1";
        co_return r;
      }
    }
    HlsReply r;
    r.content_type = kPlaylistType;
    r.text = channel->playlist(ts);
    if (blocking) {
      counters.blocking_playlists.fetch_add(1, std::memory_order_relaxed);
      r.cache_control = "public, max-age=" + std::to_string(channel->target_duration_s() * 3);
    } else {
      counters.playlists.fetch_add(1, std::memory_order_relaxed);
      r.cache_control = kPlaylist;
    }
    co_return r;
  }

  const auto epoch_end = file.find('/');
  auto channel = registry.find(name);
  auto missing = [&] {
    counters.not_found.fetch_add(1, std::memory_order_relaxed);
    return error(status::not_found, "not_found", "no such segment (it left the window?)");
  };
  if (!channel || epoch_end == std::string_view::npos ||
      file.substr(0, epoch_end) != channel->epoch())
    co_return missing();
  const std::string_view object = file.substr(epoch_end + 1);
  if (auto id = numbered(object, "init", ".mp4")) {
    if (auto bytes = channel->init(static_cast<std::uint32_t>(*id))) {
      counters.inits.fetch_add(1, std::memory_order_relaxed);
      co_return media({bytes}, "video/mp4");
    }
    co_return missing();
  }
  if (auto msn = numbered(object, "seg", ".m4s")) {
    auto parts = channel->segment(*msn);
    if (parts.empty()) co_return missing();
    counters.segments.fetch_add(1, std::memory_order_relaxed);
    co_return media(std::move(parts), "video/mp4");
  }
  if (auto msn = numbered(object, "seg", ".ts")) {
    if (auto bytes = channel->ts_segment(*msn)) {
      counters.ts_segments.fetch_add(1, std::memory_order_relaxed);
      co_return media({bytes}, "video/mp2t");
    }
    co_return missing();
  }
  if (object.starts_with("part") && object.ends_with(".m4s")) {
    const auto numbers = object.substr(4, object.size() - 8);
    const auto dot = numbers.find('.');
    const auto msn = number<std::uint64_t>(numbers.substr(0, dot));
    const auto index = dot == std::string_view::npos
                           ? std::nullopt
                           : number<std::uint64_t>(numbers.substr(dot + 1));
    if (!msn || !index) co_return missing();
    auto bytes = channel->part(*msn, *index);
    if (!bytes) {
      // The preload hint names a part before it exists: the request waits
      // for it (up to a target duration and a half), as LL-HLS clients expect.
      const auto waited = co_await channel->wait(
          *msn, index, std::chrono::milliseconds(channel->target_duration_s() * 1500));
      if (waited == hls::WaitResult::ready) bytes = channel->part(*msn, *index);
    }
    if (!bytes) co_return missing();
    counters.parts.fetch_add(1, std::memory_order_relaxed);
    co_return media({bytes}, "video/mp4");
  }
  co_return missing();
}

}  // namespace courtcast::http
