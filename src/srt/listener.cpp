#include "srt/listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <srt/srt.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "base/log_value.hpp"
#include "base/saturating.hpp"

namespace courtcast::srt {

namespace asio = boost::asio;
using std::chrono::steady_clock;

// One connected caller. The receive thread owns the socket and the demuxer;
// the executor owns the publish. What one side asks of the other goes
// through a post (to the executor) or `close_reason` (to the receive thread).
struct Listener::Link {
  SRTSOCKET socket = SRT_INVALID_SOCK;
  StreamId id;
  std::string peer;
  media::TsDemuxer demuxer;
  steady_clock::time_point last_stats{};

  std::unique_ptr<Publish> publish;
  steady_clock::time_point last_revoke_check{};

  std::atomic<bool> close_requested{false};
  std::mutex close_mutex;
  std::string close_reason;

  void request_close(std::string why) {
    std::lock_guard lock(close_mutex);
    close_reason = std::move(why);
    close_requested.store(true, std::memory_order_release);
  }
};

namespace {

std::string peer_text(const sockaddr* sa) {
  char host[INET6_ADDRSTRLEN] = "?";
  std::uint16_t port = 0;
  if (sa && sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (sa && sa->sa_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in->sin6_addr, host, sizeof host);
    port = ntohs(in->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

std::string last_error() {
  return srt_getlasterror_str();
}

template <typename T>
bool set_flag(SRTSOCKET s, SRT_SOCKOPT opt, const T& value) {
  return srt_setsockflag(s, opt, &value, sizeof value) == 0;
}

const int kReceiveEvents = static_cast<int>(SRT_EPOLL_IN) | static_cast<int>(SRT_EPOLL_ERR);

}  // namespace

Listener::Listener(Hooks& hooks, asio::any_io_executor executor, Options options)
    : hooks_(hooks), executor_(std::move(executor)), options_(std::move(options)) {}

Listener::~Listener() {
  stop();
}

base::Result<std::uint16_t> Listener::start() {
  if (srt_startup() < 0) return base::make_error("cannot start libsrt: " + last_error());
  started_up_ = true;
  srt_setloglevel(LOG_ERR);  // libsrt's own chatter stays out of courtcast's log

  sockaddr_storage ss{};
  socklen_t ss_len = 0;
  if (in6_addr a6{}; inet_pton(AF_INET6, options_.host.c_str(), &a6) == 1) {
    auto* in = reinterpret_cast<sockaddr_in6*>(&ss);
    in->sin6_family = AF_INET6;
    in->sin6_addr = a6;
    in->sin6_port = htons(options_.port);
    ss_len = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.host.c_str(), &in->sin_addr) != 1)
      return base::make_error("[srt] listen: '" + options_.host + "' is not an IP address");
    ss_len = sizeof(sockaddr_in);
  }

  listener_ = srt_create_socket();
  if (listener_ == SRT_INVALID_SOCK) return base::make_error("srt socket: " + last_error());
  const int latency = static_cast<int>(options_.latency_ms);
  const bool no = false;
  if (!set_flag(listener_, SRTO_RCVSYN, no) || !set_flag(listener_, SRTO_LATENCY, latency))
    return base::make_error("srt socket options: " + last_error());
  if (!options_.passphrase.empty() &&
      srt_setsockflag(listener_, SRTO_PASSPHRASE, options_.passphrase.data(),
                      static_cast<int>(options_.passphrase.size())) != 0)
    return base::make_error("[srt] passphrase refused by libsrt (10 to 79 characters): " +
                            last_error());
  if (srt_listen_callback(listener_, &Listener::on_listen, this) != 0)
    return base::make_error("cannot listen for SRT: " + last_error());

  // The port is ours from here on, but libsrt gets it only when the first
  // caller knocks: once a libsrt socket is bound, its receive thread and
  // srt_epoll wake about 100 times a second each, with no caller at all
  // (0.3 % of a core in bench/relay.sh). Until then the kernel holds the
  // datagrams, and a caller repeats its handshake until it is answered.
  udp_ = ::socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (udp_ < 0) return base::make_error(std::string("udp socket: ") + std::strerror(errno));
  if (::bind(udp_, reinterpret_cast<sockaddr*>(&ss), ss_len) != 0)
    return base::make_error("cannot bind SRT to " + options_.host + ":" +
                            std::to_string(options_.port) + ": " + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  ::getsockname(udp_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  const std::uint16_t port = bound.ss_family == AF_INET6
                                 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                 : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  wake_ = ::eventfd(0, EFD_CLOEXEC);
  if (wake_ < 0) return base::make_error(std::string("eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
  return port;
}

bool Listener::wait_for_first_caller() {
  pollfd fds[2] = {{udp_, POLLIN, 0}, {wake_, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || (fds[1].revents & POLLIN)) return false;
    if (fds[0].revents) return true;
  }
}

base::Result<void> Listener::listen_now() {
  // libsrt takes the socket over (and closes it with the listener).
  const int udp = std::exchange(udp_, -1);
  if (srt_bind_acquire(listener_, udp) != 0) {
    ::close(udp);
    return base::make_error("cannot bind SRT: " + last_error());
  }
  if (srt_listen(listener_, 64) != 0)
    return base::make_error("cannot listen for SRT: " + last_error());
  epoll_ = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (epoll_ < 0 || srt_epoll_add_usock(epoll_, listener_, &events) != 0)
    return base::make_error("srt epoll: " + last_error());
  return {};
}

void Listener::stop() {
  stopping_.store(true);
  if (wake_ >= 0) {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto written = ::write(wake_, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  if (udp_ >= 0) ::close(udp_);
  if (wake_ >= 0) ::close(wake_);
  udp_ = wake_ = -1;
  for (auto& [socket, link] : links_) {
    srt_close(socket);
    asio::post(executor_, [link] { link->publish.reset(); });
  }
  links_.clear();
  if (epoll_ >= 0) srt_epoll_release(epoll_);
  if (listener_ != SRT_INVALID_SOCK) srt_close(listener_);
  epoll_ = -1;
  listener_ = SRT_INVALID_SOCK;
  if (started_up_) srt_cleanup();
  started_up_ = false;
}

int Listener::on_listen(void* opaque, SRTSOCKET socket, int, const sockaddr* peer_addr,
                        const char* stream_id) {
  auto* self = static_cast<Listener*>(opaque);
  const std::string peer = peer_text(peer_addr);
  auto refuse = [&](RejectCode code, const std::string& stream, const std::string& reason) {
    srt_setrejectreason(socket, static_cast<int>(code));
    const auto total = base::saturating_increment(self->refused_);
    if (self->refused_log_.due(steady_clock::now()))
      spdlog::warn(
          "event=srt_refused stream={} peer={} code={} reason={} total={} "
          "(past ten within 10 s they are counted, not logged)",
          base::log_value(stream), peer, static_cast<int>(code), base::log_value(reason), total);
    return -1;
  };
  auto id = parse_stream_id(stream_id ? stream_id : "");
  if (!id) return refuse(RejectCode::bad_request, "", id.error().message);
  if (id->mode != StreamMode::publish)
    return refuse(RejectCode::bad_mode, id->name, "only m=publish is served over SRT");
  if (auto refusal = self->hooks_.check(*id, peer))
    return refuse(refusal->code, id->name, refusal->reason);
  return 0;
}

void Listener::run() {
  if (!wait_for_first_caller()) return;
  if (auto listening = listen_now(); !listening) {
    spdlog::error("event=srt_listen_failed error={}", base::log_value(listening.error().message));
    return;
  }
  SRT_EPOLL_EVENT ready[64];
  auto last_stats = steady_clock::now();
  while (!stopping_.load(std::memory_order_acquire)) {
    const int n = srt_epoll_uwait(epoll_, ready, 64, 200);
    for (int i = 0; i < n; ++i) {
      if (ready[i].fd == listener_) {
        accept_all();
        continue;
      }
      auto it = links_.find(ready[i].fd);
      if (it == links_.end()) continue;
      const auto link = it->second;
      if (ready[i].events & SRT_EPOLL_IN) receive(link);
      if ((ready[i].events & SRT_EPOLL_ERR) && links_.count(link->socket))
        close_link(link, "connection lost");
    }
    // Asked by the executor: a publish refused after connecting, or revoked.
    std::vector<std::shared_ptr<Link>> closing;
    for (auto& [socket, link] : links_)
      if (link->close_requested.load(std::memory_order_acquire)) closing.push_back(link);
    for (auto& link : closing) {
      std::string why;
      {
        std::lock_guard lock(link->close_mutex);
        why = link->close_reason;
      }
      close_link(link, why);
    }
    if (steady_clock::now() - last_stats >= std::chrono::seconds(1)) {
      last_stats = steady_clock::now();
      report_stats();
    }
  }
}

void Listener::accept_all() {
  for (;;) {
    sockaddr_storage ss{};
    int len = sizeof ss;
    const SRTSOCKET s = srt_accept(listener_, reinterpret_cast<sockaddr*>(&ss), &len);
    if (s == SRT_INVALID_SOCK) return;
    char sid[513] = {};
    int sid_len = sizeof sid - 1;
    srt_getsockflag(s, SRTO_STREAMID, sid, &sid_len);
    auto id = parse_stream_id(std::string_view(sid, static_cast<std::size_t>(sid_len)));
    const bool no = false;
    if (!id || !set_flag(s, SRTO_RCVSYN, no) || srt_epoll_add_usock(epoll_, s, &kReceiveEvents)) {
      srt_close(s);  // the listen callback let it through: cannot happen, but never trust
      continue;
    }
    auto link = std::make_shared<Link>();
    link->socket = s;
    link->id = std::move(*id);
    link->peer = peer_text(reinterpret_cast<sockaddr*>(&ss));
    links_[s] = link;
    spdlog::info("event=srt_connect stream={} peer={} latency_ms={}",
                 base::log_value(link->id.name), link->peer, options_.latency_ms);
    asio::post(executor_, [hooks = &hooks_, link] {
      auto granted = hooks->publish(link->id, link->peer);
      if (auto* refusal = std::get_if<Refusal>(&granted)) {
        spdlog::warn("event=srt_refused stream={} peer={} code={} reason={}",
                     base::log_value(link->id.name), link->peer, static_cast<int>(refusal->code),
                     base::log_value(refusal->reason));
        link->request_close("refused: " + refusal->reason);
        return;
      }
      link->publish = std::move(std::get<std::unique_ptr<Publish>>(granted));
    });
  }
}

void Listener::receive(const std::shared_ptr<Link>& link) {
  // One SRT live message carries up to 1316 bytes (7 TS packets); libsrt
  // never delivers more than 1456.
  char buf[1500];
  std::vector<media::DemuxedPacket> out;
  for (;;) {
    const int n = srt_recvmsg(link->socket, buf, sizeof buf);
    if (n > 0) {
      link->demuxer.feed({reinterpret_cast<const std::uint8_t*>(buf), static_cast<std::size_t>(n)},
                         out);
      continue;
    }
    if (n < 0 && srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
      if (!out.empty()) break;  // hand on what arrived, then close below
      close_link(link, "connection closed");
      return;
    }
    break;
  }
  if (out.empty()) return;
  asio::post(executor_, [link, packets = std::move(out)] {
    auto& publish = link->publish;
    if (!publish) return;  // not admitted yet, or refused
    for (const auto& p : packets) publish->push(p.kind, p.dts_ms, p.body);
    publish->flush();
    const auto now = steady_clock::now();
    if (now - link->last_revoke_check >= std::chrono::milliseconds(250)) {
      link->last_revoke_check = now;
      if (auto why = publish->revoked()) {
        spdlog::info("event=srt_publish_revoked stream={} peer={} reason={}",
                     base::log_value(link->id.name), link->peer, base::log_value(*why));
        publish.reset();
        link->request_close("revoked: " + *why);
      }
    }
  });
}

void Listener::close_link(const std::shared_ptr<Link>& link, const std::string& why) {
  srt_epoll_remove_usock(epoll_, link->socket);
  srt_close(link->socket);
  links_.erase(link->socket);
  const auto& c = link->demuxer.counters();
  spdlog::info(
      "event=srt_disconnect stream={} peer={} reason={} ts_packets={} continuity_errors={} "
      "dropped_frames={}",
      base::log_value(link->id.name), link->peer, base::log_value(why), c.ts_packets,
      c.continuity_errors, c.dropped_frames);
  asio::post(executor_, [link] { link->publish.reset(); });
}

void Listener::report_stats() {
  for (auto& [socket, link] : links_) {
    SRT_TRACEBSTATS perf{};
    // Not cleared: the "interval" counters then run since the connection began.
    if (srt_bstats(socket, &perf, 0) != 0) continue;
    live::LinkStats s;
    s.protocol = "srt";
    s.rtt_ms = perf.msRTT;
    s.receive_rate_mbps = perf.mbpsRecvRate;
    s.bandwidth_mbps = perf.mbpsBandwidth;
    s.latency_ms = perf.msRcvTsbPdDelay;
    s.packets_received = perf.pktRecvTotal;
    s.packets_lost = perf.pktRcvLossTotal;
    s.packets_retransmitted = perf.pktRcvRetrans;
    s.packets_dropped = perf.pktRcvDropTotal;
    s.receive_buffer_ms = perf.msRcvBuf;
    s.receive_buffer_bytes = perf.byteRcvBuf;
    s.continuity_errors = link->demuxer.counters().continuity_errors;
    asio::post(executor_, [link, s] {
      if (link->publish) link->publish->set_link_stats(s);
    });
  }
}

}  // namespace courtcast::srt
