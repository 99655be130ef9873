#pragma once
// The RTMP server: runs one session per accepted connection on the worker
// that owns its socket, and asks ServerHooks (the application) whether a
// publish or play may happen and where its media goes.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/connection_admission.hpp"
#include "live/player_writer.hpp"
#include "media/packet.hpp"
#include "rtmp/chunk.hpp"

namespace courtcast::rtmp {

namespace asio = boost::asio;

struct StreamRequest {
  std::string app;  // connect's app, query removed
  std::string app_query;
  std::string stream;  // publish/play name, query removed
  std::string stream_query;
  std::string peer;        // "address:port"
  std::size_t worker = 0;  // index of the worker thread serving the connection
};

// A publish in progress. Destroying it ends the publish.
class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // Returns false when the body was malformed and dropped.
  virtual bool push(media::PacketKind kind, std::int64_t dts_ms,
                    std::span<const std::uint8_t> body) = 0;
  virtual void flush() = 0;
  // Why the publish may no longer go on (its session ended), asked about
  // four times a second: the connection tells the publisher and closes.
  virtual std::optional<std::string> revoked() { return std::nullopt; }
};

// What a player receives (a live player behind the hooks). Used only on
// the connection's worker, by live::PlayerWriter, the one write loop of
// every kind of player.
using MediaSource = live::PacketSource;

// The answer to a publish or play request: a sink/source, or why not.
template <typename T>
struct Admission {
  std::unique_ptr<T> granted;
  std::string status_code;  // e.g. NetStream.Publish.BadName
  std::string reason;       // told to the client and logged; never contains secrets
};

class ServerHooks {
 public:
  virtual ~ServerHooks() = default;
  virtual Admission<MediaSink> publish(const StreamRequest& request) = 0;
  virtual Admission<MediaSource> play(const StreamRequest& request) = 0;
};

struct ServerOptions {
  std::chrono::milliseconds handshake_timeout{10'000};
  // A publisher that sends nothing for this long is dropped so that the
  // camera can come back on a fresh connection.
  std::chrono::milliseconds publish_idle_timeout{10'000};
  // A player whose write has not completed for this long is dropped.
  std::chrono::milliseconds write_stall_timeout{30'000};
  // A player's kernel send buffer is capped so that one that stops reading
  // reaches the skip-to-keyframe logic instead of parking megabytes of kernel
  // memory per connection; 256 KiB still carries 20 Mbit/s at 100 ms RTT.
  int player_send_buffer_bytes = 256 * 1024;
  // Until a publish or play is accepted a peer is a stranger and may make the
  // server hold only a little: enough for connect, createStream and publish.
  ChunkLimits stranger_limits{.max_chunk_size = 1 << 24,
                              .max_message_bytes = 64 * 1024,
                              .max_chunk_streams = 8,
                              .max_buffered_bytes = 128 * 1024};
  // An accepted publisher sends real video: a 4K keyframe can be a few MiB.
  ChunkLimits publisher_limits{.max_chunk_size = 1 << 24,
                               .max_message_bytes = 16 << 20,
                               .max_chunk_streams = 64,
                               .max_buffered_bytes = 32 << 20};
  // What the message buffers of all connections may hold together.
  std::size_t max_buffered_bytes_total = std::size_t{512} << 20;
  // A connection past the handshake that has neither published nor played
  // by then is closed.
  std::chrono::milliseconds admission_timeout{5'000};
  std::size_t max_connections = 2000;
  std::size_t max_connections_per_address = 100;
  // RTMPS ingest: the server context serve_tls uses (base/tls.hpp).
  std::shared_ptr<asio::ssl::context> tls = nullptr;
};

// Connections closed by a limit after they were taken, since start-up (the
// ones refused at once are admission()'s).
struct ServerCounters {
  std::uint64_t admission_timeouts = 0;
  std::uint64_t buffer_limits = 0;  // message size, chunk streams, bytes held
};

class Server {
 public:
  Server(ServerHooks& hooks, ServerOptions options = {});
  ~Server();
  // Runs one connection on the socket's own executor (its worker), or closes
  // it at once when a connection cap is reached. Thread-safe.
  void serve(asio::ip::tcp::socket socket, std::size_t worker);
  // The same over TLS (rtmps://) with ServerOptions::tls, which must be set.
  // Connection caps count plain and TLS connections together.
  void serve_tls(asio::ip::tcp::socket socket, std::size_t worker);
  ServerCounters counters() const;
  // Connections open, and refused under max_connections(_per_address).
  const base::ConnectionAdmission& admission() const;

  struct State;  // shared with the sessions, which may outlive the Server's caller

 private:
  void start(asio::ip::tcp::socket socket, std::size_t worker, bool tls);

  ServerHooks& hooks_;
  ServerOptions options_;
  std::shared_ptr<State> state_;
};

}  // namespace courtcast::rtmp
