#include "app/serve.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "app/court_store.hpp"
#include "app/kept_destinations.hpp"
#include "app/listener.hpp"
#include "app/session_broadcasts.hpp"
#include "app/stream_access.hpp"
#include "base/file.hpp"
#include "base/log_value.hpp"
#include "base/secret.hpp"
#include "base/tls.hpp"
#include "hls/channel.hpp"
#include "http/auth.hpp"
#include "http/court_api.hpp"
#include "http/destination_api.hpp"
#include "http/json_text.hpp"
#include "http/metrics.hpp"
#include "http/qa_api.hpp"
#include "http/server.hpp"
#include "http/stream_api.hpp"
#include "live/hub.hpp"
#include "program/card_store.hpp"
#include "program/program.hpp"
#include "qa/word_list.hpp"
#include "record/service.hpp"
#include "relay/relay.hpp"
#include "rtmp/server.hpp"
#include "srt/listener.hpp"

namespace courtcast::app {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::ip::tcp;

void setup_logging(const std::string& level) {
  auto logger = spdlog::stdout_logger_mt("courtcast");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

namespace {

// A secret made once and kept in data_dir/keys/NAME (0600): the default
// stream's publish key, the API token.
std::string kept_secret(const fs::path& data_dir, const std::string& name) {
  const fs::path dir = data_dir / "keys";
  const fs::path file = dir / name;
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
  if (std::ifstream in(file); in) {
    std::string key;
    std::getline(in, key);
    if (key.size() >= 8) return key;
  }
  const std::string key = base::random_hex(16);
  if (auto r = base::write_file_atomically(file, key + "\n", 0600); !r)
    throw std::runtime_error("cannot keep a secret: " + r.error().message);
  return key;
}

// A worker's event loop whose leftover work can be destroyed on demand.
// ~io_context does that too, but only after the servers, the hub and the
// streams that the connections' coroutine frames refer to are gone.
class EventLoop : public asio::io_context {
 public:
  EventLoop() : asio::io_context(1) {}
  // Destroys every handler still queued or waiting on I/O or a timer: the
  // suspended coroutines of connections, accept loops and players.
  using asio::io_context::shutdown;
};

// Where cameras are told to publish: the configured host, else the address
// RTMP listens on, else (every address) this machine's name.
std::string public_host(const std::string& configured, const tcp::endpoint& rtmp) {
  if (!configured.empty()) return configured;
  const auto address = rtmp.address();
  if (!address.is_unspecified())
    return address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  boost::system::error_code ec;
  std::string name = asio::ip::host_name(ec);
  return ec || name.empty() ? "127.0.0.1" : name;
}

tcp::endpoint endpoint_of(const std::string& listen) {
  const auto hp = parse_listen(listen).value();
  return tcp::endpoint(asio::ip::make_address(hp.host), hp.port);
}

std::string shown_host(const tcp::endpoint& ep) {
  return ep.address().is_unspecified() ? "127.0.0.1" : ep.address().to_string();
}

// The first IPv4 address of this machine that is not loopback: where a
// laptop on the court's network opens the console. Empty when none.
std::string lan_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  std::string out;
  for (ifaddrs* i = list; i && out.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
        !(i->ifa_flags & IFF_UP))
      continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text)) out = text;
  }
  ::freeifaddrs(list);
  return out;
}

// What an operator needs to start, on one screen: where the console is, how
// to log in, where to publish and where to watch. Secrets (keys, the token,
// the first password) are shown only to a person at a terminal, never into
// a log file.
void print_banner(const Config& config, const http::StaticSite& site, const tcp::endpoint& rtmp_ep,
                  const tcp::endpoint& http_ep, bool https, std::uint16_t srt_port,
                  const std::string& api_token, const std::string& initial_admin_password) {
  const std::string web = https ? "https://" : "http://";
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  const std::string rtmp_host = shown_host(rtmp_ep) + ":" + std::to_string(rtmp_ep.port());
  const std::string http_host = shown_host(http_ep) + ":" + std::to_string(http_ep.port());
  const std::string lan = http_ep.address().is_unspecified() ? lan_address() : std::string();
  const std::string rule(64, '-');
  std::ostringstream out;
  out << "\n" << rule << "\n courtcast is running\n\n";
  out << "  console:  " << web << http_host << "/\n";
  if (!lan.empty())
    out << "            " << web << lan << ":" << http_ep.port() << "/  (from this network)\n";
  if (!site.built())
    out << "            not built yet: make web  (or: cd web && npm ci && npm run build)\n";
  if (!terminal) keep_initial_admin_password(config, initial_admin_password);
  const fs::path password_file = fs::path(config.data_dir) / "keys" / "admin-initial-password";
  std::error_code ec;
  if (!initial_admin_password.empty() && terminal)
    out << "  login:    admin / " << initial_admin_password
        << "   (shown this once: change it under Users)\n";
  else if (fs::exists(password_file, ec))
    out << "  login:    admin, first password in " << password_file.string()
        << "  (delete the file once read)\n";
  else
    out << "  login:    a console user (the first one, admin, was made at first start)\n";
  for (const auto& s : config.streams) {
    const fs::path key_file = fs::path(config.data_dir) / "keys" / (s.name + ".publish-key");
    const std::string key = terminal                   ? s.key
                            : fs::exists(key_file, ec) ? "<KEY in " + key_file.string() + ">"
                                                       : std::string("<KEY from the config>");
    out << "  publish:  rtmp://" << rtmp_host << "/live/" << s.name << "?key=" << key << "\n"
        << "            (OBS: server rtmp://" << rtmp_host << "/live, stream key " << s.name
        << "?key=" << key << ")\n";
    if (srt_port != 0)
      out << "            srt://" << shown_host(rtmp_ep) << ":" << srt_port
          << "?streamid=#!::r=live/" << s.name << ",m=publish,s=" << key << "  (MPEG-TS)\n";
    out << "  watch:    " << web << http_host << "/live/" << s.name << ".flv"
        << (s.is_public ? "" : "?key=" + key) << "\n";
  }
  out << "  sessions: each live session's cameras get their own publish URLs\n"
      << "            on the console's camera page (or POST /api/v1/sessions/ID/publish-urls)\n";
  out << "  API:      " << web << http_host << "/api/v1   token "
      << (terminal ? api_token : std::string("in ") + config.data_dir + "/keys/api-token")
      << "  (Authorization: Bearer TOKEN)\n"
      << rule << "\n";
  std::cout << out.str() << std::flush;
}

// Every player, camera, platform push and open recording holds a
// descriptor, and the soft limit is often 1024 where the hard one allows far
// more: the soft limit is raised to the hard one, as Go's runtime does and
// nginx's worker_rlimit_nofile asks for.
void raise_open_files_limit() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  spdlog::info("event=open_files_limit soft={} hard={}", static_cast<std::uint64_t>(r.rlim_cur),
               static_cast<std::uint64_t>(r.rlim_max));
}

}  // namespace

int serve(Config config) {
  raise_open_files_limit();
  // data_dir holds password and token hashes, platform stream keys, signing
  // keys and evidence: nothing in it is for other users, whatever the umask
  // the service was started with. Every file and directory made from here
  // on (SQLite's -wal and -shm too) is at most 0600 / 0700.
  ::umask(077);
  fs::create_directories(config.data_dir);
  fs::permissions(config.data_dir, fs::perms::owner_all, fs::perm_options::replace);
  if (config.streams.empty()) {
    config.streams.push_back(
        StreamConfig{"cam-a", kept_secret(config.data_dir, "cam-a.publish-key"), false});
    spdlog::info(
        "event=default_stream stream=cam-a note=\"no [[stream]] configured; key kept in {}/keys\"",
        config.data_dir);
  }

  const unsigned workers =
      config.workers ? config.workers : std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<EventLoop>> contexts;
  std::vector<asio::io_context*> loops;
  std::vector<asio::any_io_executor> executors;
  for (unsigned i = 0; i < workers; ++i) {
    contexts.push_back(std::make_unique<EventLoop>());
    loops.push_back(contexts.back().get());
    executors.push_back(contexts.back()->get_executor());
  }

  live::StreamLimits limits;
  limits.max_lag_ms = config.max_lag_ms;
  limits.merge_window_ms = config.merge_window_ms;
  limits.adaptive_merge = config.adaptive_merge;
  limits.audio_hold_ms = config.audio_hold_ms;
  // Every stream the hub creates is recorded as evidence from its first
  // packet; the service outlives the hub so no tap factory call dangles.
  http::EventHub events;
  record::RecordingOptions record_options;
  record_options.on_alert_change = [&events](const record::RecorderStatus& status) {
    events.publish(http::json_text(boost::json::object{
        {"type", "recording.alert"}, {"recording", http::recorder_json(status)}}));
  };
  record_options.enabled = config.record_enabled;
  record_options.data_dir = config.data_dir;
  record_options.segment_seconds = config.record_segment_seconds;
  record_options.min_free_bytes = static_cast<std::uint64_t>(config.record_min_free_bytes);
  record_options.retention_days = config.record_retention_days;
  record_options.session_of = [](const std::string& stream) -> std::optional<std::string> {
    const auto id = SessionBroadcasts::session_of(stream);
    return id ? std::optional(std::to_string(*id)) : std::nullopt;
  };
  std::unique_ptr<record::RecordingService> recording;
  try {
    recording = std::make_unique<record::RecordingService>(record_options);
  } catch (const std::exception& e) {
    spdlog::error("event=record_start_failed error=\"{}\"", e.what());
    return 1;
  }
  live::Hub hub(executors, limits);
  hub.set_tap_factory([&recording](const std::string& name) { return recording->taps_for(name); });
  // HLS of public streams, packaged once per stream while someone reads it.
  hls::Options hls_options;
  hls_options.segmenter.segment_ms = config.hls_segment_ms;
  hls_options.segmenter.part_ms = config.hls_part_ms;
  hls_options.segmenter.window_segments = static_cast<std::size_t>(config.hls_window_segments);
  hls::Registry hls_registry(hub, hls_options);
  const std::string api_token = kept_secret(config.data_dir, "api-token");
  // Programs: the director's switcher, standby card, delay and cut, one per
  // broadcast (config ones, and live sessions' while they are live).
  const std::string card_path =
      config.standby_card.empty() ? COURTCAST_DEFAULT_CARD : config.standby_card;
  auto card = program::load_card(card_path);
  if (!card) {
    spdlog::error("event=standby_card_invalid path={} error=\"{}\"", card_path,
                  card.error().message);
    return 2;
  }
  program::ProgramRegistry programs;
  // Each program's switches and slate, as its director last set them.
  programs.set_choices_dir(fs::path(config.data_dir) / "programs");
  // A card the court uploaded (kept in data_dir/cards) wins over the config's.
  program::CardStore cards(
      fs::path(config.data_dir) / "cards",
      [&] {
        card->built_in = config.standby_card.empty();
        return std::make_shared<const program::StandbyCard>(std::move(*card));
      }(),
      config.standby_card.empty() ? program::CardSource::built_in : program::CardSource::config,
      card_path, programs);
  cards.load();
  // The court's emblem on air (data_dir/emblem), also before any program starts.
  program::EmblemStore emblems(fs::path(config.data_dir) / "emblem", programs);
  emblems.load();
  StreamAccess access(hub, config.streams, programs, api_token);
  // Users, roles and the court's data; the bootstrap token stays an admin.
  auto court_store = open_court_store(config);
  if (!court_store) return 1;
  // HTTPS: the certificate is loaded before anything listens, so a bad one
  // stops the start with the file named.
  std::shared_ptr<asio::ssl::context> http_tls;
  if (!config.http_tls_cert.empty()) {
    auto ctx = base::make_server_tls_context(config.http_tls_cert, config.http_tls_key);
    if (!ctx) {
      spdlog::error("event=tls_failed listener=http error={}",
                    base::log_value(ctx.error().message));
      return 1;
    }
    http_tls = *ctx;
  }
  http::AuthOptions auth_options;
  auth_options.secure_cookie = http_tls != nullptr;  // the console is for HTTPS then
  http::Auth auth(*court_store->repository, access, auth_options);
  http::CourtApi court_api(auth, court::Settings{});

  relay::RelayOptions relay_options;
  relay_options.ca_file = config.relay_ca_file;
  relay::Relay relay(hub, executors, relay_options);
  relay.set_on_change([&events](const relay::Destination& d) {
    events.publish(http::json_text(
        boost::json::object{{"type", "destination"}, {"destination", http::destination_json(d)}}));
  });
  for (const auto& d : config.destinations) {
    auto spec = relay::split_platform_url(d.url);
    if (spec) {
      spec->name = d.name;
      spec->stream = d.stream;
      spec->enabled = d.enabled;
      relay::parse_preset(d.preset, spec->preset);
    }
    auto added = spec ? relay.add(std::move(*spec)) : media::Result<std::string>(spec.error());
    if (!added) {
      spdlog::error("event=destination_invalid destination={} error=\"{}\"", d.name,
                    added.error().message);
      return 2;
    }
  }
  // Then the ones made through the API before the last restart.
  std::set<std::string> config_destinations;
  for (const auto& d : config.destinations) config_destinations.insert(d.name);
  KeptDestinations kept_destinations(relay, *court_store->repository, config_destinations);
  kept_destinations.restore();

  rtmp::ServerOptions rtmp_options;
  rtmp_options.publish_idle_timeout = std::chrono::milliseconds(config.publish_idle_timeout_ms);
  rtmp_options.admission_timeout = std::chrono::milliseconds(config.rtmp_admission_timeout_ms);
  rtmp_options.max_connections = static_cast<std::size_t>(config.rtmp_max_connections);
  rtmp_options.max_connections_per_address =
      static_cast<std::size_t>(config.rtmp_max_connections_per_address);
  rtmp_options.max_buffered_bytes_total = static_cast<std::size_t>(config.rtmp_max_buffered_bytes);
  if (!config.rtmp_tls_listen.empty()) {
    auto ctx = base::make_server_tls_context(config.rtmp_tls_cert, config.rtmp_tls_key);
    if (!ctx) {
      spdlog::error("event=tls_failed listener=rtmp error={}",
                    base::log_value(ctx.error().message));
      return 1;
    }
    rtmp_options.tls = *ctx;
  }
  rtmp::Server rtmp_server(access, rtmp_options);
  const auto program_event = [&events](const std::string& program, const std::string& type,
                                       const std::string& details) {
    events.publish("{\"type\":\"program." + type +
                   "\",\"program\":" + boost::json::serialize(boost::json::value(program)) +
                   ",\"details\":" + details + "}");
  };
  for (std::size_t i = 0; i < config.programs.size(); ++i) {
    const auto& pc = config.programs[i];
    program::ProgramConfig settings{pc.name,
                                    {},
                                    static_cast<std::int64_t>(pc.delay_seconds * 1000),
                                    pc.auto_return,
                                    pc.input_timeout_ms,
                                    program_air(pc.air),
                                    {},
                                    programs.choices_file(pc.name)};
    for (const auto& input : pc.inputs) settings.inputs.push_back({input, input});
    settings.graphics.title = pc.air_title;
    settings.graphics.emblem_path = programs.emblem_path();
    const std::size_t worker = i % executors.size();
    auto p = std::make_shared<program::Program>(
        settings, hub, worker, executors[worker], programs.card(),
        [program_event, name = pc.name](const std::string& type, const std::string& details) {
          program_event(name, type, details);
        });
    programs.add(p);
    p->start();
  }
  http::Services services{hub,     access,    &relay,
                          &events, &programs, rtmp_options.player_send_buffer_bytes};
  services.auth = &auth;
  services.hls = &hls_registry;
  services.allowed_origins = config.http_allowed_origins;
  services.tls = http_tls;
  services.plain = config.http_plain == "serve"    ? http::PlainHttp::serve
                   : config.http_plain == "refuse" ? http::PlainHttp::refuse
                                                   : http::PlainHttp::redirect;
  services.trusted_proxies = config.http_trusted_proxies;
  services.max_connections = static_cast<std::size_t>(config.http_max_connections);
  services.max_connections_per_address =
      static_cast<std::size_t>(config.http_max_connections_per_address);
  auth.set_event_hub(&events);
  services.court = &court_api;
  http::QaOptions qa_options;
  qa_options.court = config.watch_court;
  qa_options.questions_per_minute_per_browser =
      static_cast<int>(config.questions_per_minute_per_browser);
  qa_options.questions_per_minute_per_address =
      static_cast<int>(config.questions_per_minute_per_address);
  qa_options.relays_of = [&relay](const std::string& stream) {
    std::uint64_t n = 0;
    for (const auto& d : relay.list())
      if (const auto spec = d->spec(); spec.enabled && spec.stream == stream) ++n;
    return n;
  };
  qa_options.words_file = config.words_file;
  http::QaApi qa_api(*court_store->repository, hub, programs, qa_options);
  if (!config.words_file.empty()) {
    std::ifstream in(config.words_file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto words = in ? qa::WordList::parse(text.str())
                    : base::Result<qa::WordList>(base::make_error("cannot read the file"));
    if (!words) {
      spdlog::error("event=words_file_invalid path={} error=\"{}\"", config.words_file,
                    words.error().message);
      return 2;
    }
    spdlog::info("event=words_loaded path={} words={}", config.words_file, words->size());
    qa_api.set_words(std::make_shared<const qa::WordList>(std::move(*words)));
  }
  qa_api.set_events(&events);
  qa_api.set_auth(&auth);
  services.qa = &qa_api;
  http::ExportLimits export_limits;
  export_limits.concurrency = static_cast<std::size_t>(config.export_concurrency);
  export_limits.per_user = static_cast<std::size_t>(config.export_per_user);
  export_limits.max_ms = config.export_max_seconds * 1000;
  export_limits.retention_days = config.export_retention_days;
  http::RecordingApi recording_api(*recording, *court_store->repository,
                                   fs::path(config.data_dir) / "exports", export_limits);
  services.recordings = &recording_api;
  services.cards = &cards;
  services.emblems = &emblems;
  services.destinations_changed = [&kept_destinations] { kept_destinations.save(); };
  // The web console; a developer who only builds the C++ still gets a server.
  const http::StaticSite site(config.web_dir);
  services.site = &site;
  if (!site.built())
    spdlog::warn(
        "event=web_console_missing web_dir={} note=\"no index.html: build the console with "
        "'make web' (or: cd web && npm ci && npm run build); / says so until then\"",
        config.web_dir);
  // Live sessions: their inputs, program, air and destinations follow the
  // session's state as the court API changes it.
  SessionBroadcasts broadcasts(
      BroadcastWiring{hub, programs, &relay, *court_store->repository, executors, program_event,
                      [&events](const std::string& json) { events.publish(json); },
                      kept_secret(config.data_dir, "session-publish-secret"), 0, 2000, "127.0.0.1",
                      // Beside the secret, so a backup of the keys folder keeps both.
                      fs::path(config.data_dir) / "keys" / "publish-key-generations"});
  access.set_session_inputs(&broadcasts);
  court_api.set_session_media(&broadcasts);
  // Prometheus' view of all the above (GET /metrics).
  http::HttpMetrics http_metrics;
  http::MetricsEndpoint metrics_endpoint(
      http::MetricsSources{hub, &relay, &programs, recording.get(), config.data_dir, &auth,
                           &http_metrics},
      http::MetricsAccess{config.metrics_enabled, config.metrics_allow_loopback,
                          config.metrics_token});
  services.http_metrics = &http_metrics;
  services.metrics = &metrics_endpoint;
  http::Server http_server(services);
  metrics_endpoint.add_connections("rtmp", rtmp_server.admission());
  metrics_endpoint.add_connections("http", http_server.admission());
  Listener https_listener(loops, [&http_server](tcp::socket s, std::size_t worker) {
    http_server.serve_tls(std::move(s), worker);
  });
  Listener rtmp_listener(loops, [&rtmp_server](tcp::socket s, std::size_t worker) {
    rtmp_server.serve(std::move(s), worker);
  });
  Listener rtmps_listener(loops, [&rtmp_server](tcp::socket s, std::size_t worker) {
    rtmp_server.serve_tls(std::move(s), worker);
  });
  Listener http_listener(loops, [&http_server](tcp::socket s, std::size_t worker) {
    http_server.serve(std::move(s), worker);
  });

  // SRT publishes are handed to the hub on the first loop, like an RTMP
  // publisher's packets on its own worker.
  const auto srt_hp =
      config.srt_listen.empty() ? HostPort{} : parse_listen(config.srt_listen).value();
  std::optional<srt::Listener> srt_listener;
  if (!config.srt_listen.empty())
    srt_listener.emplace(
        access, loops[0]->get_executor(),
        srt::Options{srt_hp.host, srt_hp.port, config.srt_passphrase, config.srt_latency_ms});

  // SIGINT and SIGTERM are taken before anything listens: from here a signal
  // waits for the handler below instead of killing the process uncleanly
  // (a client that saw the API answer could otherwise stop it before the
  // handler existed; ThreadSanitizer's slow start-up showed it).
  asio::io_context main_loop(1);
  asio::signal_set signals(main_loop, SIGINT, SIGTERM);

  tcp::endpoint rtmp_ep, http_ep, https_ep;
  std::uint16_t srt_port = 0;
  try {
    rtmp_ep = rtmp_listener.listen(endpoint_of(config.rtmp_listen));
    if (rtmp_options.tls) {
      const auto rtmps_ep = rtmps_listener.listen(endpoint_of(config.rtmp_tls_listen));
      broadcasts.set_rtmps_port(rtmps_ep.port());
      spdlog::info("event=listening protocol=rtmps address={}:{}", rtmps_ep.address().to_string(),
                   rtmps_ep.port());
    }
    if (http_tls) {
      https_ep = https_listener.listen(endpoint_of(config.http_tls_listen));
      http_server.set_https_port(https_ep.port());
    }
    if (!config.http_listen.empty())
      http_ep = http_listener.listen(endpoint_of(config.http_listen));
    if (srt_listener) srt_port = srt_listener->start().value();
  } catch (const std::exception& e) {
    spdlog::error("event=listen_failed error=\"{}\"", e.what());
    return 1;
  }
  if (srt_listener)
    spdlog::info("event=listening protocol=srt address={}:{} latency_ms={} encrypted={}",
                 srt_hp.host, srt_port, config.srt_latency_ms, !config.srt_passphrase.empty());
  spdlog::info("event=listening protocol=rtmp address={}:{}", rtmp_ep.address().to_string(),
               rtmp_ep.port());
  broadcasts.set_rtmp_port(rtmp_ep.port());
  broadcasts.set_srt_port(srt_port, !config.srt_passphrase.empty());
  broadcasts.set_public_host(public_host(config.public_host, rtmp_ep));
  broadcasts.resume_open_sessions();
  if (http_tls)
    spdlog::info("event=listening protocol=https address={}:{} plain_http={}",
                 https_ep.address().to_string(), https_ep.port(),
                 config.http_listen.empty() ? "off" : config.http_plain);
  if (!config.http_listen.empty())
    spdlog::info("event=listening protocol=http address={}:{}", http_ep.address().to_string(),
                 http_ep.port());
  spdlog::info("event=started workers={} merge_window_ms={} max_lag_ms={}", workers,
               config.merge_window_ms, config.max_lag_ms);

  print_banner(config, site, rtmp_ep, http_tls ? https_ep : http_ep, http_tls != nullptr, srt_port,
               api_token, court_store->initial_admin_password);

  // SRT links' figures for the console's input tiles, every 2 s while any
  // link is up, and once more (empty) when the last one goes.
  asio::steady_timer links_timer(*loops[0]);
  bool links_shown = false;
  std::function<void()> report_links = [&] {
    links_timer.expires_after(std::chrono::seconds(2));
    links_timer.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      auto event = http::links_event(hub);
      if (!event.is_null()) {
        events.publish(http::json_text(event));
        links_shown = true;
      } else if (links_shown) {
        events.publish(R"({"type":"stream.links","links":[]})");
        links_shown = false;
      }
      report_links();
    });
  };
  report_links();

  std::vector<std::thread> threads;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.emplace_back(c->get_executor());
  for (auto& c : contexts) threads.emplace_back([ctx = c.get()] { ctx->run(); });

  asio::steady_timer grace(main_loop);
  signals.async_wait([&](boost::system::error_code, int signo) {
    spdlog::info("event=stopping signal={}", signo);
    asio::post(*loops[0], [&] {
      rtmp_listener.stop();
      rtmps_listener.stop();
      relay.stop_all();
      for (auto& p : programs.list()) p->stop();
      http_listener.stop();
      https_listener.stop();
    });
    // Let those stops run (destinations and programs end their publishes)
    // before the loops end.
    grace.expires_after(std::chrono::milliseconds(300));
    grace.async_wait([&](boost::system::error_code) {
      for (auto& c : contexts) c->stop();
    });
  });
  main_loop.run();
  // How long each phase of the stop took goes into event=stopped: a stop
  // that is slow (a supervisor may kill it) then says where.
  using stop_clock = std::chrono::steady_clock;
  const auto since = [](stop_clock::time_point from) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(stop_clock::now() - from).count();
  };
  auto phase = stop_clock::now();
  for (auto& t : threads) t.join();
  const auto loops_ms = since(phase);
  // The SRT thread ends first; what it posted (publish ends) is destroyed
  // with the loops' leftovers below, while the hub still lives.
  if (srt_listener) srt_listener->stop();
  // Connections still open (players, publishers, WebSocket subscribers) are
  // coroutines suspended on the stopped loops. They are destroyed here, loop
  // by loop, while everything they refer to still lives: their destructors
  // end publishes, unregister players and release stream handles as a closed
  // connection would. What those destructors post to a loop already done is
  // destroyed by the second round. Only then are the objects below torn
  // down, in reverse order of construction, with nothing left running.
  phase = stop_clock::now();
  for (int round = 0; round < 2; ++round)
    for (auto& c : contexts) c->shutdown();
  const auto connections_ms = since(phase);
  phase = stop_clock::now();
  recording->shutdown();  // open segments synced and listed before exit
  spdlog::info("event=stopped loops_ms={} connections_ms={} recording_ms={}", loops_ms,
               connections_ms, since(phase));
  std::fflush(nullptr);
  return 0;
}

}  // namespace courtcast::app
