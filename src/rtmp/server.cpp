#include "rtmp/server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <optional>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/burst_log.hpp"
#include "base/connection_admission.hpp"
#include "base/log_value.hpp"
#include "base/saturating.hpp"
#include "media/bytes_io.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/messages.hpp"

namespace courtcast::rtmp {

using namespace std::chrono;

using base::BurstLog;

struct Server::State {
  State(std::size_t max_buffered_bytes, base::ConnectionAdmission::Limits limits)
      : budget(max_buffered_bytes), admission(limits) {}
  BufferBudget budget;
  base::ConnectionAdmission admission;
  std::atomic<std::uint64_t> admission_timeouts{0}, buffer_limits{0};
  BurstLog timeout_log, limit_log;
};

namespace {

using amf0::Value;
using asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
// What one read of a connection takes at most: a few video frames of a
// high-rate camera.
constexpr std::size_t kMaxReadBuffer = 256 * 1024;

// How long a publisher whose publish was revoked may take to read why and leave.
constexpr auto kRevokedLinger = seconds(2);

void split_query(const std::string& in, std::string& name, std::string& query) {
  const auto q = in.find('?');
  name = in.substr(0, q);
  query = q == std::string::npos ? std::string() : in.substr(q + 1);
}

std::string endpoint_text(const tcp::socket& s) {
  boost::system::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// Players get each packet as RTMP chunks, built once and shared by all.
std::span<const std::uint8_t> play_framing(const media::Packet& p) {
  return p.framed(media::Framing::rtmp_play, frame_for_play);
}

using TlsSocket = asio::ssl::stream<tcp::socket>;

// One RTMP connection, plain (tcp::socket) or RTMPS (TlsSocket). Everything
// runs on the socket's worker; the reader, the writer and the watchdog are
// coroutines that interleave only at awaits (an SSL stream takes one read
// and one write at once).
template <typename Socket>
class ServerSession : public std::enable_shared_from_this<ServerSession<Socket>> {
  static constexpr bool kTls = std::is_same_v<Socket, TlsSocket>;

 public:
  ServerSession(tcp::socket socket, std::size_t worker, ServerHooks& hooks,
                const ServerOptions& options, std::shared_ptr<Server::State> state,
                base::ConnectionAdmission::Slot slot)
      : socket_(make_socket(std::move(socket), options)),
        worker_(worker),
        hooks_(hooks),
        options_(options),
        state_(std::move(state)),
        slot_(std::move(slot)),
        reader_(options.stranger_limits, &state_->budget),
        signal_(socket_.get_executor()),
        watchdog_(socket_.get_executor()),
        peer_(endpoint_text(tcp_socket())) {}

  // The TCP socket under TLS, or the socket itself.
  tcp::socket& tcp_socket() {
    if constexpr (kTls)
      return socket_.next_layer();
    else
      return socket_;
  }

  static Socket make_socket(tcp::socket socket, const ServerOptions& options) {
    if constexpr (kTls)
      return Socket(std::move(socket), *options.tls);
    else
      return socket;
  }

  asio::any_io_executor executor() { return socket_.get_executor(); }

  asio::awaitable<void> run() {
    auto self = this->shared_from_this();
    started_at_ = last_read_at_ = steady_clock::now();
    asio::co_spawn(socket_.get_executor(), watchdog(), asio::detached);
    if (co_await handshake()) {
      asio::co_spawn(socket_.get_executor(), write_loop(), asio::detached);
      co_await read_loop();
    }
    finish();
  }

 private:
  asio::awaitable<bool> handshake() {
    if constexpr (kTls) {  // under the same handshake_timeout as RTMP's own
      auto [tec] = co_await socket_.async_handshake(asio::ssl::stream_base::server, use_nothrow);
      if (tec) {
        close("tls handshake: " + tec.message());
        co_return false;
      }
    }
    std::array<std::uint8_t, 1 + kHandshakeBytes> c0c1;
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(c0c1), use_nothrow);
    if (ec) co_return false;
    bool digest = false;
    auto s0s1s2 = make_server_handshake(c0c1, &digest);
    if (!s0s1s2) {
      close(s0s1s2.error().message);
      co_return false;
    }
    auto [wec, wn] = co_await asio::async_write(socket_, asio::buffer(*s0s1s2), use_nothrow);
    if (wec) co_return false;
    std::array<std::uint8_t, kHandshakeBytes> c2;
    auto [rec, rn] = co_await asio::async_read(socket_, asio::buffer(c2), use_nothrow);
    if (rec) co_return false;
    handshake_done_ = true;
    handshake_done_at_ = steady_clock::now();
    spdlog::debug("event=rtmp_handshake peer={} digest={}", peer_, digest);
    co_return true;
  }

  asio::awaitable<void> read_loop() {
    // Players send little (acks, pings): start small, and let a publisher's
    // buffer grow with what it sends, up to what one read can fill. The
    // reader takes payloads as they come, so what is left after a parse is
    // at most a chunk header: a read that filled the buffer is the sign.
    // (Grown only when left full, a publisher's buffer stayed at 2 KB and a
    // 3.8 Mbit/s camera took ~340 reads a second, about ten per video frame.)
    media::Bytes buffer(2048);
    std::size_t used = 0;
    for (;;) {
      if (used == buffer.size())
        buffer.resize(buffer.size() + std::min<std::size_t>(buffer.size(), kMaxReadBuffer));
      const std::size_t room = buffer.size() - used;
      auto [ec, n] =
          co_await socket_.async_read_some(asio::buffer(buffer.data() + used, room), use_nothrow);
      if (ec || closing_) break;
      if (n == room && buffer.size() < kMaxReadBuffer)
        buffer.resize(std::min(2 * buffer.size(), kMaxReadBuffer));
      used += n;
      last_read_at_ = steady_clock::now();
      bytes_read_ += n;
      auto consumed = reader_.parse(std::span(buffer.data(), used),
                                    [this](const Message& m) { on_message(m); });
      if (!consumed) {
        if (reader_.over_limit())
          close_by_limit(consumed.error().message);
        else
          close(consumed.error().message);
        break;
      }
      if (sink_) sink_->flush();
      std::memmove(buffer.data(), buffer.data() + *consumed, used - *consumed);
      used -= *consumed;
      maybe_acknowledge();
      if (closing_) break;
    }
  }

  asio::awaitable<void> write_loop() {
    auto self = this->shared_from_this();
    media::Bytes control;
    while (!closed_) {
      if (!control_.empty()) {
        control.swap(control_);
        control_.clear();
        if (!co_await write(asio::buffer(control))) break;
        continue;
      }
      if (closing_) break;
      if (revoked_at_ && !sent_fin_) {
        // The status is out: no more from us, but keep reading (and
        // dropping) what the publisher still sends until it reads the
        // status and leaves, so it sees why rather than a broken pipe.
        sent_fin_ = true;
        boost::system::error_code ec;
        tcp_socket().shutdown(tcp::socket::shutdown_send, ec);
      }
      if (source_) {
        co_await play();
        break;
      }
      signal_.expires_at(steady_clock::time_point::max());
      co_await signal_.async_wait(use_nothrow);
    }
    shutdown();
  }

  // A player's media, and what control messages come up meanwhile, go out
  // through the one player write loop (live::PlayerWriter); over TLS it
  // writes only through the encryption.
  asio::awaitable<void> play() {
    if constexpr (kTls)
      writer_.emplace(*source_, socket_, tcp_socket(), play_framing, options_.write_stall_timeout);
    else
      writer_.emplace(*source_, socket_, play_framing, options_.write_stall_timeout);
    const live::WriteEnd end = co_await writer_->run();
    if (end == live::WriteEnd::stalled) close("player stopped reading", spdlog::level::info);
    if (end != live::WriteEnd::source_ended || closed_ || closing_) co_return;
    // The stream ended for good: say so the way a player expects (StreamEOF,
    // then the unpublish and stop notices), then close.
    media::Bytes control;
    write_user_control(control, kStreamEof, play_stream_id_, chunk_out_);
    write_status(control, play_stream_id_, "status", "NetStream.Play.UnpublishNotify",
                 stream_ + " is now unpublished.", chunk_out_);
    write_status(control, play_stream_id_, "status", "NetStream.Play.Stop",
                 "Stopped playing " + stream_ + ".", chunk_out_);
    co_await write(asio::buffer(control));
    spdlog::info("event=rtmp_play_end stream={} peer={}", base::log_value(stream_), peer_);
  }

  template <typename Buffers>
  asio::awaitable<bool> write(const Buffers& buffers) {
    write_started_ = steady_clock::now();
    writing_ = true;
    auto [ec, n] = co_await asio::async_write(socket_, buffers, use_nothrow);
    writing_ = false;
    co_return !ec;
  }

  asio::awaitable<void> watchdog() {
    auto self = this->shared_from_this();
    while (!closed_) {
      watchdog_.expires_after(milliseconds(250));
      co_await watchdog_.async_wait(use_nothrow);
      if (closed_) break;
      const auto now = steady_clock::now();
      if (!handshake_done_ && now - started_at_ > options_.handshake_timeout) {
        close("handshake timed out");
      } else if (handshake_done_ && !admitted_ && !closing_ &&
                 now - handshake_done_at_ > options_.admission_timeout) {
        close_by_admission_timeout();
      } else if (auto why = sink_ ? sink_->revoked() : std::nullopt) {
        revoke(*why);
      } else if (revoked_at_ && now - *revoked_at_ > kRevokedLinger) {
        close("publish revoked; the publisher did not leave", spdlog::level::info);
      } else if (sink_ && now - last_read_at_ > options_.publish_idle_timeout) {
        close("publisher sent nothing for " +
              std::to_string(options_.publish_idle_timeout.count()) + " ms");
      } else if (writing_ && now - write_started_ > options_.write_stall_timeout) {
        close("player stopped reading", spdlog::level::info);
      }
    }
  }

  void queue(const std::function<void(media::Bytes&)>& build) {
    build(control_);
    if (writer_) {
      writer_->send_control(control_);
      control_.clear();
    }
    signal_.cancel();
  }

  void maybe_acknowledge() {
    if (peer_window_ == 0 || bytes_read_ - last_ack_ < peer_window_) return;
    last_ack_ = bytes_read_;
    queue([&](media::Bytes& out) {
      write_acknowledgement(out, static_cast<std::uint32_t>(bytes_read_));
    });
  }

  void on_message(const Message& m) {
    if (closing_) return;
    switch (m.type) {
      case kSetChunkSize:
      case kAbort:
      case kAcknowledgement:
      case kSetPeerBandwidth:
        break;
      case kWindowAckSize:
        if (m.body.size() >= 4) peer_window_ = media::read_u32be(m.body.data());
        break;
      case kUserControl:
        if (m.body.size() >= 6 && media::read_u16be(m.body.data()) == kPingRequest) {
          const std::uint32_t value = media::read_u32be(m.body.data() + 2);
          queue([&](media::Bytes& out) {
            write_user_control(out, kPingResponse, value, chunk_out_);
          });
        }
        break;
      case kCommandAmf0:
        on_command(m.body, m.stream_id);
        break;
      case kCommandAmf3:
        if (!m.body.empty()) on_command(m.body.subspan(1), m.stream_id);
        break;
      case kDataAmf0:
        on_data(m);
        break;
      case kDataAmf3:
        if (!m.body.empty())
          on_data(
              Message{m.chunk_stream_id, kDataAmf0, m.stream_id, m.timestamp, m.body.subspan(1)});
        break;
      case kAudio:
      case kVideo:
        on_media(m.type == kAudio ? media::PacketKind::audio : media::PacketKind::video,
                 m.timestamp, m.body);
        break;
      case kAggregate:
        on_aggregate(m);
        break;
      default:
        break;
    }
  }

  std::int64_t unwrap(std::uint32_t ts) {
    if (have_ts_ && ts < last_ts_ && last_ts_ - ts > 0x80000000u)
      ts_epoch_ += std::int64_t{1} << 32;
    have_ts_ = true;
    last_ts_ = ts;
    return ts_epoch_ + ts;
  }

  void on_media(media::PacketKind kind, std::uint32_t ts, std::span<const std::uint8_t> body) {
    if (revoked_at_) return;  // in flight when the publish was revoked
    if (!sink_) {
      close("media before a successful publish");
      return;
    }
    if (body.empty()) return;  // some encoders send empty audio/video as keep-alives
    if (!sink_->push(kind, unwrap(ts), body) && ++malformed_ == 1)
      spdlog::warn("event=rtmp_malformed_media stream={} peer={} kind={}", base::log_value(stream_),
                   peer_, static_cast<int>(kind));
  }

  void on_aggregate(const Message& m) {
    // FLV tags back to back; their timestamps are relative to the first.
    auto body = m.body;
    std::optional<std::uint32_t> first;
    while (body.size() >= 15) {
      const std::uint8_t type = body[0];
      const std::size_t size = media::read_u24be(body.data() + 1);
      const std::uint32_t ts =
          media::read_u24be(body.data() + 4) | static_cast<std::uint32_t>(body[7]) << 24;
      if (body.size() < 11 + size + 4) break;
      if (!first) first = ts;
      if (type == kAudio || type == kVideo)
        on_media(type == kAudio ? media::PacketKind::audio : media::PacketKind::video,
                 m.timestamp + (ts - *first), body.subspan(11, size));
      body = body.subspan(11 + size + 4);
    }
  }

  void on_data(const Message& m) {
    if (!sink_) return;
    // "@setDataFrame", "onMetaData", {...}: players get it as onMetaData.
    static constexpr std::uint8_t kSetDataFrame[] = {0x02, 0x00, 0x0D, '@', 's', 'e', 't', 'D',
                                                     'a',  't',  'a',  'F', 'r', 'a', 'm', 'e'};
    static constexpr std::uint8_t kOnMetaData[] = {0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e',
                                                   't',  'a',  'D',  'a', 't', 'a'};
    auto body = m.body;
    if (body.size() >= sizeof(kSetDataFrame) &&
        std::equal(std::begin(kSetDataFrame), std::end(kSetDataFrame), body.begin()))
      body = body.subspan(sizeof(kSetDataFrame));
    if (body.size() < sizeof(kOnMetaData) ||
        !std::equal(std::begin(kOnMetaData), std::end(kOnMetaData), body.begin()))
      return;
    if (!amf0::decode_all(body)) {
      spdlog::warn("event=rtmp_bad_metadata stream={} peer={}", base::log_value(stream_), peer_);
      return;
    }
    sink_->push(media::PacketKind::data, unwrap(m.timestamp), body);
  }

  void on_command(std::span<const std::uint8_t> body, std::uint32_t stream_id) {
    auto values = amf0::decode_all(body);
    if (!values) {
      close("bad command: " + values.error().message);
      return;
    }
    auto& v = *values;
    if (v.empty() || !v[0].is_string()) {
      close("command without a name");
      return;
    }
    const std::string& name = v[0].string;
    const double txid = v.size() > 1 && v[1].is_number() ? v[1].number : 0;
    const auto arg = [&](std::size_t i) -> const Value* { return i < v.size() ? &v[i] : nullptr; };

    if (name == "connect") {
      const Value* obj = arg(2);
      if (const Value* a = obj ? obj->find("app") : nullptr; a && a->is_string())
        split_query(a->string, app_, app_query_);
      if (const Value* t = obj ? obj->find("tcUrl") : nullptr; t && t->is_string()) {
        std::string base;
        split_query(t->string, base, tc_query_);
      }
      double encoding = 0;
      if (const Value* e = obj ? obj->find("objectEncoding") : nullptr; e && e->is_number())
        encoding = e->number;
      queue([&](media::Bytes& out) {
        write_window_ack_size(out, 2'500'000);
        write_set_peer_bandwidth(out, 2'500'000, 2);
        write_set_chunk_size(out, kPlayChunkSize);
        chunk_out_ = kPlayChunkSize;
        write_command(
            out, 0,
            {Value::make_string("_result"), Value::make_number(txid),
             Value::make_object({{"fmsVer", Value::make_string("FMS/3,0,1,123")},
                                 {"capabilities", Value::make_number(31)}}),
             Value::make_object({{"level", Value::make_string("status")},
                                 {"code", Value::make_string("NetConnection.Connect.Success")},
                                 {"description", Value::make_string("Connection succeeded.")},
                                 {"objectEncoding", Value::make_number(encoding)}})},
            chunk_out_);
      });
    } else if (name == "createStream") {
      queue([&](media::Bytes& out) {
        write_command(out, 0,
                      {Value::make_string("_result"), Value::make_number(txid), Value::make_null(),
                       Value::make_number(kMediaStreamId)},
                      chunk_out_);
      });
    } else if (name == "releaseStream" || name == "FCPublish" || name == "FCUnpublish" ||
               name == "getStreamLength" || name == "_checkbw") {
      if (txid != 0 && name != "getStreamLength")
        queue([&](media::Bytes& out) {
          write_command(out, 0,
                        {Value::make_string("_result"), Value::make_number(txid),
                         Value::make_null(), Value::make_undefined()},
                        chunk_out_);
        });
      if (name == "FCUnpublish") end_publish("FCUnpublish");
    } else if (name == "publish") {
      const Value* n = arg(3);
      on_publish(n && n->is_string() ? n->string : std::string(), stream_id);
    } else if (name == "play") {
      const Value* n = arg(3);
      on_play(n && n->is_string() ? n->string : std::string(), stream_id);
    } else if (name == "deleteStream" || name == "closeStream") {
      end_publish(name);
      if (source_) close("player closed the stream", spdlog::level::info);
    }
  }

  StreamRequest request(const std::string& raw_name) {
    StreamRequest r;
    r.app = app_;
    r.app_query = app_query_.empty() ? tc_query_ : app_query_;
    split_query(raw_name, r.stream, r.stream_query);
    r.peer = peer_;
    r.worker = worker_;
    return r;
  }

  void on_publish(const std::string& raw_name, std::uint32_t stream_id) {
    if (sink_ || source_) {
      close("publish on a connection that is already publishing or playing");
      return;
    }
    const StreamRequest r = request(raw_name);
    stream_ = r.stream;
    auto admission = hooks_.publish(r);
    if (!admission.granted) {
      refuse(stream_id,
             admission.status_code.empty() ? "NetStream.Publish.BadName" : admission.status_code,
             admission.reason);
      return;
    }
    sink_ = std::move(admission.granted);
    admitted_ = true;
    reader_.set_limits(options_.publisher_limits);
    publish_stream_id_ = stream_id;
    queue([&](media::Bytes& out) {
      write_user_control(out, kStreamBegin, stream_id, chunk_out_);
      write_status(out, stream_id, "status", "NetStream.Publish.Start",
                   stream_ + " is now published.", chunk_out_);
    });
  }

  void on_play(const std::string& raw_name, std::uint32_t stream_id) {
    if (sink_ || source_) {
      close("play on a connection that is already publishing or playing");
      return;
    }
    const StreamRequest r = request(raw_name);
    stream_ = r.stream;
    auto admission = hooks_.play(r);
    if (!admission.granted) {
      refuse(
          stream_id,
          admission.status_code.empty() ? "NetStream.Play.StreamNotFound" : admission.status_code,
          admission.reason);
      return;
    }
    queue([&](media::Bytes& out) {
      write_user_control(out, kStreamIsRecorded, stream_id, chunk_out_);
      write_user_control(out, kStreamBegin, stream_id, chunk_out_);
      write_status(out, stream_id, "status", "NetStream.Play.Reset",
                   "Playing and resetting " + stream_ + ".", chunk_out_);
      write_status(out, stream_id, "status", "NetStream.Play.Start",
                   "Started playing " + stream_ + ".", chunk_out_);
      media::Bytes access;
      amf0::encode(access, Value::make_string("|RtmpSampleAccess"));
      amf0::encode(access, Value::make_boolean(true));
      amf0::encode(access, Value::make_boolean(true));
      write_message(out, kDataCsid, kDataAmf0, stream_id, 0, access, chunk_out_);
    });
    source_ = std::move(admission.granted);
    admitted_ = true;
    play_stream_id_ = stream_id;
    boost::system::error_code ec;  // best effort
    tcp_socket().set_option(tcp::socket::send_buffer_size(options_.player_send_buffer_bytes), ec);
    spdlog::info("event=rtmp_play stream={} peer={}", base::log_value(stream_), peer_);
  }

  void refuse(std::uint32_t stream_id, const std::string& code, const std::string& reason) {
    spdlog::warn("event=rtmp_refused stream={} peer={} code={} reason={}", base::log_value(stream_),
                 peer_, base::log_value(code), base::log_value(reason));
    queue([&](media::Bytes& out) {
      write_status(out, stream_id, "error", code, reason, chunk_out_);
    });
    closing_ = true;  // the writer sends the status, then closes
  }

  // The publish may not go on (its session ended): the publisher is told
  // why with an error status, its publish ends now, and the connection
  // closes once it leaves (at most kRevokedLinger later).
  void revoke(const std::string& why) {
    spdlog::warn("event=rtmp_refused stream={} peer={} code=NetStream.Publish.Rejected reason={}",
                 base::log_value(stream_), peer_, base::log_value(why));
    queue([&](media::Bytes& out) {
      write_status(out, publish_stream_id_, "error", "NetStream.Publish.Rejected", why, chunk_out_);
    });
    end_publish("revoked");
    revoked_at_ = steady_clock::now();
  }

  void end_publish(std::string_view why) {
    if (!sink_) return;
    sink_.reset();
    spdlog::info("event=rtmp_unpublish stream={} peer={} reason={}", base::log_value(stream_),
                 peer_, base::log_value(why));
  }

  // `level`: warn for what an operator should look at (a protocol error, a
  // camera gone quiet); a viewer leaving or dropped for its own slow network
  // is routine, info like its event=rtmp_play.
  void close(const std::string& reason, spdlog::level::level_enum level = spdlog::level::warn) {
    if (closed_) return;
    if (handshake_done_ || reason.find("handshake") != std::string::npos)
      spdlog::log(level, "event=rtmp_close peer={} stream={} reason={}", peer_,
                  base::log_value(stream_), base::log_value(reason));
    closing_ = true;
    shutdown();
  }

  // Limits are what a flood meets: counted always, logged once per burst.
  void close_by_limit(const std::string& reason) {
    const auto total = base::saturating_increment(state_->buffer_limits);
    if (state_->limit_log.due(steady_clock::now()))
      spdlog::warn(
          "event=rtmp_limit peer={} reason={} total={} buffered_bytes={} "
          "buffered_limit_bytes={} (further ones within 10 s are counted, not logged)",
          peer_, base::log_value(reason), total, state_->budget.used_bytes(),
          state_->budget.limit_bytes());
    closing_ = true;
    shutdown();
  }

  void close_by_admission_timeout() {
    const auto total = base::saturating_increment(state_->admission_timeouts);
    if (state_->timeout_log.due(steady_clock::now()))
      spdlog::warn(
          "event=rtmp_admission_timeout peer={} timeout_ms={} total={} "
          "(further ones within 10 s are counted, not logged)",
          peer_, options_.admission_timeout.count(), total);
    closing_ = true;
    shutdown();
  }

  void shutdown() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    tcp_socket().shutdown(tcp::socket::shutdown_both, ec);
    tcp_socket().close(ec);
    signal_.cancel();
    watchdog_.cancel();
    if (writer_) writer_->stop();
  }

  void finish() {
    end_publish("disconnected");
    // The writer sends what is queued (a refusal's status), then closes; a
    // peer that does not read is cut by the watchdog's write-stall limit.
    closing_ = true;
    signal_.cancel();
    if (writer_) writer_->stop();
    if (!handshake_done_) shutdown();
  }

  Socket socket_;
  std::size_t worker_;
  ServerHooks& hooks_;
  const ServerOptions options_;
  std::shared_ptr<Server::State> state_;
  base::ConnectionAdmission::Slot slot_;  // this connection's place under the caps
  ChunkReader reader_;
  asio::steady_timer signal_;
  asio::steady_timer watchdog_;
  std::string peer_;
  std::string app_, app_query_, tc_query_, stream_;
  media::Bytes control_;
  std::unique_ptr<MediaSink> sink_;
  std::unique_ptr<MediaSource> source_;
  std::optional<live::PlayerWriter> writer_;  // while playing; after source_: gone first
  std::uint32_t chunk_out_ = 128;
  std::uint32_t publish_stream_id_ = 0, play_stream_id_ = 0;
  std::optional<steady_clock::time_point> revoked_at_;
  bool sent_fin_ = false;
  std::uint64_t bytes_read_ = 0, last_ack_ = 0;
  std::uint32_t peer_window_ = 0;
  std::uint32_t last_ts_ = 0;
  std::int64_t ts_epoch_ = 0;
  bool have_ts_ = false;
  std::uint64_t malformed_ = 0;
  steady_clock::time_point started_at_, last_read_at_, write_started_, handshake_done_at_;
  bool admitted_ = false;  // a publish or play was accepted
  bool handshake_done_ = false, writing_ = false, closing_ = false, closed_ = false;
};

}  // namespace

Server::Server(ServerHooks& hooks, ServerOptions options)
    : hooks_(hooks),
      options_(options),
      state_(std::make_shared<State>(
          options.max_buffered_bytes_total,
          base::ConnectionAdmission::Limits{options.max_connections,
                                            options.max_connections_per_address})) {}

Server::~Server() = default;

ServerCounters Server::counters() const {
  return {state_->admission_timeouts.load(), state_->buffer_limits.load()};
}

const base::ConnectionAdmission& Server::admission() const {
  return state_->admission;
}

void Server::serve(tcp::socket socket, std::size_t worker) {
  start(std::move(socket), worker, false);
}

void Server::serve_tls(tcp::socket socket, std::size_t worker) {
  if (!options_.tls) throw std::logic_error("rtmp::Server::serve_tls without ServerOptions::tls");
  start(std::move(socket), worker, true);
}

void Server::start(tcp::socket socket, std::size_t worker, bool tls) {
  boost::system::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  // Every camera connects for itself: no peer is exempt from the cap.
  auto admitted = state_->admission.admit(endpoint.address(), false);
  if (auto* refusal = std::get_if<base::ConnectionAdmission::Refusal>(&admitted)) {
    if (refusal->log)
      spdlog::warn(
          "event=rtmp_connection_refused address={} reason=\"{}\" total={} "
          "(further ones within 10 s are counted, not logged)",
          ec ? std::string("unknown") : endpoint.address().to_string(), refusal->reason,
          refusal->total);
    socket.close(ec);
    return;
  }
  auto slot = std::move(std::get<base::ConnectionAdmission::Slot>(admitted));
  auto run = [&]<typename Socket>() {
    auto session = std::make_shared<ServerSession<Socket>>(std::move(socket), worker, hooks_,
                                                           options_, state_, std::move(slot));
    auto executor = session->executor();
    asio::co_spawn(
        executor, [session]() -> asio::awaitable<void> { co_await session->run(); },
        asio::detached);
  };
  if (tls)
    run.template operator()<TlsSocket>();
  else
    run.template operator()<tcp::socket>();
}

}  // namespace courtcast::rtmp
