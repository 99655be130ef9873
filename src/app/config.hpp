#pragma once
// The one configuration object: every key of the TOML file with its default.
// Unknown keys and bad values are refused with the line they are on.

#include <cstdint>
#include <string>
#include <vector>

#include "court/air_format.hpp"
#include "http/forwarded.hpp"
#include "media/result.hpp"
#include "program/air_format.hpp"

namespace courtcast::app {

struct StreamConfig {
  std::string name;
  std::string key;         // publish key (a secret: never logged)
  bool is_public = false;  // playable without the key; air streams are public
};

struct DestinationConfig {
  std::string stream;
  std::string name;
  std::string url;  // may embed the platform's stream key: a secret
  std::string preset = "custom";
  bool enabled = true;
};

// A broadcast's program: its cameras, delay and standby behaviour. Air is
// played as NAME (public), program as NAME.program (control only).
struct ProgramConfig {
  std::string name;
  std::vector<std::string> inputs;
  double delay_seconds = 10;
  bool auto_return = false;
  std::int64_t input_timeout_ms = 2000;
  // air_mode = "conform" (default) | "passthrough", air_width, air_height,
  // air_fps, air_video_kbps, air_audio_kbps, air_preset.
  court::AirFormat air;
  std::string air_title;  // conform: the lower third's title (sessions: their title)
};

struct Config {
  std::string data_dir = "var";
  // The host publish URLs name; empty: the RTMP listen address, or this
  // machine's hostname when RTMP listens on every address.
  std::string public_host;
  std::string rtmp_listen = "0.0.0.0:1935";
  // RTMPS ingest (rtmps://HOST:PORT/live/…) for cameras on public networks:
  // off unless set (the usual port is 443 or 1936); the certificate is
  // [rtmp]'s own or else [http]'s.
  std::string rtmp_tls_listen;
  std::string rtmp_tls_cert;
  std::string rtmp_tls_key;
  std::string http_listen = "0.0.0.0:8080";
  // The built web console (`make web`), relative to the working directory.
  std::string web_dir = "web/dist";
  // Origins ("https://console.court.example") besides the server's own whose
  // pages may open the events WebSocket with a console login cookie.
  std::vector<std::string> http_allowed_origins;
  // HTTPS for the console and API: on when both PEM files are given, on
  // http_tls_listen. http_listen "" then means no plain HTTP at all, and
  // http_plain says what plain HTTP does with the console and API: "redirect"
  // to HTTPS, "refuse" them, or "serve" them (a TLS proxy in front). Media
  // under /live/ is served on plain HTTP either way (caches, old players).
  std::string http_tls_listen = "0.0.0.0:8443";
  std::string http_tls_cert;
  std::string http_tls_key;
  std::string http_plain = "redirect";
  // Reverse proxies in front of courtcast (nginx, a CDN): only from these
  // peers is X-Forwarded-For believed as the viewer's address, which the
  // per-address limits count ([http] trusted_proxies; empty: none).
  http::TrustedProxies http_trusted_proxies;
  // Open HTTP connections (players, WebSockets, keep-alives) past which a
  // new one is closed at once, keeping descriptors for cameras and recordings.
  std::int64_t http_max_connections = 10000;
  // Of those, what one peer address may hold (0: no cap); trusted proxies
  // are not capped, as each speaks for many viewers.
  std::int64_t http_max_connections_per_address = 500;
  std::string srt_listen = "0.0.0.0:10080";
  std::string srt_passphrase;  // empty: unencrypted; else callers must use it
  // SRT's receiver latency: how long a lost packet may take to be resent.
  // Short latencies cut 4G links; 2 s rides out their usual stalls.
  std::int64_t srt_latency_ms = 2000;
  // [hls]: segments cut at keyframes from about this long, LL-HLS parts of
  // at most part_ms, the newest hls_window_segments kept in memory.
  std::int64_t hls_segment_ms = 2000;
  std::int64_t hls_part_ms = 500;
  std::int64_t hls_window_segments = 6;
  std::string database_url = "sqlite:var/courtcast.db";
  std::string log_level = "info";
  unsigned workers = 0;  // event loops; 0 = one per core
  std::int64_t max_lag_ms = 3000;
  std::int64_t merge_window_ms = 0;  // 0 = lowest latency; >0 merges writes to players
  bool adaptive_merge = true;        // live::StreamLimits::adaptive_merge
  // live::StreamLimits::audio_hold_ms. One frame interval at 25 fps: every
  // audio frame shares a video frame's write, about 25 sends per player-
  // second instead of about 45 (docs/performance.md: 0.28 -> 0.18 ms of CPU
  // per player-second at 1000 players; audio p99 38 -> 49 ms; video is
  // never held).
  std::int64_t audio_hold_ms = 40;
  std::int64_t publish_idle_timeout_ms = 10'000;
  // [rtmp] admission: what a peer that has not yet published or played gets.
  std::int64_t rtmp_admission_timeout_ms = 5'000;
  std::int64_t rtmp_max_connections = 2000;
  std::int64_t rtmp_max_connections_per_address = 100;
  std::int64_t rtmp_max_buffered_bytes = std::int64_t{512} << 20;  // all connections together
  // [record]: evidence recording of every stream (record/service.hpp).
  bool record_enabled = true;
  std::int64_t record_segment_seconds = 60;
  std::int64_t record_min_free_bytes = std::int64_t{1} << 30;  // below: new segments refused
  std::int64_t record_retention_days = 0;                      // 0 deletes nothing
  // Clip exports (http/export_jobs.hpp): bounded work, kept apart from the
  // evidence and deleted after their own retention (0 keeps them).
  std::int64_t export_concurrency = 2;
  std::int64_t export_per_user = 2;
  std::int64_t export_max_seconds = 1800;
  double export_retention_days = 30;
  std::string relay_ca_file;  // extra CA trusted for rtmps:// destinations
  std::vector<StreamConfig> streams;
  std::vector<DestinationConfig> destinations;
  std::vector<ProgramConfig> programs;
  std::string standby_card;  // FLV clip; empty: the card generated at build
  // [watch]: the public watch page and viewers' questions (http/qa_api.hpp).
  std::string watch_court;  // the court's name the watch page shows
  std::int64_t questions_per_minute_per_browser = 3;
  std::int64_t questions_per_minute_per_address = 3;
  std::string words_file;  // the court's sensitive-word list; empty: none
  // [metrics]: GET /metrics for Prometheus (http/metrics.hpp). Loopback
  // peers may read it; with a token, anyone sending it as a bearer token.
  bool metrics_enabled = true;
  bool metrics_allow_loopback = true;
  std::string metrics_token;  // a secret: never logged
};

// Parses TOML text; `source` names the file in error messages.
media::Result<Config> parse_config(const std::string& text, const std::string& source);
media::Result<Config> load_config(const std::string& path);

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
media::Result<HostPort> parse_listen(const std::string& listen);

// A session's or [[program]]'s air format as the air encoder takes it.
program::AirFormat program_air(const court::AirFormat& air);

}  // namespace courtcast::app
