#include "relay/destination.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "base/clock.hpp"
#include "base/codes.hpp"
#include "base/log_value.hpp"
#include "rtmp/client.hpp"
#include "rtmp/tls_client.hpp"

namespace courtcast::relay {

using namespace std::chrono;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// A destination sends what accumulated at most this often: one write per
// interval instead of one per packet (about 70 a second at 25 fps with
// AAC), and its player is not woken in between. Platforms buffer seconds;
// the latency this adds does not show.
constexpr auto kSendInterval = 100ms;

// The first multiple of `period` (on the steady clock) after `t`. Every
// destination's timers expire on this shared grid, so that one wake-up of a
// worker serves all the destinations it runs, not one wake-up each.
steady_clock::time_point next_tick(steady_clock::time_point t, steady_clock::duration period) {
  return steady_clock::time_point((t.time_since_epoch() / period + 1) * period);
}

constexpr base::CodeTable<DestinationState, 5> kDestinationStateCodes = {
    {{DestinationState::idle, "idle"},
     {DestinationState::connecting, "connecting"},
     {DestinationState::live, "live"},
     {DestinationState::retrying, "retrying"},
     {DestinationState::stopped, "stopped"}}};

const char* to_string(DestinationState s) {
  return base::code_of(kDestinationStateCodes, s, "idle").data();
}

std::string redact(std::string text, const std::string& secret) {
  if (secret.size() < 4) return text;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
    text.replace(at, secret.size(), "****");
  // A key with a query often shows up without it.
  const auto q = secret.find('?');
  if (q != std::string::npos && q >= 4) return redact(std::move(text), secret.substr(0, q));
  return text;
}

std::string masked_server_url(std::string_view url) {
  std::string out(url);
  // scheme://USER:PASS@host → scheme://****@host
  if (const auto sep = out.find("://"); sep != std::string::npos) {
    const auto start = sep + 3;
    const auto end = std::min(out.find_first_of("/?#", start), out.size());
    const auto at = out.substr(start, end - start).rfind('@');
    if (at != std::string::npos) out.replace(start, at, "****");
  }
  // ?a=SECRET&b → ?a=****&b=****: platforms put tokens in the query too.
  const auto q = out.find('?');
  if (q == std::string::npos) return out;
  std::string masked = out.substr(0, q + 1);
  std::string_view query = std::string_view(out).substr(q + 1);
  while (true) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    const auto eq = part.find('=');
    masked += eq == std::string_view::npos ? std::string("****")
                                           : std::string(part.substr(0, eq)) + "=****";
    if (amp == std::string_view::npos) break;
    masked += '&';
    query.remove_prefix(amp + 1);
  }
  return masked;
}

bool has_userinfo(std::string_view url) {
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return false;
  const auto authority = url.substr(sep + 3, url.find_first_of("/?#", sep + 3) - (sep + 3));
  return authority.find('@') != std::string_view::npos;
}

std::string masked_url(const DestinationSpec& spec) {
  return masked_server_url(spec.server_url) + "/****";
}

media::Result<DestinationSpec> split_platform_url(const std::string& url) {
  if (has_userinfo(url))
    return media::make_error(
        "url: RTMP has no place for user:password@; give the platform's secret in the stream key "
        "or the query");
  auto parsed = rtmp::parse_url(url);
  if (!parsed)  // the parser's message would quote the URL, key and all
    return media::make_error("url: want rtmp://HOST[:PORT]/APP/STREAMKEY or rtmps://…");
  DestinationSpec spec;
  spec.server_url = parsed->tc_url;
  spec.stream_key = parsed->stream;
  return spec;
}

Destination::Destination(std::string id, DestinationSpec spec, live::Hub& hub, std::size_t worker,
                         asio::any_io_executor executor, RelayOptions options, OnChange on_change)
    : id_(std::move(id)),
      hub_(hub),
      worker_(worker),
      executor_(executor),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      spec_(std::move(spec)),
      backoff_timer_(executor) {}

DestinationSpec Destination::spec() const {
  std::lock_guard lock(mutex_);
  return spec_;
}

Health Destination::health() const {
  std::lock_guard lock(mutex_);
  return health_;
}

void Destination::start() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->running_) return;
    self->running_ = true;
    asio::co_spawn(self->executor_, self->run(), asio::detached);
  });
}

void Destination::stop() {
  asio::post(executor_, [self = shared_from_this()] {
    const bool was_running = self->running_;
    self->running_ = false;
    ++self->generation_;
    if (self->cut_) self->cut_();
    self->backoff_timer_.cancel();
    if (was_running) self->set_state(DestinationState::stopped);
  });
}

void Destination::update(DestinationSpec spec) {
  {
    std::lock_guard lock(mutex_);
    spec_ = std::move(spec);
  }
  asio::post(executor_, [self = shared_from_this()] {
    // A spec that turns it off is followed by stop(): a connection started
    // here would reach the platform after that (its cut cannot stop a
    // connect under way).
    if (!self->running_ || !self->spec().enabled) return;
    // End the current connection and start over with the new spec.
    ++self->generation_;
    if (self->cut_) self->cut_();
    self->backoff_timer_.cancel();
    asio::co_spawn(self->executor_, self->run(), asio::detached);
  });
}

void Destination::set_state(DestinationState s, std::string error, std::int64_t next_retry_ms) {
  {
    std::lock_guard lock(mutex_);
    if (health_.state == s && error.empty()) return;
    health_.state = s;
    if (!error.empty()) {
      health_.last_error = std::move(error);
      health_.last_error_at_ms = base::utc_now_ms();
    }
    health_.next_retry_ms = s == DestinationState::retrying ? next_retry_ms : 0;
    health_.live_since_ms = s == DestinationState::live ? base::utc_now_ms() : 0;
    if (s != DestinationState::live) health_.bitrate_bps = 0;
  }
  spdlog::info("event=destination_state destination={} state={}", base::log_value(spec().name),
               to_string(s));
  if (on_change_) on_change_(*this);
}

void Destination::note_sent(std::size_t bytes) {
  const auto now = steady_clock::now();
  window_bytes_ += bytes;
  std::lock_guard lock(mutex_);
  health_.bytes_sent += bytes;
  const auto elapsed = duration_cast<milliseconds>(now - window_start_).count();
  if (elapsed >= 2000) {
    health_.bitrate_bps = window_bytes_ * 8 * 1000 / static_cast<std::uint64_t>(elapsed);
    window_start_ = now;
    window_bytes_ = 0;
  }
}

asio::awaitable<void> Destination::run() {
  auto self = shared_from_this();
  const std::uint64_t generation = generation_;
  auto current = [&] { return running_ && generation_ == generation; };
  milliseconds backoff = options_.first_backoff;
  std::mt19937 rng(std::random_device{}());
  while (current()) {
    const DestinationSpec spec = this->spec();
    set_state(DestinationState::connecting);
    const auto attempt = steady_clock::now();
    std::string error;
    rtmp::ClientOptions client_options;
    client_options.setup_timeout = options_.setup_timeout;
    auto url = rtmp::parse_url(spec.full_url());
    if (!url) {
      error = "the URL is not rtmp://HOST[:PORT]/APP/KEY or rtmps://…";
    } else if (url->secure()) {
      auto tls = rtmp::make_tls_context(options_.ca_file);
      if (!tls) {
        error = tls.error().message;
      } else {
        rtmp::TlsClient client(client_options, executor_, **tls);
        error = co_await push_once(client, spec);
      }
    } else {
      rtmp::Client client(client_options, executor_);
      error = co_await push_once(client, spec);
    }
    if (!current()) co_return;
    error = redact(error, spec.stream_key);
    {
      std::lock_guard lock(mutex_);
      ++health_.reconnects;
    }
    // A connection that stayed up a while starts the backoff over.
    if (steady_clock::now() - attempt > 30s) backoff = options_.first_backoff;
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const auto wait =
        std::min(duration_cast<milliseconds>(backoff * jitter(rng)), options_.max_backoff);
    spdlog::warn("event=destination_error destination={} retry_in_ms={} error={}",
                 base::log_value(spec.name), wait.count(), base::log_value(error));
    set_state(DestinationState::retrying, error.empty() ? "the connection ended" : error,
              base::utc_now_ms() + wait.count());
    backoff_timer_.expires_after(wait);
    co_await backoff_timer_.async_wait(use_nothrow);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

template <typename Client>
asio::awaitable<std::string> Destination::push_once(Client& client, const DestinationSpec& spec) {
  const std::uint64_t generation = generation_;
  // A connection clears cut_ only while cut_ is still its own: one cut by a
  // stop or update may still finish (or fail) its connect after the next
  // connection set cut_. Before, a restored destination that a live session
  // updated at start-up connected twice; the platform refused one, whose
  // failure cleared the other's cut, and that one then went on pushing
  // through every later stop or disable.
  const std::uint64_t connection = ++connections_;
  const auto set_cut = [this, connection](std::function<void()> cut) {
    cut_ = std::move(cut);
    cut_connection_ = connection;
  };
  const auto clear_cut = [this, connection] {
    if (cut_connection_ == connection) cut_ = nullptr;
  };
  set_cut([&client] { client.close(); });
  auto published = co_await client.publish(spec.full_url());
  if (!published) {
    clear_cut();
    co_return published.error().message;
  }
  if (generation != generation_ || !running_) {
    clear_cut();  // the client goes when this returns
    co_return std::string();
  }

  // As for players: a platform that stops reading must meet the skip logic
  // soon, not after megabytes of kernel buffer.
  boost::system::error_code ignored;
  client.stream().lowest_layer().set_option(
      asio::socket_base::send_buffer_size(options_.send_buffer_bytes), ignored);

  auto handle = hub_.acquire(spec.stream);
  // Pulled at the send interval: the publisher posts nothing to this loop.
  live::Player player(handle.shared(), worker_, duration_cast<milliseconds>(kSendInterval));
  asio::steady_timer pace(executor_);
  set_cut([&client, &player, &pace] {
    client.close();
    player.close();
    pace.cancel();
  });
  window_start_ = steady_clock::now();
  window_bytes_ = 0;
  set_state(DestinationState::live);

  // Closes a connection the platform stopped reading from; the ring has
  // already skipped this destination ahead, so nothing piles up meanwhile.
  auto done = std::make_shared<bool>(false);
  asio::co_spawn(executor_, watch_writes(done, cut_), asio::detached);

  std::string error;
  std::optional<std::int64_t> base_dts;
  std::vector<media::PacketPtr> batch;  // holds the bodies `out` points into
  std::vector<rtmp::OutgoingPacket> out;
  std::uint64_t sent_before = client.bytes_sent();
  while (co_await player.next(batch)) {
    const auto woken = steady_clock::now();
    out.clear();
    for (const auto& p : batch) {
      // Each platform connection starts its timeline near 0.
      std::int64_t dts = 0;
      if (p->kind != media::PacketKind::data) {
        if (!base_dts) base_dts = p->dts_ms;
        dts = std::max<std::int64_t>(0, p->dts_ms - *base_dts);
      }
      out.push_back({p->kind, dts, p->body()});
    }
    writing_ = true;
    write_started_ = woken;
    auto sent = co_await client.send_batch(out);
    writing_ = false;
    if (!sent) {
      error = sent.error().message;
      break;
    }
    note_sent(client.bytes_sent() - sent_before);
    sent_before = client.bytes_sent();
    {
      std::lock_guard lock(mutex_);
      health_.dropped_packets = player.skipped_packets();
    }
    pace.expires_at(next_tick(woken, kSendInterval));
    co_await pace.async_wait(use_nothrow);
  }
  *done = true;
  writing_ = false;
  clear_cut();
  client.close();
  if (error.empty() && (generation != generation_ || !running_)) co_return std::string();
  co_return error.empty() ? std::string("the connection ended") : error;
}

asio::awaitable<void> Destination::watch_writes(std::shared_ptr<bool> done,
                                                std::function<void()> cut) {
  auto self = shared_from_this();
  asio::steady_timer timer(executor_);
  while (!*done) {
    timer.expires_at(next_tick(steady_clock::now(), 500ms));
    co_await timer.async_wait(use_nothrow);
    if (*done) break;
    if (writing_ && steady_clock::now() - write_started_ > options_.write_stall_timeout) {
      spdlog::warn("event=destination_stalled destination={} stalled_ms={}",
                   base::log_value(spec().name), options_.write_stall_timeout.count());
      cut();
      break;
    }
  }
}

}  // namespace courtcast::relay
