#include "rtmp/client.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <type_traits>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "media/bytes_io.hpp"
#include "rtmp/chunk.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/messages.hpp"
#include "rtmp/tls_client.hpp"

namespace courtcast::rtmp {

namespace {

using amf0::Value;
using asio::ip::tcp;
using media::make_error;
using media::Result;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

// "@setDataFrame" as an AMF0 string, what publishers put before onMetaData.
constexpr std::uint8_t kSetDataFrame[] = {0x02, 0x00, 0x0D, '@', 's', 'e', 't', 'D',
                                          'a',  't',  'a',  'F', 'r', 'a', 'm', 'e'};

// What an onStatus or _error command says, when it is one.
struct Status {
  bool is_status = false;
  bool is_error = false;
  std::string code;
  std::string description;
};

Status read_status(const std::vector<Value>& v) {
  Status s;
  if (v.empty() || !v[0].is_string()) return s;
  const std::string& name = v[0].string;
  if (name != "onStatus" && name != "_error") return s;
  s.is_status = true;
  s.is_error = name == "_error";
  if (v.size() > 3 && v[3].is_object()) {
    const Value& info = v[3];
    if (const Value* l = info.find("level"); l && l->is_string() && l->string == "error")
      s.is_error = true;
    if (const Value* c = info.find("code"); c && c->is_string()) s.code = c->string;
    if (const Value* d = info.find("description"); d && d->is_string()) s.description = d->string;
  }
  return s;
}

// Builds a command's argument list outside the coroutines: GCC 12 mishandles
// braced initializer lists inside co_await expressions.
template <typename... V>
std::vector<Value> args(V&&... v) {
  std::vector<Value> out;
  out.reserve(sizeof...(V));
  (out.push_back(std::forward<V>(v)), ...);
  return out;
}

// A command message's values: an AMF3 command is AMF0 behind one format
// byte. Nothing when the message is not a command.
std::optional<Result<std::vector<Value>>> decode_command(std::uint8_t type,
                                                         std::span<const std::uint8_t> body) {
  if (type != kCommandAmf0 && type != kCommandAmf3) return std::nullopt;
  if (type == kCommandAmf3 && !body.empty()) body = body.subspan(1);
  return amf0::decode_all(body);
}

std::string status_text(const Status& s) {
  std::string out = s.code.empty() ? "error" : s.code;
  if (!s.description.empty()) out += ": " + s.description;
  return out;
}

// Writes what the socket takes now of `buffers`, without blocking: sendmsg
// with up to IOV_MAX pieces per call (Asio's gathered writes stop at 16).
// Returns the bytes written; a full socket is not an error.
std::size_t send_now(int fd, std::span<const asio::const_buffer> buffers,
                     boost::system::error_code& ec) {
  std::size_t written = 0;
  while (!buffers.empty()) {
    std::array<iovec, IOV_MAX> iov;
    std::size_t count = 0, bytes = 0;
    for (; count < iov.size() && count < buffers.size(); ++count) {
      iov[count].iov_base = const_cast<void*>(buffers[count].data());
      iov[count].iov_len = buffers[count].size();
      bytes += buffers[count].size();
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        ec.assign(errno, boost::system::system_category());
      return written;
    }
    written += static_cast<std::size_t>(n);
    if (static_cast<std::size_t>(n) < bytes) return written;  // the socket is full
    buffers = buffers.subspan(count);
  }
  return written;
}

}  // namespace

void GatherFramer::clear() {
  owned_.clear();
  pieces_.clear();
  size_bytes_ = 0;
}

void GatherFramer::own(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  if (!pieces_.empty() && !pieces_.back().external)
    pieces_.back().size += size;  // owned_ grows contiguously: extend the last piece
  else
    pieces_.push_back({nullptr, owned_.size(), size});
  owned_.insert(owned_.end(), data, data + size);
  size_bytes_ += size;
}

void GatherFramer::refer(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  if (size < kCopyBelowBytes) return own(data, size);
  pieces_.push_back({data, 0, size});
  size_bytes_ += size;
}

void GatherFramer::append_framed(std::span<const std::uint8_t> bytes) {
  own(bytes.data(), bytes.size());
}

void GatherFramer::append_message(std::uint32_t csid, std::uint8_t type, std::uint32_t stream_id,
                                  std::uint32_t timestamp, std::span<const std::uint8_t> body,
                                  std::uint32_t chunk_size, bool copy) {
  std::uint8_t header[kMaxChunkHeaderBytes];
  std::uint8_t* p = put_message_header(header, csid, type, stream_id, timestamp, body.size());
  own(header, static_cast<std::size_t>(p - header));
  std::size_t off = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunk_size, body.size() - off);
    if (copy)
      own(body.data() + off, n);
    else
      refer(body.data() + off, n);
    off += n;
    if (off >= body.size()) break;
    p = put_continuation_header(header, csid, timestamp);
    own(header, static_cast<std::size_t>(p - header));
  }
}

std::span<const asio::const_buffer> GatherFramer::buffers() {
  buffers_.clear();
  for (const Piece& piece : pieces_)
    buffers_.emplace_back(piece.external ? piece.external : owned_.data() + piece.offset,
                          piece.size);
  first_ = 0;
  return buffers_;
}

std::span<const asio::const_buffer> GatherFramer::consume(std::size_t bytes) {
  while (first_ < buffers_.size() && bytes >= buffers_[first_].size())
    bytes -= buffers_[first_++].size();
  if (first_ < buffers_.size()) buffers_[first_] += bytes;
  return std::span(buffers_).subspan(first_);
}

asio::awaitable<boost::system::error_code> open_stream(tcp::socket& socket, const Url& url) {
  if (url.secure()) co_return asio::error::make_error_code(asio::error::operation_not_supported);
  tcp::resolver resolver(socket.get_executor());
  auto [rec, endpoints] =
      co_await resolver.async_resolve(url.host, std::to_string(url.port), use_nothrow);
  if (rec) co_return rec;
  auto [cec, ep] = co_await asio::async_connect(socket, endpoints, use_nothrow);
  if (cec) co_return cec;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  co_return boost::system::error_code{};
}

template <typename S>
Result<void> BasicClient<S>::io_error(const char* what, const boost::system::error_code& ec) const {
  if (timed_out_)
    return make_error("rtmp client: " + url_.host + ":" + std::to_string(url_.port) +
                      " timed out after " + std::to_string(options_.setup_timeout.count()) +
                      " ms while " + what);
  if (ec == asio::error::eof)
    return make_error("rtmp client: " + url_.host + ":" + std::to_string(url_.port) +
                      " closed the connection while " + what);
  return make_error("rtmp client: " + url_.host + ":" + std::to_string(url_.port) + " " + what +
                    ": " + ec.message());
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::publish(std::string_view url) {
  return start(url, Role::publish);
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::play(std::string_view url) {
  return start(url, Role::play);
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::start(std::string_view url, Role role) {
  auto parsed = parse_url(url);
  if (!parsed) co_return parsed.error();
  url_ = std::move(*parsed);
  timed_out_ = false;
  timer_.expires_after(options_.setup_timeout);
  // Closing the socket makes whatever is pending fail; io_error says why.
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: setup finished (or the client is gone)
    timed_out_ = true;
    boost::system::error_code ignored;
    stream_.lowest_layer().close(ignored);
  });
  auto result = co_await setup(role);
  timer_.cancel();
  co_return result;
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::setup(Role role) {
  in_.resize(std::max<std::size_t>(options_.read_buffer_bytes, 4096));
  if (auto ec = co_await open_stream(stream_, url_)) {
    if (ec == asio::error::operation_not_supported)
      co_return make_error("rtmp client: " + url_.scheme + ":// needs a TLS transport");
    co_return io_error("connecting", ec);
  }
  // Closed while it resolved the name: that closed no socket, and the
  // connect then opened one. Nothing reaches the server's RTMP side.
  if (closed_) {
    boost::system::error_code ignored;
    stream_.lowest_layer().close(ignored);
    co_return make_error("rtmp client: closed while connecting");
  }
  if (auto r = co_await handshake(); !r) co_return r;
  write_set_chunk_size(out_, options_.chunk_size);
  if (auto r = co_await connect_app(role); !r) co_return r;

  if (role == Role::publish) co_return co_await begin_publish();
  co_return co_await begin_play();
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::begin_publish() {
  const Value name = Value::make_string(url_.stream);
  if (auto r = co_await call("releaseStream", args(Value::make_null(), name), false); !r)
    co_return r.error();
  if (auto r = co_await call("FCPublish", args(Value::make_null(), name), false); !r)
    co_return r.error();
  auto id = co_await call("createStream", args(Value::make_null()), true);
  if (!id) co_return id.error();
  media_stream_id_ = static_cast<std::uint32_t>(*id);
  auto r = co_await call("publish", args(Value::make_null(), name, Value::make_string("live")),
                         false, media_stream_id_);
  if (!r) co_return r.error();
  co_return co_await await_status("NetStream.Publish.Start");
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::begin_play() {
  auto id = co_await call("createStream", args(Value::make_null()), true);
  if (!id) co_return id.error();
  media_stream_id_ = static_cast<std::uint32_t>(*id);
  // FFmpeg's -2000: a live stream if there is one, else a recorded one.
  auto r = co_await call(
      "play", args(Value::make_null(), Value::make_string(url_.stream), Value::make_number(-2000)),
      false, media_stream_id_);
  if (!r) co_return r.error();
  write_buffer_length();
  if (auto ec = co_await flush_out()) co_return io_error("sending SetBufferLength", ec);
  co_return co_await await_status("NetStream.Play.Start");
}

template <typename S>
void BasicClient<S>::write_buffer_length() {
  std::uint8_t body[10];
  media::write_u16be(body, kSetBufferLength);
  media::write_u32be(body + 2, media_stream_id_);
  media::write_u32be(body + 6, options_.buffer_length_ms);
  write_message(out_, kControlCsid, kUserControl, 0, 0, body, options_.chunk_size);
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::handshake() {
  const auto c0c1 = make_client_c0c1();
  if (auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(c0c1), use_nothrow); ec)
    co_return io_error("sending the handshake", ec);
  std::array<std::uint8_t, 1 + 2 * kHandshakeBytes> s0s1s2;
  if (auto [ec, n] = co_await asio::async_read(stream_, asio::buffer(s0s1s2), use_nothrow); ec)
    co_return io_error("reading the handshake", ec);
  auto c2 = make_client_c2(s0s1s2);
  if (!c2) co_return c2.error();
  if (auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(*c2), use_nothrow); ec)
    co_return io_error("finishing the handshake", ec);
  co_return Result<void>{};
}

template <typename S>
Value BasicClient<S>::connect_object(bool player) const {
  std::vector<amf0::Property> props = {
      {"app", Value::make_string(url_.app)},
      {"type", Value::make_string("nonprivate")},
      {"flashVer", Value::make_string(options_.flash_ver)},
      {"tcUrl", Value::make_string(url_.tc_url)},
  };
  if (player) {  // what FFmpeg announces as a player
    props.push_back({"fpad", Value::make_boolean(false)});
    props.push_back({"capabilities", Value::make_number(15)});
    props.push_back({"audioCodecs", Value::make_number(4071)});
    props.push_back({"videoCodecs", Value::make_number(252)});
    props.push_back({"videoFunction", Value::make_number(1)});
  }
  return Value::make_object(std::move(props));
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::connect_app(Role role) {
  auto r = co_await call("connect", args(connect_object(role == Role::play)), true);
  if (!r) co_return r.error();
  co_return Result<void>{};
}

template <typename S>
asio::awaitable<Result<double>> BasicClient<S>::call(std::string_view name,
                                                     std::vector<Value> arguments, bool want_reply,
                                                     std::uint32_t stream_id) {
  const double txid = next_txid_++;
  media::Bytes body;
  amf0::encode_string(body, name);
  amf0::encode_number(body, txid);
  for (const auto& a : arguments) amf0::encode(body, a);
  write_message(out_, kCommandCsid, kCommandAmf0, stream_id, 0, body, options_.chunk_size);
  if (auto ec = co_await flush_out()) co_return io_error("sending a command", ec).error();
  if (!want_reply) co_return 0.0;
  for (;;) {
    auto values = co_await next_command();
    if (!values) co_return values.error();
    const auto& v = *values;
    if (v.size() < 2 || !v[0].is_string() || !v[1].is_number()) continue;
    if (v[1].number != txid) {
      if (const Status s = read_status(v); s.is_status && s.is_error)
        co_return make_error("rtmp client: " + std::string(name) + " refused: " + status_text(s));
      continue;
    }
    if (v[0].string == "_result") co_return v.size() > 3 && v[3].is_number() ? v[3].number : 0.0;
    if (v[0].string == "_error")
      co_return make_error("rtmp client: " + std::string(name) +
                           " refused: " + status_text(read_status(v)));
  }
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::await_status(std::string_view success_code) {
  for (;;) {
    auto values = co_await next_command();
    if (!values) co_return values.error();
    const Status s = read_status(*values);
    if (!s.is_status) continue;
    if (s.is_error) co_return make_error("rtmp client: refused: " + status_text(s));
    if (s.code == success_code) co_return Result<void>{};
  }
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::send(media::PacketKind kind, std::int64_t dts_ms,
                                                   std::span<const std::uint8_t> body) {
  const OutgoingPacket packet{kind, dts_ms, body};
  co_return co_await send_batch(std::span(&packet, 1));
}

template <typename S>
asio::awaitable<Result<void>> BasicClient<S>::send_batch(std::span<const OutgoingPacket> packets) {
  if (failed_) co_return make_error("rtmp client: publish ended by the server: " + *failed_);
  // Over plain TCP the payloads stay where they are and go out in one
  // writev; TLS encrypts into records of its own, so one contiguous buffer
  // (and one SSL_write per 16 KB) is the cheaper shape there.
  constexpr bool gather = std::is_same_v<S, tcp::socket>;
  if constexpr (gather) {
    framer_.clear();
    framer_.append_framed(out_);  // control messages queued since the last write
    out_.clear();
  }
  for (const OutgoingPacket& packet : packets) {
    const std::uint32_t csid = packet.kind == media::PacketKind::audio   ? kAudioCsid
                               : packet.kind == media::PacketKind::video ? kVideoCsid
                                                                         : kDataCsid;
    std::span<const std::uint8_t> wire = packet.body;
    bool copy = false;
    if (packet.kind == media::PacketKind::data &&
        !(wire.size() >= sizeof kSetDataFrame &&
          std::equal(std::begin(kSetDataFrame), std::end(kSetDataFrame), wire.begin()))) {
      data_frame_.assign(std::begin(kSetDataFrame), std::end(kSetDataFrame));
      data_frame_.insert(data_frame_.end(), wire.begin(), wire.end());
      wire = data_frame_;
      copy = true;  // data_frame_ is reused by the next data packet of the batch
    }
    const auto type = static_cast<std::uint8_t>(packet.kind);
    const auto timestamp = static_cast<std::uint32_t>(packet.dts_ms);
    if constexpr (gather)
      framer_.append_message(csid, type, media_stream_id_, timestamp, wire, options_.chunk_size,
                             copy);
    else
      write_message(out_, csid, type, media_stream_id_, timestamp, wire, options_.chunk_size);
  }
  if constexpr (gather) {
    // One sendmsg for the batch; when the socket is full, wait until it
    // takes more and go on from where it stopped.
    auto pending = framer_.buffers();
    while (!pending.empty()) {
      boost::system::error_code ec;
      const std::size_t n = send_now(stream_.native_handle(), pending, ec);
      bytes_written_ += n;
      if (ec) co_return io_error("publishing", ec);
      pending = framer_.consume(n);
      if (pending.empty()) break;
      auto [wec] = co_await stream_.async_wait(tcp::socket::wait_write, use_nothrow);
      if (wec) co_return io_error("publishing", wec);
    }
  } else {
    if (auto ec = co_await flush_out()) co_return io_error("publishing", ec);
  }
  if (auto ec = co_await drain_available()) co_return io_error("reading while publishing", ec);
  if (failed_) co_return make_error("rtmp client: publish ended by the server: " + *failed_);
  co_return Result<void>{};
}

template <typename S>
asio::awaitable<boost::system::error_code> BasicClient<S>::drain_available() {
  // A publisher's peer sends little (acknowledgements, pings, a status):
  // read it when it is there, so that no coroutine has to wait for it.
  for (;;) {
    boost::system::error_code ec;
    if (stream_.lowest_layer().available(ec) == 0 || ec) break;
    compact();
    auto [rec, n] = co_await stream_.async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_), use_nothrow);
    if (rec) co_return rec;
    in_end_ += n;
    bytes_read_ += n;
    for (;;) {
      auto m = parse_one();
      if (!m) {
        failed_ = m.error().message;
        break;
      }
      if (!*m) break;
      const Incoming& msg = **m;
      if (msg.type <= kSetPeerBandwidth) {
        on_control(msg);
      } else if (auto v = decode_command(msg.type, msg.body); v && *v) {
        if (const Status s = read_status(**v); s.is_error) failed_ = status_text(s);
      }
    }
  }
  co_return co_await flush_out();
}

template <typename S>
asio::awaitable<Result<ClientMessage>> BasicClient<S>::read() {
  for (;;) {
    auto m = co_await next_message();
    if (!m) co_return m.error();
    switch (m->type) {
      case kAudio:
      case kVideo:
      case kDataAmf0:
        co_return ClientMessage{static_cast<media::PacketKind>(m->type), m->timestamp, m->length,
                                m->body};
      case kDataAmf3:
        if (m->body.empty()) break;
        co_return ClientMessage{media::PacketKind::data, m->timestamp, m->length - 1,
                                m->body.subspan(1)};
      case kCommandAmf0:
      case kCommandAmf3: {
        auto values = *decode_command(m->type, m->body);
        if (!values) co_return make_error("rtmp client: bad command: " + values.error().message);
        if (const Status s = read_status(*values); s.is_error)
          co_return make_error("rtmp client: play ended by the server: " + status_text(s));
        break;
      }
      default:
        break;
    }
  }
}

template <typename S>
asio::awaitable<Result<std::vector<Value>>> BasicClient<S>::next_command() {
  for (;;) {
    auto m = co_await next_message();
    if (!m) co_return m.error();
    auto values = decode_command(m->type, m->body);
    if (!values) continue;
    if (!*values) co_return make_error("rtmp client: bad command: " + values->error().message);
    co_return std::move(**values);
  }
}

template <typename S>
asio::awaitable<Result<typename BasicClient<S>::Incoming>> BasicClient<S>::next_message() {
  for (;;) {
    auto m = parse_one();
    if (!m) co_return m.error();
    if (*m) {
      if ((*m)->type > kSetPeerBandwidth) co_return **m;
      on_control(**m);
      if (!out_.empty())
        if (auto ec = co_await flush_out()) co_return io_error("answering", ec).error();
      continue;
    }
    compact();
    auto [ec, n] = co_await stream_.async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_), use_nothrow);
    if (ec) co_return io_error("reading", ec).error();
    in_end_ += n;
    bytes_read_ += n;
    if (ack_window_ != 0 && bytes_read_ - last_ack_ >= ack_window_) {
      last_ack_ = bytes_read_;
      write_acknowledgement(out_, static_cast<std::uint32_t>(bytes_read_));
      if (auto wec = co_await flush_out()) co_return io_error("acknowledging", wec).error();
    }
  }
}

template <typename S>
void BasicClient<S>::on_control(const Incoming& m) {
  switch (m.type) {
    case kWindowAckSize:
      if (m.body.size() >= 4) ack_window_ = media::read_u32be(m.body.data());
      break;
    case kUserControl:
      if (m.body.size() >= 6 && media::read_u16be(m.body.data()) == kPingRequest)
        write_user_control(out_, kPingResponse, media::read_u32be(m.body.data() + 2),
                           options_.chunk_size);
      break;
    default:  // Set Chunk Size and Abort took effect in the chunk reader
      break;
  }
}

template <typename S>
Result<std::optional<typename BasicClient<S>::Incoming>> BasicClient<S>::parse_one() {
  std::optional<Message> m;
  auto used = reader_.parse_one(std::span(in_.data() + in_begin_, in_end_ - in_begin_), m);
  if (!used) return make_error("rtmp client: " + used.error().message);
  in_begin_ += *used;
  if (!m) return std::optional<Incoming>{};
  return std::optional<Incoming>{Incoming{m->type, m->timestamp, m->length, m->stream_id, m->body}};
}

template <typename S>
void BasicClient<S>::compact() {
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
  } else if (in_.size() - in_end_ < in_.size() / 4) {
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
}

template <typename S>
asio::awaitable<boost::system::error_code> BasicClient<S>::flush_out() {
  if (out_.empty()) co_return boost::system::error_code{};
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), use_nothrow);
  bytes_written_ += n;
  out_.clear();
  co_return ec;
}

template <typename S>
void BasicClient<S>::close() {
  closed_ = true;
  timer_.cancel();
  boost::system::error_code ignored;
  stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
}

template class BasicClient<tcp::socket>;
template class BasicClient<TlsStream>;

}  // namespace courtcast::rtmp
