#include "http/metrics.hpp"

#include <sys/statvfs.h>

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/verb.hpp>

#include "base/address_block.hpp"
#include "base/clock.hpp"
#include "base/secret.hpp"
#include "http/auth.hpp"
#include "http/metrics_text.hpp"
#include "http/routes.hpp"
#include "live/player_count.hpp"

#ifndef COURTCAST_VERSION
#define COURTCAST_VERSION "unknown"
#endif

namespace courtcast::http {

namespace {

using boost::beast::http::status;
using boost::beast::http::verb;

// The paths outside the route table, after its rows.
struct ExtraRoute {
  std::string_view method;
  std::string_view pattern;
};
constexpr ExtraRoute kExtraRoutes[] = {
    {"GET", "/live/{name}.flv"},  // HTTP-FLV players (the slot counts the stream's start)
    // HLS (hls_api.hpp): what a cache in front should fetch about once each.
    {"GET", "/live/{rest}.m3u8"},             // playlists (blocking reloads too)
    {"GET", "/live/{name}/{epoch}/init{n}"},  // init segments
    {"GET", "/live/{name}/{epoch}/seg{n}"},   // segments (fMP4 and MPEG-TS)
    {"GET", "/live/{name}/{epoch}/part{n}"},  // LL-HLS parts
    {"GET", "/live/{rest}"},                  // anything else under /live
    {"GET", "/metrics"},                      //
    {"GET", "/{static}"},        // the console's and the watch page's files (GET and HEAD)
    {"OPTIONS", "/api/{rest}"},  // CORS preflights
    {"other", "{unmatched}"},    // no route: 404, 405, malformed requests
};
enum Extra : std::size_t {
  flv,
  hls_playlist,
  hls_init,
  hls_segment,
  hls_part,
  live_other,
  metrics,
  site,
  preflight,
  unmatched
};

std::size_t row_count() {
  return route_table().size();
}

// Streams, destinations and recorders come and go; each family lists the
// ones there now.
void write_streams(MetricsText& m, const std::vector<live::StreamInfo>& streams) {
  std::uint64_t publishers = 0;
  for (const auto& s : streams) publishers += s.live ? 1 : 0;
  m.family("courtcast_streams", "gauge", "Streams the server holds (published or played).");
  m.sample("courtcast_streams", {}, static_cast<std::uint64_t>(streams.size()));
  m.family("courtcast_publishers", "gauge", "Streams with a publisher on now.");
  m.sample("courtcast_publishers", {}, publishers);
  m.family("courtcast_players", "gauge",
           "Media players connected now, by protocol (destinations and programs not included).");
  for (std::size_t i = 0; i < live::kPlayerProtocols.size(); ++i)
    m.sample("courtcast_players", {{"protocol", live::kPlayerProtocols[i]}},
             live::players_of(static_cast<live::PlayerProtocol>(i)));

  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const auto& s : streams) m.sample(name, {{"stream", s.name}}, value(s));
  };
  each("courtcast_stream_publishing", "gauge", "1 while the stream has a publisher.",
       [](const live::StreamInfo& s) { return std::uint64_t{s.live}; });
  each("courtcast_stream_players", "gauge",
       "Readers of the stream now: players, destinations, programs.",
       [](const live::StreamInfo& s) { return s.players; });
  each("courtcast_stream_received_bytes_total", "counter",
       "Media bytes received from the stream's publishers.",
       [](const live::StreamInfo& s) { return s.bytes_in; });
  each("courtcast_stream_sent_bytes_total", "counter", "Media bytes sent to the stream's players.",
       [](const live::StreamInfo& s) { return s.bytes_out; });
  // Prometheus' base unit is the byte (promtool insists): bit rates / 8.
  each("courtcast_stream_incoming_bytes_per_second", "gauge",
       "The stream's incoming media rate over the last seconds.",
       [](const live::StreamInfo& s) { return s.bitrate_bps / 8.0; });
  each("courtcast_stream_skipped_packets_total", "counter",
       "Packets players skipped because they fell behind.",
       [](const live::StreamInfo& s) { return s.skipped_packets; });
  each("courtcast_stream_publishes_total", "counter", "Publishes the stream has had.",
       [](const live::StreamInfo& s) { return s.publishes; });
}

void write_links(MetricsText& m, const std::vector<live::StreamInfo>& streams) {
  std::vector<std::pair<std::string_view, const live::LinkStats*>> links;
  for (const auto& s : streams)
    if (s.link && s.link->protocol == "srt") links.emplace_back(s.name, &*s.link);
  m.family("courtcast_srt_links", "gauge", "SRT publishers connected now.");
  m.sample("courtcast_srt_links", {}, static_cast<std::uint64_t>(links.size()));
  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const auto& [stream, l] : links) m.sample(name, {{"stream", stream}}, value(*l));
  };
  using L = live::LinkStats;
  each("courtcast_srt_rtt_seconds", "gauge", "Round-trip time to the SRT publisher.",
       [](const L& l) { return l.rtt_ms / 1000.0; });
  each("courtcast_srt_latency_seconds", "gauge", "The SRT receiver latency agreed for the link.",
       [](const L& l) { return l.latency_ms / 1000.0; });
  each("courtcast_srt_receive_bytes_per_second", "gauge", "What the SRT link receives now.",
       [](const L& l) { return l.receive_rate_mbps * 1e6 / 8; });
  each("courtcast_srt_bandwidth_bytes_per_second", "gauge", "The SRT link's estimated capacity.",
       [](const L& l) { return l.bandwidth_mbps * 1e6 / 8; });
  each("courtcast_srt_received_packets_total", "counter", "SRT packets received on the link.",
       [](const L& l) { return l.packets_received; });
  each("courtcast_srt_lost_packets_total", "counter",
       "SRT packets found missing (most are then retransmitted).",
       [](const L& l) { return l.packets_lost; });
  each("courtcast_srt_retransmitted_packets_total", "counter", "SRT retransmissions that arrived.",
       [](const L& l) { return l.packets_retransmitted; });
  each("courtcast_srt_dropped_packets_total", "counter",
       "SRT packets too late even for a retransmission: gaps in the stream.",
       [](const L& l) { return l.packets_dropped; });
  each("courtcast_srt_receive_buffer_seconds", "gauge", "Media waiting in the SRT receive buffer.",
       [](const L& l) { return l.receive_buffer_ms / 1000.0; });
  each("courtcast_srt_receive_buffer_bytes", "gauge", "Bytes in the SRT receive buffer.",
       [](const L& l) { return l.receive_buffer_bytes; });
  each("courtcast_srt_ts_continuity_errors_total", "counter",
       "MPEG-TS packets missing after SRT's own recovery.",
       [](const L& l) { return l.continuity_errors; });
}

void write_destinations(MetricsText& m, const relay::Relay& relay) {
  struct Row {
    std::string id, name, stream, preset;
    bool enabled;
    relay::Health health;
  };
  std::vector<Row> rows;
  for (const auto& d : relay.list()) {
    const auto spec = d->spec();  // its URL and key stay here
    rows.push_back({d->id(), spec.name, spec.stream, relay::to_string(spec.preset), spec.enabled,
                    d->health()});
  }
  m.family("courtcast_destinations", "gauge", "Platform destinations configured.");
  m.sample("courtcast_destinations", {}, static_cast<std::uint64_t>(rows.size()));
  m.family("courtcast_destination_state", "gauge",
           "1 for the state each destination is in, 0 for the others.");
  using relay::DestinationState;
  for (const auto& r : rows)
    for (const auto state :
         {DestinationState::idle, DestinationState::connecting, DestinationState::live,
          DestinationState::retrying, DestinationState::stopped})
      m.sample("courtcast_destination_state",
               {{"destination", r.name}, {"id", r.id}, {"state", relay::to_string(state)}},
               std::uint64_t{r.health.state == state});
  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const auto& r : rows)
      m.sample(name,
               {{"destination", r.name}, {"id", r.id}, {"stream", r.stream}, {"preset", r.preset}},
               value(r));
  };
  each("courtcast_destination_enabled", "gauge", "1 when the destination is switched on.",
       [](const Row& r) { return std::uint64_t{r.enabled}; });
  each("courtcast_destination_reconnects_total", "counter",
       "Times the destination connected again after losing the platform.",
       [](const Row& r) { return r.health.reconnects; });
  each("courtcast_destination_sent_bytes_total", "counter", "Bytes pushed to the platform.",
       [](const Row& r) { return r.health.bytes_sent; });
  each("courtcast_destination_dropped_packets_total", "counter",
       "Packets the destination skipped because the platform was slow.",
       [](const Row& r) { return r.health.dropped_packets; });
  each("courtcast_destination_send_bytes_per_second", "gauge", "What the destination sends now.",
       [](const Row& r) { return r.health.bitrate_bps / 8.0; });
}

void write_recordings(MetricsText& m, const record::RecordingService* recording,
                      const std::filesystem::path& data_dir) {
  std::vector<record::RecorderStatus> rows;
  if (recording) rows = recording->statuses();
  std::uint64_t alerts = 0;
  for (const auto& r : rows) alerts += r.alert ? 1 : 0;
  m.family("courtcast_recording_alerts", "gauge",
           "Recorders with an alert (disk low, a failed write): someone must look.");
  m.sample("courtcast_recording_alerts", {}, alerts);
  struct statvfs fs {};
  m.family("courtcast_recording_free_bytes", "gauge",
           "Free space on the disk of the data directory, for the server's user.");
  if (::statvfs(data_dir.c_str(), &fs) == 0)
    m.sample("courtcast_recording_free_bytes", {},
             static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize);
  m.family("courtcast_recording_state", "gauge",
           "1 for the state each recorder is in, 0 for the others.");
  using record::RecorderState;
  for (const auto& r : rows)
    for (const auto state : {RecorderState::idle, RecorderState::recording, RecorderState::refused,
                             RecorderState::failed})
      m.sample("courtcast_recording_state",
               {{"session", r.session}, {"stream", r.stream}, {"state", record::to_string(state)}},
               std::uint64_t{r.state == state});
  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    m.family(name, type, help);
    for (const auto& r : rows)
      m.sample(name, {{"session", r.session}, {"stream", r.stream}}, value(r));
  };
  using S = record::RecorderStatus;
  each("courtcast_recording_alert", "gauge", "1 while the recorder has an alert.",
       [](const S& r) { return std::uint64_t{r.alert}; });
  each("courtcast_recording_stored_bytes", "gauge",
       "Bytes of the stream's recording on disk, the open segment included.",
       [](const S& r) { return r.bytes_written; });
  each("courtcast_recording_segments_total", "counter", "Segments closed since start.",
       [](const S& r) { return r.segments; });
  each("courtcast_recording_gaps_total", "counter", "Gaps in the recording since start.",
       [](const S& r) { return r.gaps; });
  each("courtcast_recording_dropped_packets_total", "counter",
       "Packets not recorded (writer overflow, or refused while the disk was low).",
       [](const S& r) { return r.dropped_packets; });
}

void write_programs(MetricsText& m, const program::ProgramRegistry* programs) {
  std::vector<program::ProgramView> views;
  if (programs)
    for (const auto& p : programs->list()) views.push_back(p->view());
  m.family("courtcast_programs", "gauge", "Programs running (config ones and live sessions').");
  m.sample("courtcast_programs", {}, static_cast<std::uint64_t>(views.size()));
  m.family("courtcast_program_on_program", "gauge",
           "1 for the input on program (\"card\": the standby card).");
  for (const auto& v : views)
    m.sample("courtcast_program_on_program", {{"program", v.name}, {"input", v.on_program}},
             std::uint64_t{1});
  m.family("courtcast_program_on_air", "gauge",
           "1 for what air shows: program, or the card (a cut, or nothing on program).");
  for (const auto& v : views)
    for (std::string_view what : {"program", "card"})
      m.sample("courtcast_program_on_air", {{"program", v.name}, {"source", what}},
               std::uint64_t{v.on_air == what});
  m.family("courtcast_program_cut", "gauge", "1 while the privacy cut is on.");
  for (const auto& v : views)
    m.sample("courtcast_program_cut", {{"program", v.name}}, std::uint64_t{v.cut});
  m.family("courtcast_program_delay_seconds", "gauge", "The broadcast delay set.");
  for (const auto& v : views)
    m.sample("courtcast_program_delay_seconds", {{"program", v.name}}, v.delay_ms / 1000.0);
  m.family("courtcast_program_buffered_seconds", "gauge", "Program waiting in the delay line.");
  for (const auto& v : views)
    m.sample("courtcast_program_buffered_seconds", {{"program", v.name}}, v.buffered_ms / 1000.0);
}

}  // namespace

HttpMetrics::HttpMetrics() {
  const std::size_t n = row_count() + std::size(kExtraRoutes);
  slots_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>());
}

std::size_t HttpMetrics::slot(verb method, std::string_view path, const Route* row) const {
  const auto rows = route_table();
  if (row && row >= rows.data() && row < rows.data() + rows.size())
    return static_cast<std::size_t>(row - rows.data());
  const std::size_t base = rows.size();
  const bool read = method == verb::get || method == verb::head;
  if (path.starts_with("/live/") && read) {
    if (path.ends_with(".flv")) return base + Extra::flv;
    if (path.ends_with(".m3u8")) return base + Extra::hls_playlist;
    const std::string_view file = path.substr(path.rfind('/') + 1);
    if (file.starts_with("init")) return base + Extra::hls_init;
    if (file.starts_with("seg")) return base + Extra::hls_segment;
    if (file.starts_with("part")) return base + Extra::hls_part;
    return base + Extra::live_other;
  }
  if (path == "/metrics" && read) return base + Extra::metrics;
  if (path.starts_with("/api/")) return base + (method == verb::options ? preflight : unmatched);
  if (read) return base + Extra::site;
  return base + Extra::unmatched;
}

void HttpMetrics::count(std::size_t slot, unsigned code,
                        std::chrono::steady_clock::duration elapsed) {
  if (slot >= slots_.size()) return;
  Slot& s = *slots_[slot];
  if (code >= 100 && code < 600) s.by_status[code - 100].fetch_add(1, std::memory_order_relaxed);
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  if (b < kBuckets.size()) s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_ns.fetch_add(static_cast<std::uint64_t>(
                         std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
                     std::memory_order_relaxed);
}

std::pair<std::string_view, std::string_view> HttpMetrics::slot_name(std::size_t slot) const {
  const auto rows = route_table();
  if (slot < rows.size()) return {rows[slot].method, rows[slot].pattern};
  const auto& e = kExtraRoutes[std::min(slot - rows.size(), std::size(kExtraRoutes) - 1)];
  return {e.method, e.pattern};
}

std::uint64_t HttpMetrics::requests(std::size_t slot, unsigned code) const {
  if (slot >= slots_.size() || code < 100 || code >= 600) return 0;
  return slots_[slot]->by_status[code - 100].load(std::memory_order_relaxed);
}

MetricsEndpoint::MetricsEndpoint(MetricsSources sources, MetricsAccess access)
    : sources_(std::move(sources)),
      access_(std::move(access)),
      start_time_s_(base::utc_now_ms() / 1000) {}

void MetricsEndpoint::add_connections(std::string protocol,
                                      const base::ConnectionAdmission& admission) {
  connections_.emplace_back(std::move(protocol), &admission);
}

status MetricsEndpoint::admit(const std::string& peer, std::string_view authorization) const {
  if (!access_.enabled) return status::not_found;
  if (!access_.token.empty() && authorization.starts_with("Bearer ") &&
      base::same_secret(authorization.substr(7), access_.token))
    return status::ok;
  if (access_.allow_loopback) {
    boost::system::error_code ec;
    const auto address = base::plain_address(boost::asio::ip::make_address(peer, ec));
    if (!ec && address.is_loopback()) return status::ok;
  }
  return access_.token.empty() ? status::forbidden : status::unauthorized;
}

std::string MetricsEndpoint::collect() const {
  MetricsText m;
  m.family("courtcast_build_info", "gauge", "The courtcast build serving (always 1).");
  m.sample("courtcast_build_info", {{"version", COURTCAST_VERSION}}, std::uint64_t{1});
  m.family("process_start_time_seconds", "gauge", "When the server started, in Unix seconds.");
  m.sample("process_start_time_seconds", {}, start_time_s_);

  std::vector<live::StreamInfo> streams;
  for (const auto& s : sources_.hub.streams()) streams.push_back(s->info());
  write_streams(m, streams);
  write_links(m, streams);
  if (sources_.relay) write_destinations(m, *sources_.relay);
  write_recordings(m, sources_.recording, sources_.data_dir);
  write_programs(m, sources_.programs);

  if (!connections_.empty()) {
    m.family("courtcast_connections", "gauge",
             "Open connections: RTMP (cameras, players, pulls) and HTTP (players, pages, API, "
             "WebSockets).");
    for (const auto& [protocol, admission] : connections_)
      m.sample("courtcast_connections", {{"protocol", protocol}},
               static_cast<std::uint64_t>(admission->open()));
    m.family("courtcast_connections_refused_total", "counter",
             "Connections closed as soon as accepted: past max_connections, or past "
             "max_connections_per_address from one address.");
    for (const auto& [protocol, admission] : connections_) {
      m.sample("courtcast_connections_refused_total",
               {{"protocol", protocol}, {"reason", "max_connections"}}, admission->refused_total());
      m.sample("courtcast_connections_refused_total",
               {{"protocol", protocol}, {"reason", "max_connections_per_address"}},
               admission->refused_per_address());
    }
  }

  if (sources_.auth) {
    m.family("courtcast_login_failures_total", "counter",
             "Console logins refused: wrong name or password, or turned away by the lockout.");
    m.sample("courtcast_login_failures_total", {{"reason", "invalid_credentials"}},
             sources_.auth->failed_logins());
    m.sample("courtcast_login_failures_total", {{"reason", "throttled"}},
             sources_.auth->throttled_logins());
  }

  if (const HttpMetrics* h = sources_.http) {
    m.family("courtcast_http_requests_total", "counter",
             "HTTP requests answered, by route pattern and status (a media stream counts "
             "once, when it starts).");
    for (std::size_t i = 0; i < h->slots(); ++i) {
      const auto [method, route] = h->slot_name(i);
      for (unsigned code = 100; code < 600; ++code) {
        const std::uint64_t n = h->requests(i, code);
        if (n == 0) continue;
        const std::string code_text = std::to_string(code);
        m.sample("courtcast_http_requests_total",
                 {{"method", method}, {"route", route}, {"status", code_text}}, n);
      }
    }
    m.family("courtcast_http_request_duration_seconds", "histogram",
             "Time from a request's header to its answer written, by route pattern.");
    for (std::size_t i = 0; i < h->slots(); ++i) {
      const auto& s = *h->slots_[i];
      const std::uint64_t count = s.count.load(std::memory_order_relaxed);
      if (count == 0) continue;
      const auto [method, route] = h->slot_name(i);
      std::uint64_t cumulative = 0;
      for (std::size_t b = 0; b < HttpMetrics::kBuckets.size(); ++b) {
        cumulative += s.buckets[b].load(std::memory_order_relaxed);
        const std::string le = format_metric_value(HttpMetrics::kBuckets[b]);
        m.sample("courtcast_http_request_duration_seconds_bucket",
                 {{"method", method}, {"route", route}, {"le", le}}, cumulative);
      }
      // Read after the buckets: a request counted in between makes +Inf
      // at least their sum, as the format wants.
      m.sample("courtcast_http_request_duration_seconds_bucket",
               {{"method", method}, {"route", route}, {"le", "+Inf"}}, std::max(count, cumulative));
      m.sample("courtcast_http_request_duration_seconds_sum",
               {{"method", method}, {"route", route}},
               static_cast<double>(s.sum_ns.load(std::memory_order_relaxed)) / 1e9);
      m.sample("courtcast_http_request_duration_seconds_count",
               {{"method", method}, {"route", route}}, std::max(count, cumulative));
    }
  }
  return m.take();
}

}  // namespace courtcast::http
