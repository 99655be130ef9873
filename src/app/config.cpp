#include "app/config.hpp"

#include "relay/preset.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

namespace courtcast::app {

namespace {

using media::make_error;

std::string where(const std::string& source, const toml::node& node) {
  const auto& r = node.source();
  return source + ":" + std::to_string(r.begin.line);
}

class Reader {
 public:
  Reader(const std::string& source) : source_(source) {}
  std::string error;

  bool check_keys(const toml::table& t, const std::string& section, std::set<std::string> known) {
    for (const auto& [k, v] : t) {
      if (!known.count(std::string(k.str()))) {
        std::string allowed;
        for (const auto& n : known) allowed += (allowed.empty() ? "" : ", ") + n;
        fail(v, "unknown key '" + std::string(k.str()) + "' in " + section +
                    " (allowed: " + allowed + ")");
        return false;
      }
    }
    return true;
  }

  void get(const toml::table& t, const char* key, std::string& out) {
    if (const toml::node* n = t.get(key)) {
      if (auto v = n->value<std::string>())
        out = *v;
      else
        fail(*n, std::string("'") + key + "' must be a string");
    }
  }
  void get(const toml::table& t, const char* key, bool& out) {
    if (const toml::node* n = t.get(key)) {
      // Exactly a boolean: value<bool>() would also take 0 and 1.
      if (const auto* v = n->as_boolean())
        out = v->get();
      else
        fail(*n, std::string("'") + key + "' must be true or false");
    }
  }
  template <typename Int>
  void get(const toml::table& t, const char* key, Int& out, std::int64_t lo, std::int64_t hi) {
    if (const toml::node* n = t.get(key)) {
      // Exactly an integer: value<int64_t>() would also convert a float, and
      // toml++ casts one out of range (5E20) before it checks (undefined).
      const auto* v = n->as_integer();
      if (!v || v->get() < lo || v->get() > hi)
        fail(*n, std::string("'") + key + "' must be an integer from " + std::to_string(lo) +
                     " to " + std::to_string(hi));
      else
        out = static_cast<Int>(v->get());
    }
  }
  // A number of days, whole or not (a fraction lets a test see expiry).
  void get_days(const toml::table& t, const char* key, double& out, double hi) {
    if (const toml::node* n = t.get(key)) {
      auto v = n->value<double>();
      if (!v || *v < 0 || *v > hi)
        fail(*n, std::string("'") + key + "' must be a number of days from 0 to " +
                     std::to_string(static_cast<long long>(hi)));
      else
        out = *v;
    }
  }
  void fail(const toml::node& n, const std::string& message) {
    if (error.empty()) error = where(source_, n) + ": " + message;
  }

 private:
  const std::string& source_;
};

// "http://host" or "https://host:port", as a browser sends it in Origin.
bool valid_origin(std::string_view o) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (!o.starts_with(scheme)) continue;
    const std::string_view rest = o.substr(scheme.size());
    return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' ||
             ch == '[' || ch == ']';
    });
  }
  return false;
}

const toml::table* section(Reader& r, const toml::table& root, const char* name) {
  const toml::node* n = root.get(name);
  if (!n) return nullptr;
  if (!n->is_table()) {
    r.fail(*n, std::string("[") + name + "] must be a table");
    return nullptr;
  }
  return n->as_table();
}

}  // namespace

media::Result<HostPort> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return make_error("listen address '" + listen + "' has no port (want HOST:PORT)");
  HostPort hp;
  hp.host = listen.substr(0, colon);
  if (hp.host.size() >= 2 && hp.host.front() == '[' && hp.host.back() == ']')
    hp.host = hp.host.substr(1, hp.host.size() - 2);
  const std::string port = listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
    return make_error("listen address '" + listen +
                      "' has a bad port (0-65535; 0 picks a free one)");
  hp.port = static_cast<std::uint16_t>(std::stoul(port));
  if (hp.host.empty()) hp.host = "0.0.0.0";
  return hp;
}

media::Result<Config> parse_config(const std::string& text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return make_error(source + ":" + std::to_string(e.source().begin.line) + ": " +
                      std::string(e.description()));
  }
  Config c;
  Reader r(source);
  if (!r.check_keys(root, "the file",
                    {"server", "rtmp", "http", "srt", "database", "live", "log", "record", "relay",
                     "standby", "program", "stream", "destination", "watch", "metrics"}))
    return make_error(r.error);
  if (auto* t = section(r, root, "server");
      t && r.check_keys(*t, "[server]", {"data_dir", "workers", "public_host"})) {
    r.get(*t, "data_dir", c.data_dir);
    r.get(*t, "public_host", c.public_host);
    const bool host_ok = std::all_of(c.public_host.begin(), c.public_host.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' ||
             ch == '[' || ch == ']';
    });
    if (!host_ok && r.error.empty())
      r.error =
          "[server] public_host: a host name or address (letters, digits, '.', '-', "
          "IPv6 in [ ]), no scheme, port or path";
    r.get(*t, "workers", c.workers, 0, 64);
  }
  if (auto* t = section(r, root, "rtmp");
      t && r.check_keys(*t, "[rtmp]",
                        {"listen", "publish_idle_timeout_ms", "admission_timeout_ms",
                         "max_connections", "max_connections_per_address", "max_buffered_bytes",
                         "tls_listen", "tls_cert", "tls_key"})) {
    r.get(*t, "listen", c.rtmp_listen);
    r.get(*t, "tls_listen", c.rtmp_tls_listen);
    r.get(*t, "tls_cert", c.rtmp_tls_cert);
    r.get(*t, "tls_key", c.rtmp_tls_key);
    if (c.rtmp_tls_cert.empty() != c.rtmp_tls_key.empty())
      r.fail(*t, "[rtmp] RTMPS needs both 'tls_cert' and 'tls_key' (PEM files)");
    r.get(*t, "publish_idle_timeout_ms", c.publish_idle_timeout_ms, 1000, 600'000);
    r.get(*t, "admission_timeout_ms", c.rtmp_admission_timeout_ms, 100, 600'000);
    r.get(*t, "max_connections", c.rtmp_max_connections, 1, 1'000'000);
    r.get(*t, "max_connections_per_address", c.rtmp_max_connections_per_address, 1, 1'000'000);
    // At least what one publisher may hold, or no publisher could send a keyframe.
    r.get(*t, "max_buffered_bytes", c.rtmp_max_buffered_bytes, std::int64_t{32} << 20,
          std::int64_t{64} << 30);
  }
  if (auto* t = section(r, root, "http");
      t && r.check_keys(
               *t, "[http]",
               {"listen", "web_dir", "allowed_origins", "tls_listen", "tls_cert", "tls_key",
                "plain", "trusted_proxies", "max_connections", "max_connections_per_address"})) {
    r.get(*t, "listen", c.http_listen);
    r.get(*t, "max_connections", c.http_max_connections, 1, 1'000'000);
    r.get(*t, "max_connections_per_address", c.http_max_connections_per_address, 0, 1'000'000);
    r.get(*t, "tls_listen", c.http_tls_listen);
    r.get(*t, "tls_cert", c.http_tls_cert);
    r.get(*t, "tls_key", c.http_tls_key);
    if (c.http_tls_cert.empty() != c.http_tls_key.empty())
      r.fail(*t, "[http] HTTPS needs both 'tls_cert' and 'tls_key' (PEM files)");
    if (const toml::node* n = t->get("plain")) {
      const auto v = n->value<std::string>();
      if (!v || (*v != "serve" && *v != "redirect" && *v != "refuse"))
        r.fail(*n, "[http] 'plain' must be one of serve, redirect, refuse");
      else
        c.http_plain = *v;
    }
    if (c.http_listen.empty() && c.http_tls_cert.empty())
      r.fail(*t, "[http] 'listen' may be empty (no plain HTTP) only with HTTPS ('tls_cert')");
    r.get(*t, "web_dir", c.web_dir);
    if (const toml::node* n = t->get("allowed_origins")) {
      const toml::array* arr = n->as_array();
      if (arr)
        for (const auto& item : *arr)
          if (auto v = item.value<std::string>(); v && valid_origin(*v))
            c.http_allowed_origins.push_back(*v);
      if (!arr || c.http_allowed_origins.size() != arr->size())
        r.fail(*n,
               "'allowed_origins' must be a list of origins like \"https://console.court.example\" "
               "(scheme http or https, a host, an optional port; no path)");
    }
    if (const toml::node* n = t->get("trusted_proxies")) {
      std::vector<http::AddressRange> ranges;
      if (const toml::array* arr = n->as_array()) {
        for (const auto& item : *arr) {
          auto text = item.value<std::string>();
          auto range = text ? http::parse_address_range(*text)
                            : base::Result<http::AddressRange>(base::make_error("is not a string"));
          if (!range) {
            r.fail(item, "'trusted_proxies': " + (text ? std::string() : std::string("an entry ")) +
                             range.error().message +
                             "; list addresses or networks like [\"127.0.0.1\", \"10.0.0.0/8\"]");
            break;
          }
          ranges.push_back(*range);
        }
        c.http_trusted_proxies = http::TrustedProxies(std::move(ranges));
      } else {
        r.fail(*n, "'trusted_proxies' must be a list like [\"127.0.0.1\", \"10.0.0.0/8\"]");
      }
    }
  }
  if (auto* t = section(r, root, "srt");
      t && r.check_keys(*t, "[srt]", {"listen", "passphrase", "latency_ms"})) {
    r.get(*t, "listen", c.srt_listen);
    r.get(*t, "passphrase", c.srt_passphrase);
    // libsrt's own bounds for a passphrase (it derives the AES key from it).
    if (!c.srt_passphrase.empty() && (c.srt_passphrase.size() < 10 || c.srt_passphrase.size() > 79))
      r.fail(*t->get("passphrase"), "'passphrase' must be 10 to 79 characters (or empty: none)");
    r.get(*t, "latency_ms", c.srt_latency_ms, 20, 60'000);
  }
  if (auto* t = section(r, root, "hls");
      t && r.check_keys(*t, "[hls]", {"segment_ms", "part_ms", "window_segments"})) {
    r.get(*t, "segment_ms", c.hls_segment_ms, 1000, 10'000);
    r.get(*t, "part_ms", c.hls_part_ms, 200, 2000);
    r.get(*t, "window_segments", c.hls_window_segments, 3, 60);
    if (c.hls_part_ms > c.hls_segment_ms)
      r.fail(*t, "'part_ms' must not be more than 'segment_ms'");
  }
  if (auto* t = section(r, root, "database"); t && r.check_keys(*t, "[database]", {"url"}))
    r.get(*t, "url", c.database_url);
  if (auto* t = section(r, root, "log"); t && r.check_keys(*t, "[log]", {"level"})) {
    r.get(*t, "level", c.log_level);
    static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
    if (!levels.count(c.log_level))
      r.fail(*t->get("level"), "'level' must be one of trace, debug, info, warn, error");
  }
  if (auto* t = section(r, root, "live");
      t && r.check_keys(*t, "[live]",
                        {"max_lag_ms", "merge_window_ms", "adaptive_merge", "audio_hold_ms"})) {
    r.get(*t, "max_lag_ms", c.max_lag_ms, 500, 60'000);
    r.get(*t, "merge_window_ms", c.merge_window_ms, 0, 2000);
    r.get(*t, "adaptive_merge", c.adaptive_merge);
    r.get(*t, "audio_hold_ms", c.audio_hold_ms, 0, 200);
  }
  if (auto* t = section(r, root, "record");
      t && r.check_keys(*t, "[record]",
                        {"enabled", "segment_seconds", "min_free_bytes", "retention_days",
                         "export_concurrency", "export_per_user", "export_max_seconds",
                         "export_retention_days"})) {
    r.get(*t, "enabled", c.record_enabled);
    r.get(*t, "segment_seconds", c.record_segment_seconds, 2, 3600);
    r.get(*t, "min_free_bytes", c.record_min_free_bytes, 0, std::int64_t{1} << 50);
    r.get(*t, "retention_days", c.record_retention_days, 0, 36'500);
    r.get(*t, "export_concurrency", c.export_concurrency, 1, 64);
    r.get(*t, "export_per_user", c.export_per_user, 1, 64);
    r.get(*t, "export_max_seconds", c.export_max_seconds, 1, 4 * 3600);
    r.get_days(*t, "export_retention_days", c.export_retention_days, 36'500);
  }
  if (auto* t = section(r, root, "standby"); t && r.check_keys(*t, "[standby]", {"card"}))
    r.get(*t, "card", c.standby_card);
  if (auto* t = section(r, root, "watch");
      t && r.check_keys(*t, "[watch]",
                        {"court", "questions_per_minute_per_browser",
                         "questions_per_minute_per_address", "words_file"})) {
    r.get(*t, "court", c.watch_court);
    r.get(*t, "questions_per_minute_per_browser", c.questions_per_minute_per_browser, 1, 100'000);
    r.get(*t, "questions_per_minute_per_address", c.questions_per_minute_per_address, 1, 100'000);
    r.get(*t, "words_file", c.words_file);
  }
  if (auto* t = section(r, root, "metrics");
      t && r.check_keys(*t, "[metrics]", {"enabled", "allow_loopback", "token"})) {
    r.get(*t, "enabled", c.metrics_enabled);
    r.get(*t, "allow_loopback", c.metrics_allow_loopback);
    r.get(*t, "token", c.metrics_token);
    // Sent as a bearer token: printable, no spaces, long enough not to guess.
    const bool printable = std::all_of(c.metrics_token.begin(), c.metrics_token.end(),
                                       [](char ch) { return ch > ' ' && ch < 0x7f; });
    if (!c.metrics_token.empty() && (c.metrics_token.size() < 16 || !printable))
      r.fail(*t->get("token"),
             "'token' must be at least 16 printable characters without spaces (or empty: "
             "loopback only)");
    if (c.metrics_enabled && !c.metrics_allow_loopback && c.metrics_token.empty())
      r.fail(*t, "[metrics] with allow_loopback = false needs a 'token', or no one can read it");
  }
  if (auto* t = section(r, root, "relay"); t && r.check_keys(*t, "[relay]", {"ca_file"}))
    r.get(*t, "ca_file", c.relay_ca_file);
  auto each = [&](const char* name, auto&& fn) {
    const toml::node* n = root.get(name);
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr || !arr->is_array_of_tables()) {
      r.fail(*n, std::string("'") + name + "' must be written as [[" + name + "]] tables");
      return;
    }
    for (const auto& item : *arr) fn(*item.as_table());
  };
  std::set<std::string> names;
  each("stream", [&](const toml::table& t) {
    if (!r.check_keys(t, "[[stream]]", {"name", "key", "public"})) return;
    StreamConfig s;
    r.get(t, "name", s.name);
    r.get(t, "key", s.key);
    r.get(t, "public", s.is_public);
    if (s.name.empty() ||
        s.name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
            std::string::npos)
      r.fail(t, "[[stream]] needs a 'name' of letters, digits, '-', '_' or '.'");
    else if (s.key.size() < 8)
      r.fail(t, "[[stream]] '" + s.name + "' needs a 'key' of at least 8 characters");
    else if (!names.insert(s.name).second)
      r.fail(t, "[[stream]] '" + s.name + "' is declared twice");
    c.streams.push_back(std::move(s));
  });
  each("destination", [&](const toml::table& t) {
    if (!r.check_keys(t, "[[destination]]", {"stream", "name", "url", "preset", "enabled"})) return;
    DestinationConfig d;
    r.get(t, "stream", d.stream);
    r.get(t, "name", d.name);
    r.get(t, "url", d.url);
    r.get(t, "enabled", d.enabled);
    r.get(t, "preset", d.preset);
    relay::Preset preset;
    if (!relay::parse_preset(d.preset, preset))
      r.fail(t, "[[destination]] '" + d.name + "' has an unknown 'preset' (" +
                    relay::preset_codes() + ")");
    if (d.name.empty() || d.stream.empty())
      r.fail(t, "[[destination]] needs 'name' and 'stream'");
    else if (d.url.rfind("rtmp://", 0) != 0 && d.url.rfind("rtmps://", 0) != 0)
      r.fail(t, "[[destination]] '" + d.name + "' needs a 'url' starting with rtmp:// or rtmps://");
    c.destinations.push_back(std::move(d));
  });
  each("program", [&](const toml::table& t) {
    if (!r.check_keys(t, "[[program]]",
                      {"name", "inputs", "delay_seconds", "auto_return", "input_timeout_ms",
                       "air_mode", "air_width", "air_height", "air_fps", "air_video_kbps",
                       "air_audio_kbps", "air_preset", "air_title"}))
      return;
    ProgramConfig pc;
    r.get(t, "name", pc.name);
    std::string mode(court::air_mode_code(pc.air.mode));
    r.get(t, "air_mode", mode);
    if (auto m = court::air_mode_from_code(mode))
      pc.air.mode = *m;
    else
      r.fail(t, "[[program]] 'air_mode' must be one of " + court::air_mode_codes());
    r.get(t, "air_width", pc.air.width, 160, 3840);
    r.get(t, "air_height", pc.air.height, 90, 2160);
    r.get(t, "air_fps", pc.air.fps, 1, 60);
    r.get(t, "air_video_kbps", pc.air.video_bitrate_kbps, 100, 50'000);
    r.get(t, "air_audio_kbps", pc.air.audio_bitrate_kbps, 32, 320);
    r.get(t, "air_preset", pc.air.preset);
    r.get(t, "air_title", pc.air_title);
    if (auto ok = court::validate_air_format(pc.air); !ok)
      r.fail(t, "[[program]] " + ok.error().message);
    r.get(t, "auto_return", pc.auto_return);
    r.get(t, "input_timeout_ms", pc.input_timeout_ms, 500, 60'000);
    if (const toml::node* d = t.get("delay_seconds")) {
      auto v = d->value<double>();
      if (!v || *v < 0 || *v > 300)
        r.fail(*d, "'delay_seconds' must be a number from 0 to 300");
      else
        pc.delay_seconds = *v;
    }
    if (const toml::node* n = t.get("inputs")) {
      const toml::array* arr = n->as_array();
      if (arr)
        for (const auto& item : *arr)
          if (auto v = item.value<std::string>()) pc.inputs.push_back(*v);
      if (!arr || pc.inputs.size() != arr->size() || pc.inputs.empty())
        r.fail(*n, "'inputs' must be a list of [[stream]] names");
    }
    if (pc.name.empty() ||
        pc.name.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
            std::string::npos)
      r.fail(t, "[[program]] needs a 'name' of letters, digits, '-' or '_'");
    for (const auto& input : pc.inputs)
      if (!names.count(input))
        r.fail(t, "[[program]] '" + pc.name + "' input '" + input + "' is not a [[stream]]");
    if (names.count(pc.name))
      r.fail(t, "[[program]] '" + pc.name + "' has the name of a [[stream]]");
    c.programs.push_back(std::move(pc));
  });
  // RTMPS takes [http]'s certificate unless it has its own.
  if (c.rtmp_tls_cert.empty()) {
    c.rtmp_tls_cert = c.http_tls_cert;
    c.rtmp_tls_key = c.http_tls_key;
  }
  if (!c.rtmp_tls_listen.empty() && c.rtmp_tls_cert.empty() && r.error.empty())
    r.error = source +
              ": [rtmp] tls_listen needs a certificate: 'tls_cert' and 'tls_key' in "
              "[rtmp] or [http]";
  if (!c.rtmp_tls_listen.empty())
    if (auto hp = parse_listen(c.rtmp_tls_listen); !hp && r.error.empty())
      r.error = source + ": " + hp.error().message;
  for (const auto* listen : {&c.rtmp_listen, &c.http_listen, &c.srt_listen, &c.http_tls_listen})
    if (listen->empty() && listen == &c.http_listen)
      continue;  // HTTPS only, checked above
    else if (listen->empty() && listen == &c.srt_listen)
      continue;  // no SRT ingest, and none of libsrt's threads (they wake ~100 times a second idle)
    else if (auto hp = parse_listen(*listen); !hp && r.error.empty())
      r.error = source + ": " + hp.error().message;
  if (!r.error.empty()) return make_error(r.error);
  return c;
}

media::Result<Config> load_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

program::AirFormat program_air(const court::AirFormat& air) {
  program::AirFormat f;
  f.mode = air.mode == court::AirMode::passthrough ? program::AirMode::passthrough
                                                   : program::AirMode::conform;
  f.width = air.width;
  f.height = air.height;
  f.fps = air.fps;
  f.video_bitrate_bps = std::int64_t{air.video_bitrate_kbps} * 1000;
  f.audio_bitrate_bps = std::int64_t{air.audio_bitrate_kbps} * 1000;
  f.preset = air.preset;
  return f;
}

}  // namespace courtcast::app
