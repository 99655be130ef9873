#pragma once
// One platform a stream is pushed to (抖音, 快手, 微博…): connects with the
// RTMP client, pushes from a keyframe on, reconnects with jittered backoff
// for as long as it is enabled, and keeps its health for the API. Each runs
// on one worker and reads the stream like a player, so a slow or dead
// platform drops its own frames and never holds back ingest or the others.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "live/hub.hpp"
#include "relay/preset.hpp"

namespace courtcast::relay {

namespace asio = boost::asio;

enum class DestinationState { idle, connecting, live, retrying, stopped };
const char* to_string(DestinationState s);

struct DestinationSpec {
  std::string name;
  Preset preset = Preset::custom;
  std::string server_url;  // rtmp[s]://host[:port]/app
  std::string stream_key;  // the stream name and query after the app: a secret
  std::string stream;      // the courtcast stream it carries
  bool enabled = true;

  std::string full_url() const { return server_url + "/" + stream_key; }
};

// `text` with every occurrence of `secret` (and of its part before a query)
// replaced by ****: platform errors may echo the stream key.
std::string redact(std::string text, const std::string& secret);
// The URL as the API and logs show it: the server part with any
// user:password@ and every query value masked, the key masked.
std::string masked_url(const DestinationSpec& spec);
std::string masked_server_url(std::string_view url);
// Whether an rtmp[s]:// URL carries user:password@ (refused: RTMP would drop it).
bool has_userinfo(std::string_view url);

// Splits a platform URL into the server part and the stream key.
media::Result<DestinationSpec> split_platform_url(const std::string& url);

struct Health {
  DestinationState state = DestinationState::idle;
  std::uint64_t bitrate_bps = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t dropped_packets = 0;
  std::uint64_t reconnects = 0;
  std::string last_error;
  std::int64_t live_since_ms = 0;     // UTC, 0 when not live
  std::int64_t last_error_at_ms = 0;  // UTC of last_error, 0 when none yet
  // UTC of the next reconnect attempt while retrying, 0 otherwise: the console
  // counts down to it instead of guessing the backoff.
  std::int64_t next_retry_ms = 0;
};

struct RelayOptions {
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30'000};
  // A platform that takes longer than this to accept a write is reconnected.
  std::chrono::milliseconds write_stall_timeout{15'000};
  std::chrono::milliseconds setup_timeout{10'000};
  std::string ca_file;  // extra trusted CA for rtmps:// (tests, private platforms)
  int send_buffer_bytes = 256 * 1024;
};

class Destination : public std::enable_shared_from_this<Destination> {
 public:
  using OnChange = std::function<void(const Destination&)>;

  Destination(std::string id, DestinationSpec spec, live::Hub& hub, std::size_t worker,
              asio::any_io_executor executor, RelayOptions options, OnChange on_change);

  const std::string& id() const { return id_; }
  DestinationSpec spec() const;
  Health health() const;

  // Thread-safe: both post to the destination's executor.
  void start();
  void stop();
  // Replaces the spec; a running destination reconnects with it.
  void update(DestinationSpec spec);

 private:
  asio::awaitable<void> run();
  template <typename Client>
  asio::awaitable<std::string> push_once(Client& client, const DestinationSpec& spec);
  asio::awaitable<void> watch_writes(std::shared_ptr<bool> done, std::function<void()> cut);
  void set_state(DestinationState s, std::string error = {}, std::int64_t next_retry_ms = 0);
  void note_sent(std::size_t bytes);

  const std::string id_;
  live::Hub& hub_;
  const std::size_t worker_;
  asio::any_io_executor executor_;
  const RelayOptions options_;
  OnChange on_change_;

  mutable std::mutex mutex_;  // guards spec_ and health_
  DestinationSpec spec_;
  Health health_;

  // Executor-only state.
  bool running_ = false;
  std::uint64_t generation_ = 0;      // bumps on stop/update so a running loop ends
  std::function<void()> cut_;         // closes the current connection
  std::uint64_t cut_connection_ = 0;  // the connection cut_ closes (push_once's number)
  std::uint64_t connections_ = 0;
  asio::steady_timer backoff_timer_;
  std::chrono::steady_clock::time_point write_started_{};
  bool writing_ = false;
  std::chrono::steady_clock::time_point window_start_{};
  std::uint64_t window_bytes_ = 0;
};

}  // namespace courtcast::relay
