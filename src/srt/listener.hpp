#pragma once
// The SRT listener: admits or refuses callers at the handshake by their
// stream id, receives MPEG-TS on libsrt's side (one thread of its own
// waiting on srt_epoll), demuxes it there, and hands the packets to the
// application's Publish on an Asio executor, where the RTMP publishers'
// packets go too. Link statistics follow every second.

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <variant>

#include "base/burst_log.hpp"
#include "base/result.hpp"
#include "live/stream.hpp"
#include "media/ts_demux.hpp"
#include "srt/stream_id.hpp"

namespace courtcast::srt {

// SRT's access-control reject codes (srt/access_control.h), which the caller
// reports: FFmpeg prints "Connection rejected: ...".
enum class RejectCode : int {
  bad_request = 1400,
  unauthorized = 1401,
  forbidden = 1403,
  not_found = 1404,
  bad_mode = 1405,
  conflict = 1409,
};

struct Refusal {
  RejectCode code = RejectCode::forbidden;
  std::string reason;  // logged; never contains the key
};

// A publish in progress, used only on the executor it was granted on.
// Destroying it ends the publish.
class Publish {
 public:
  virtual ~Publish() = default;
  virtual bool push(media::PacketKind kind, std::int64_t dts_ms,
                    std::span<const std::uint8_t> body) = 0;
  virtual void flush() = 0;
  virtual void set_link_stats(const live::LinkStats& stats) = 0;
  // Why the publish may no longer go on (its session ended); nullopt otherwise.
  virtual std::optional<std::string> revoked() = 0;
};

class Hooks {
 public:
  virtual ~Hooks() = default;
  // During the handshake, on libsrt's thread: nullopt admits the caller.
  virtual std::optional<Refusal> check(const StreamId& id, const std::string& peer) = 0;
  // Once connected, on the executor: the publish, or why not after all (the
  // stream is being published by someone else).
  virtual std::variant<std::unique_ptr<Publish>, Refusal> publish(const StreamId& id,
                                                                  const std::string& peer) = 0;
};

struct Options {
  std::string host = "0.0.0.0";
  std::uint16_t port = 10080;  // 0 picks a free one
  std::string passphrase;      // empty: no encryption; else 10 to 79 characters
  std::int64_t latency_ms = 2000;
};

class Listener {
 public:
  Listener(Hooks& hooks, boost::asio::any_io_executor executor, Options options);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Binds the port and starts the receive thread. Returns the bound port.
  // libsrt listens from the first datagram to the port on (see start()).
  base::Result<std::uint16_t> start();
  // Closes every link (their publishes end on the executor) and the thread.
  void stop();

  struct Link;  // one connected caller; shared with what is posted to the executor

 private:
  static int on_listen(void* self, int socket, int hs_version, const sockaddr* peer,
                       const char* stream_id);
  void run();
  bool wait_for_first_caller();  // false when stopping
  base::Result<void> listen_now();
  void accept_all();
  void receive(const std::shared_ptr<Link>& link);
  void close_link(const std::shared_ptr<Link>& link, const std::string& why);
  void report_stats();

  Hooks& hooks_;
  boost::asio::any_io_executor executor_;
  Options options_;
  int listener_ = -1;
  int epoll_ = -1;
  int udp_ = -1;   // the bound port until libsrt takes it over
  int wake_ = -1;  // an eventfd: stop() ends the wait for a first caller
  bool started_up_ = false;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // Touched by the receive thread only (and by stop() after it has joined).
  std::map<int, std::shared_ptr<Link>> links_;
  // Handshakes refused (bad stream id, wrong key): a UDP caller can send
  // them as fast as it likes, so the log says the first ten of a burst
  // (10 s) and counts the rest.
  std::atomic<std::uint64_t> refused_{0};
  base::BurstLog refused_log_{10};
};

}  // namespace courtcast::srt
