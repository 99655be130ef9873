// courtcast-bench: plays N RTMP or HTTP-FLV connections from one process and
// reports delivered bitrate, starved connections, time to first video frame
// and pass-through latency; can publish an FLV file in real time in the same
// process, which is what makes the latency measurable (one clock). With an
// http://....m3u8 URL it runs N HLS readers instead (tools/hls_reader.hpp)
// and reports which of them kept up with the stream.

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <thread>

#include "tools/flv_publisher.hpp"
#include "tools/hls_reader.hpp"
#include "tools/players.hpp"
#include "tools/proc_usage.hpp"

namespace {

namespace asio = boost::asio;
using namespace courtcast::tools;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  unsigned players = 0;
  double seconds = 30;
  unsigned threads = 1;
  std::string publish_file, publish_url;
  double warmup_seconds = 3;
  double settle_seconds = 2;
  unsigned ramp_per_10ms = 50;
  int server_pid = 0;
  std::string label;
  double poll_seconds = 1;
};

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out.push_back(c);
  }
  return out;
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

void sleep_seconds(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// N event loops, one thread each, running from construction until stop():
// the players' and the readers' loops.
class EventLoops {
 public:
  explicit EventLoops(unsigned n) {
    for (unsigned i = 0; i < n; ++i) {
      loops_.push_back(std::make_unique<asio::io_context>(1));
      guards_.emplace_back(loops_.back()->get_executor());
    }
    for (auto& l : loops_) threads_.emplace_back([l = l.get()] { l->run(); });
  }
  ~EventLoops() { stop(); }
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  asio::io_context& operator[](std::size_t i) { return *loops_[i]; }

  void stop() {
    for (auto& l : loops_) l->stop();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>> loops_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

// N HLS readers over `threads` loops; what was published in the window is
// what any reader first saw listed in it.
int run_hls(const Options& o) {
  raise_fd_limit();
  const unsigned threads = std::max(1u, o.threads);
  EventLoops loops(threads);
  std::vector<HlsThreadState> states(threads);
  std::vector<std::unique_ptr<HlsReaderStats>> stats;
  for (unsigned i = 0; i < o.players; ++i) stats.push_back(std::make_unique<HlsReaderStats>());
  std::atomic<bool> measuring{false};
  const HlsContext ctx{o.url, o.poll_seconds, &measuring};
  // Readers start spread over the first poll interval, as viewers arrive.
  const auto spread_ms = static_cast<unsigned>(o.poll_seconds * 1000);
  for (unsigned i = 0; i < o.players; ++i) {
    if (i > 0 && i % std::max(1u, o.ramp_per_10ms) == 0) sleep_seconds(0.01);
    const auto delay = std::chrono::milliseconds(spread_ms ? (i * 7919u) % spread_ms : 0);
    asio::co_spawn(loops[i % threads], read_hls(ctx, delay, *stats[i], states[i % threads]),
                   asio::detached);
  }
  sleep_seconds(o.settle_seconds + o.poll_seconds);

  const auto server_cpu_start = o.server_pid ? process_cpu_ms(o.server_pid) : std::nullopt;
  const double self_cpu_start = self_cpu_ms();
  const auto window_start = Clock::now();
  measuring.store(true);
  sleep_seconds(o.seconds);
  measuring.store(false);
  const auto window_end = Clock::now();
  const double window_s = std::chrono::duration<double>(window_end - window_start).count();
  const double self_cpu = self_cpu_ms() - self_cpu_start;
  const auto server_cpu_end = o.server_pid ? process_cpu_ms(o.server_pid) : std::nullopt;
  // A fetch still under way at the window's end does not count.
  loops.stop();

  std::map<std::string, HlsThreadState::Segment> segments;
  for (const auto& st : states)
    for (const auto& [uri, s] : st.segments) {
      auto [it, added] = segments.try_emplace(uri, s);
      if (!added) {
        it->second.first_listed = std::min(it->second.first_listed, s.first_listed);
        it->second.size = std::max(it->second.size, s.size);
      }
    }
  unsigned published = 0, distinct_fetched = 0;
  double sized_seconds = 0, sized_bytes = 0;
  for (const auto& [uri, s] : segments) {
    if (s.first_listed >= window_start && s.first_listed < window_end) ++published;
    distinct_fetched += s.size > 0;
    if (s.size > 0 && s.duration_s > 0) {
      sized_seconds += s.duration_s;
      sized_bytes += static_cast<double>(s.size);
    }
  }
  const double stream_kbps = sized_seconds > 0 ? sized_bytes * 8 / sized_seconds / 1000 : 0;

  // Kept up: no error, never two new segments in one reload, and every
  // segment published in the window fetched (one either side of its edges).
  unsigned kept_up = 0, connected = 0;
  std::uint64_t fetches = 0, late = 0, errors_total = 0, playlists = 0;
  std::vector<double> kbps, share;
  std::map<std::string, unsigned> errors;
  for (const auto& s : stats) {
    const auto f = s->fetched.load(), l = s->late.load(), e = s->errors.load();
    fetches += f;
    late += l;
    errors_total += e;
    playlists += s->playlists.load();
    connected += s->connected.load();
    if (e == 0 && l == 0 && f + 1 >= published && f > 0) ++kept_up;
    const double k = static_cast<double>(s->bytes.load()) * 8 / window_s / 1000;
    kbps.push_back(k);
    share.push_back(stream_kbps > 0 ? k / stream_kbps : 0);
    if (!s->error.empty()) ++errors[s->error];
  }
  const double server_cpu_ms =
      server_cpu_start && server_cpu_end ? *server_cpu_end - *server_cpu_start : -1;

  char line[2048];
  std::ostringstream json;
  json << "{\"label\":\"" << json_escape(o.label)
       << "\",\"protocol\":\"hls\",\"players\":" << o.players << ",\"threads\":" << threads
       << ",\"seconds\":" << window_s;
  std::snprintf(
      line, sizeof line,
      ",\"poll_seconds\":%.3f,\"connected\":%u,\"kept_up\":%u,"
      "\"segments_published\":%u,\"distinct_fetched\":%u,\"segment_fetches\":%llu,\"late\":%llu,"
      "\"errors_total\":%llu,\"playlists\":%llu,\"stream_kbps\":%.1f,"
      "\"bitrate_kbps\":{\"min\":%.1f,\"median\":%.1f,\"mean\":%.1f,"
      "\"total\":%.1f},\"of_stream\":{\"min\":%.3f,\"median\":%.3f},"
      "\"bench_cpu_ms\":%.0f,\"bench_cpu_pct\":%.1f,\"server_cpu_ms\":%.0f",
      o.poll_seconds, connected, kept_up, published, distinct_fetched,
      static_cast<unsigned long long>(fetches), static_cast<unsigned long long>(late),
      static_cast<unsigned long long>(errors_total), static_cast<unsigned long long>(playlists),
      stream_kbps, kbps.empty() ? 0 : *std::min_element(kbps.begin(), kbps.end()),
      quantile(kbps, 0.5), mean(kbps), mean(kbps) * static_cast<double>(kbps.size()),
      share.empty() ? 0 : *std::min_element(share.begin(), share.end()), quantile(share, 0.5),
      self_cpu, 100 * self_cpu / (window_s * 1000), server_cpu_ms);
  json << line << ",\"errors\":{";
  bool first = true;
  for (const auto& [e, n] : errors) {
    json << (first ? "" : ",") << "\"" << json_escape(e) << "\":" << n;
    first = false;
  }
  json << "}}";
  std::cout << json.str() << std::endl;
  std::fprintf(stderr,
               "\n%s hls: %u readers, %u connected, %u kept up, window %.1f s\n"
               "  segments          %u published in the window, %llu fetched, %llu late\n"
               "  kbit/s per reader min %.0f  median %.0f  (stream %.0f)\n"
               "  bench CPU         %.0f ms = %.0f%% of a core\n",
               o.label.empty() ? "courtcast-bench" : o.label.c_str(), o.players, connected, kept_up,
               window_s, published, static_cast<unsigned long long>(fetches),
               static_cast<unsigned long long>(late),
               kbps.empty() ? 0 : *std::min_element(kbps.begin(), kbps.end()), quantile(kbps, 0.5),
               stream_kbps, self_cpu, 100 * self_cpu / (window_s * 1000));
  for (const auto& [e, n] : errors) std::fprintf(stderr, "  %u x %s\n", n, e.c_str());
  return 0;
}

int run(const Options& o) {
  raise_fd_limit();
  const bool http = o.url.rfind("http://", 0) == 0;
  if (o.players > 0 && !http && o.url.rfind("rtmp://", 0) != 0) {
    std::cerr << "courtcast-bench: --url must be rtmp://... or http://....flv\n";
    return 2;
  }
  const bool publishing = !o.publish_file.empty();
  if (publishing != !o.publish_url.empty()) {
    std::cerr << "courtcast-bench: --publish and --publish-url go together\n";
    return 2;
  }

  FlvFile file;
  if (publishing) {
    auto loaded = load_flv(o.publish_file);
    if (!loaded) {
      std::cerr << "courtcast-bench: " << loaded.error().message << "\n";
      return 1;
    }
    file = std::move(*loaded);
  }

  // The publisher gets a loop of its own so that players never delay it.
  auto clock = std::make_unique<SendClock>();
  auto audio_clock = std::make_unique<SendClock>();
  PublishState publish_state;
  asio::io_context publish_loop(1);
  std::thread publish_thread;
  if (publishing) {
    asio::co_spawn(publish_loop,
                   publish_flv(file, o.publish_url, *clock, *audio_clock, publish_state),
                   asio::detached);
    publish_thread = std::thread([&] { publish_loop.run(); });
    const auto deadline = Clock::now() + std::chrono::seconds(15);
    while (publish_state.phase.load(std::memory_order_acquire) == 0 && Clock::now() < deadline)
      sleep_seconds(0.01);
    if (publish_state.phase.load(std::memory_order_acquire) != 1) {
      std::cerr << "courtcast-bench: publishing failed: " << publish_state.error << "\n";
      publish_loop.stop();
      publish_thread.join();
      return 1;
    }
    std::cerr << "courtcast-bench: publishing " << o.publish_file << " ("
              << static_cast<int>(file.bitrate_bps / 1000) << " kbit/s) to " << o.publish_url
              << "\n";
    sleep_seconds(o.warmup_seconds);
  }

  const long long rss_before = o.server_pid ? process_rss_kib(o.server_pid).value_or(0) : -1;

  const unsigned threads = std::max(1u, o.threads);
  EventLoops loops(threads);
  std::vector<ThreadSamples> samples(threads);
  for (auto& s : samples) {
    s.latency_us.reserve(1 << 16);
    s.audio_latency_us.reserve(1 << 16);
  }
  std::atomic<bool> measuring{false};
  PlayContext ctx{o.url, publishing ? clock.get() : nullptr,
                  publishing ? audio_clock.get() : nullptr, &measuring};
  std::vector<std::unique_ptr<PlayerStats>> stats;
  for (unsigned i = 0; i < o.players; ++i) stats.push_back(std::make_unique<PlayerStats>());

  // Ramp connections up so that the server's accept queue is never flooded.
  const auto ramp_start = Clock::now();
  for (unsigned i = 0; i < o.players; ++i) {
    if (i > 0 && i % std::max(1u, o.ramp_per_10ms) == 0) sleep_seconds(0.01);
    auto& loop = loops[i % threads];
    auto& st = *stats[i];
    auto& sm = samples[i % threads];
    if (http)
      asio::co_spawn(loop, play_http_flv(ctx, st, sm), asio::detached);
    else
      asio::co_spawn(loop, play_rtmp(ctx, st, sm), asio::detached);
  }
  const double ramp_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - ramp_start).count();
  if (o.players > 0) sleep_seconds(o.settle_seconds);

  // The measurement window.
  std::vector<std::uint64_t> bytes_at_start(o.players);
  for (unsigned i = 0; i < o.players; ++i)
    bytes_at_start[i] = stats[i]->media_bytes.load(std::memory_order_relaxed);
  const std::uint64_t published_at_start = publish_state.media_bytes.load();
  const auto server_cpu_start = o.server_pid ? process_cpu_ms(o.server_pid) : std::nullopt;
  const double self_cpu_start = self_cpu_ms();
  const auto window_start = Clock::now();
  measuring.store(true);
  sleep_seconds(o.seconds);
  measuring.store(false);
  const double window_s = std::chrono::duration<double>(Clock::now() - window_start).count();
  const double self_cpu = self_cpu_ms() - self_cpu_start;
  const auto server_cpu_end = o.server_pid ? process_cpu_ms(o.server_pid) : std::nullopt;
  const long long rss_after = o.server_pid ? process_rss_kib(o.server_pid).value_or(0) : -1;
  const std::uint64_t published = publish_state.media_bytes.load() - published_at_start;
  std::vector<std::uint64_t> bytes_at_end(o.players);
  unsigned connected = 0, ended = 0;
  for (unsigned i = 0; i < o.players; ++i) {
    bytes_at_end[i] = stats[i]->media_bytes.load(std::memory_order_relaxed);
    connected += stats[i]->connected.load(std::memory_order_relaxed);
    ended += stats[i]->ended.load(std::memory_order_relaxed);
  }

  publish_state.stop.store(true);
  loops.stop();
  if (publishing) {
    publish_loop.stop();
    publish_thread.join();
  }

  // Per-connection figures.
  std::vector<double> kbps, ttff;
  std::map<std::string, unsigned> errors;
  for (unsigned i = 0; i < o.players; ++i) {
    kbps.push_back(static_cast<double>(bytes_at_end[i] - bytes_at_start[i]) * 8 / window_s / 1000);
    if (stats[i]->first_video_ms >= 0) ttff.push_back(stats[i]->first_video_ms);
    if (!stats[i]->error.empty()) ++errors[stats[i]->error];
  }
  const double publish_kbps = publishing ? static_cast<double>(published) * 8 / window_s / 1000 : 0;
  const double median_kbps = quantile(kbps, 0.5);
  unsigned starved = 0;
  for (double k : kbps)
    if (k < 0.9 * median_kbps || (publishing && k < 0.9 * publish_kbps)) ++starved;
  std::vector<double> latency, audio_latency;
  std::uint64_t unmatched = 0;
  for (auto& s : samples) {
    for (auto us : s.latency_us) latency.push_back(us / 1000.0);
    for (auto us : s.audio_latency_us) audio_latency.push_back(us / 1000.0);
    unmatched += s.unmatched;
  }
  const double server_cpu_ms =
      server_cpu_start && server_cpu_end ? *server_cpu_end - *server_cpu_start : -1;
  const double per_player_s =
      server_cpu_ms >= 0 && o.players ? server_cpu_ms / (o.players * window_s) : -1;
  const double kib_per_player = rss_before > 0 && rss_after > 0 && o.players
                                    ? static_cast<double>(rss_after - rss_before) / o.players
                                    : -1;

  char line[2048];
  std::ostringstream json;
  json << "{\"label\":\"" << json_escape(o.label) << "\",\"protocol\":\""
       << (http ? "http-flv" : "rtmp") << "\",\"players\":" << o.players
       << ",\"threads\":" << threads << ",\"seconds\":" << window_s;
  std::snprintf(line, sizeof line,
                ",\"connected\":%u,\"ended\":%u,\"ramp_ms\":%.0f,\"publish_kbps\":%.1f,"
                "\"publish_late_sends\":%llu,"
                "\"bitrate_kbps\":{\"min\":%.1f,\"median\":%.1f,\"mean\":%.1f},\"starved\":%u,"
                "\"first_video_ms\":{\"median\":%.1f,\"p95\":%.1f},"
                "\"latency_ms\":{\"p50\":%.2f,\"p95\":%.2f,\"p99\":%.2f,\"max\":%.2f,"
                "\"samples\":%zu,\"unmatched\":%llu},"
                "\"audio_latency_ms\":{\"p50\":%.2f,\"p95\":%.2f,\"p99\":%.2f,\"samples\":%zu},"
                "\"bench_cpu_ms\":%.0f,\"bench_cpu_pct\":%.1f,"
                "\"server_cpu_ms\":%.0f,\"server_cpu_ms_per_player_s\":%.4f,"
                "\"server_rss_kib_before\":%lld,\"server_rss_kib\":%lld,"
                "\"server_kib_per_player\":%.2f",
                connected, ended, ramp_ms, publish_kbps,
                static_cast<unsigned long long>(publish_state.late_sends.load()),
                kbps.empty() ? 0 : *std::min_element(kbps.begin(), kbps.end()), median_kbps,
                mean(kbps), starved, quantile(ttff, 0.5), quantile(ttff, 0.95),
                quantile(latency, 0.5), quantile(latency, 0.95), quantile(latency, 0.99),
                latency.empty() ? 0 : *std::max_element(latency.begin(), latency.end()),
                latency.size(), static_cast<unsigned long long>(unmatched),
                quantile(audio_latency, 0.5), quantile(audio_latency, 0.95),
                quantile(audio_latency, 0.99), audio_latency.size(), self_cpu,
                100 * self_cpu / (window_s * 1000), server_cpu_ms, per_player_s, rss_before,
                rss_after, kib_per_player);
  json << line << ",\"errors\":{";
  bool first = true;
  for (const auto& [e, n] : errors) {
    json << (first ? "" : ",") << "\"" << json_escape(e) << "\":" << n;
    first = false;
  }
  json << "}}";
  std::cout << json.str() << std::endl;

  std::fprintf(stderr,
               "\n%s %s: %u players, %u connected, %u ended early, window %.1f s\n"
               "  delivered kbit/s  min %.0f  median %.0f  mean %.0f  (published %.0f)\n"
               "  starved           %u\n"
               "  first video       median %.0f ms  p95 %.0f ms\n"
               "  latency           p50 %.1f ms  p95 %.1f ms  p99 %.1f ms  (%zu samples, "
               "%llu unmatched)\n"
               "  audio latency     p50 %.1f ms  p95 %.1f ms  p99 %.1f ms\n"
               "  bench CPU         %.0f ms = %.0f%% of a core\n",
               o.label.empty() ? "courtcast-bench" : o.label.c_str(), http ? "http-flv" : "rtmp",
               o.players, connected, ended, window_s,
               kbps.empty() ? 0 : *std::min_element(kbps.begin(), kbps.end()), median_kbps,
               mean(kbps), publish_kbps, starved, quantile(ttff, 0.5), quantile(ttff, 0.95),
               quantile(latency, 0.5), quantile(latency, 0.95), quantile(latency, 0.99),
               latency.size(), static_cast<unsigned long long>(unmatched),
               quantile(audio_latency, 0.5), quantile(audio_latency, 0.95),
               quantile(audio_latency, 0.99), self_cpu, 100 * self_cpu / (window_s * 1000));
  if (o.server_pid)
    std::fprintf(stderr,
                 "  server            CPU %.0f ms = %.3f ms per player-second; RSS %lld -> %lld "
                 "KiB (%.1f KiB per player)\n",
                 server_cpu_ms, per_player_s, rss_before, rss_after, kib_per_player);
  for (const auto& [e, n] : errors) std::fprintf(stderr, "  %u x %s\n", n, e.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"courtcast-bench: many players (RTMP, HTTP-FLV or HLS) and an optional publisher"};
  app.add_option("--url", o.url,
                 "what the players play: rtmp://HOST:PORT/APP/STREAM or http://HOST:PORT/PATH.flv");
  app.add_option("--players", o.players, "number of player connections")->default_val(0);
  app.add_option("--seconds", o.seconds, "length of the measurement window")->default_val(30);
  app.add_option("--threads", o.threads, "event loops (one thread each) for the players")
      ->default_val(1);
  app.add_option("--publish", o.publish_file, "FLV file to publish in real time, looping");
  app.add_option("--publish-url", o.publish_url, "rtmp:// URL to publish --publish to");
  app.add_option("--warmup", o.warmup_seconds, "seconds between publish start and the first player")
      ->default_val(3);
  app.add_option("--settle", o.settle_seconds, "seconds between the last connect and the window")
      ->default_val(2);
  app.add_option("--ramp", o.ramp_per_10ms, "connections opened per 10 ms")->default_val(50);
  app.add_option("--server-pid", o.server_pid, "server process to sample (CPU time, RSS)");
  app.add_option("--label", o.label, "a name for this run in the report");
  app.add_option("--poll", o.poll_seconds, "HLS: seconds between a reader's playlist reloads")
      ->default_val(1);
  CLI11_PARSE(app, argc, argv);
  if (o.players > 0 && o.url.empty()) {
    std::cerr << "courtcast-bench: --players needs --url\n";
    return 2;
  }
  if (o.url.find(".m3u8") != std::string::npos) return run_hls(o);
  return run(o);
}
