#pragma once
// The RTMP client: publishes to or plays from an RTMP server (courtcast
// itself, nginx-rtmp, a platform's ingest). Used by relay destinations and
// by courtcast-bench. Errors are values; nothing on the I/O path throws.
//
// The byte stream is a template parameter so that rtmps:// can reuse every
// line of the protocol: `Client` runs over a plain TCP socket; a TLS client
// is BasicClient<asio::ssl::stream<tcp::socket>> plus an `open_stream`
// overload for it (connect, SNI, TLS handshake) and an explicit
// instantiation in client.cpp.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/packet.hpp"
#include "media/result.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/chunk.hpp"
#include "rtmp/url.hpp"

namespace courtcast::rtmp {

namespace asio = boost::asio;

struct ClientOptions {
  std::string flash_ver = "FMLE/3.0 (compatible; courtcast)";
  // Bounds resolving, connecting, the handshake and each command exchange.
  std::chrono::milliseconds setup_timeout{10'000};
  // Outgoing chunk size while publishing, announced before connect.
  std::uint32_t chunk_size = 4096;
  // Playing: deliver only the first kSkimBytes of audio/video bodies (and
  // their full length) instead of assembling them. For load generators.
  bool skim_media = false;
  std::size_t read_buffer_bytes = 64 * 1024;
  std::uint32_t buffer_length_ms = 1000;  // SetBufferLength announced on play
};

// A media or data message received while playing. `body` is valid until the
// next read(); when skimming audio/video it holds the body's first bytes.
struct ClientMessage {
  media::PacketKind kind = media::PacketKind::video;
  std::uint32_t timestamp = 0;  // 32-bit wrapping milliseconds, as on the wire
  std::uint32_t length = 0;     // the whole body's length
  std::span<const std::uint8_t> body;
};

// One packet for BasicClient::send_batch(); `body` must stay valid until
// send_batch() returns.
struct OutgoingPacket {
  media::PacketKind kind = media::PacketKind::video;
  std::int64_t dts_ms = 0;
  std::span<const std::uint8_t> body;
};

// Frames messages exactly as write_message() does, without copying their
// payloads: chunk headers (and payload slices under kCopyBelowBytes, where
// an iovec costs more than the copy) go into one owned buffer, larger
// payload slices are referenced where they lie. buffers() is what one
// gathered write sends. Kept from batch to batch, it stops allocating once
// it has seen the largest batch.
class GatherFramer {
 public:
  static constexpr std::size_t kCopyBelowBytes = 512;

  void clear();
  // Appends bytes that are already framed (queued control messages).
  void append_framed(std::span<const std::uint8_t> bytes);
  // Appends one message; with `copy`, its payload is copied too (for a body
  // that will not outlive the call).
  void append_message(std::uint32_t chunk_stream_id, std::uint8_t type, std::uint32_t stream_id,
                      std::uint32_t timestamp, std::span<const std::uint8_t> body,
                      std::uint32_t chunk_size, bool copy = false);
  // Valid until the next append, clear or buffers().
  std::span<const asio::const_buffer> buffers();
  // After `bytes` of buffers() went out: what is left to send.
  std::span<const asio::const_buffer> consume(std::size_t bytes);
  std::size_t size_bytes() const { return size_bytes_; }
  bool empty() const { return size_bytes_ == 0; }

 private:
  struct Piece {
    const std::uint8_t* external;  // nullptr: `size` bytes of owned_ from `offset`
    std::size_t offset, size;
  };
  void own(const std::uint8_t* data, std::size_t size);
  void refer(const std::uint8_t* data, std::size_t size);

  media::Bytes owned_;
  std::vector<Piece> pieces_;
  std::vector<asio::const_buffer> buffers_;
  std::size_t first_ = 0;  // buffers_ before it have been sent
  std::size_t size_bytes_ = 0;
};

// Plain TCP: resolves, connects, disables Nagle. Refuses rtmps:// URLs.
asio::awaitable<boost::system::error_code> open_stream(asio::ip::tcp::socket& socket,
                                                       const Url& url);

// One connection that either publishes or plays one stream. Use it from one
// coroutine at a time on one executor.
template <typename Stream>
class BasicClient {
 public:
  static constexpr std::size_t kSkimBytes = 16;

  template <typename... StreamArgs>
  explicit BasicClient(ClientOptions options, StreamArgs&&... stream_args)
      : options_(std::move(options)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(stream_.get_executor()) {
    if (options_.skim_media) reader_.set_skim_media(kSkimBytes);
  }
  BasicClient(const BasicClient&) = delete;
  BasicClient& operator=(const BasicClient&) = delete;

  // Connects, handshakes and publishes `url`'s stream as "live"; returns once
  // the server answered NetStream.Publish.Start, or why it did not.
  asio::awaitable<media::Result<void>> publish(std::string_view url);
  // Connects, handshakes and plays `url`'s stream; returns once the server
  // answered NetStream.Play.Start.
  asio::awaitable<media::Result<void>> play(std::string_view url);

  // Publishing: sends one packet as one type-0 message (audio on chunk
  // stream 4, video on 6, data on 5). A Data body is an FLV script tag body
  // ("onMetaData", {...}) and goes out as @setDataFrame.
  asio::awaitable<media::Result<void>> send(media::PacketKind kind, std::int64_t dts_ms,
                                            std::span<const std::uint8_t> body);
  // Publishing: sends `packets` as send() would, one after the other, with
  // one gathered write (over TLS, one buffer: the TLS layer copies anyway)
  // and one look at what the server sent, for the whole batch.
  asio::awaitable<media::Result<void>> send_batch(std::span<const OutgoingPacket> packets);

  // Playing: the next audio, video or data message. Answers pings and sends
  // acknowledgements on the way; an error-level onStatus ends with an error.
  asio::awaitable<media::Result<ClientMessage>> read();

  void close();
  std::uint64_t bytes_received() const { return bytes_read_; }
  std::uint64_t bytes_sent() const { return bytes_written_; }
  Stream& stream() { return stream_; }

 private:
  struct Incoming {
    std::uint8_t type = 0;
    std::uint32_t timestamp = 0, length = 0, stream_id = 0;
    std::span<const std::uint8_t> body;
  };
  enum class Role { publish, play };

  asio::awaitable<media::Result<void>> start(std::string_view url, Role role);
  asio::awaitable<media::Result<void>> setup(Role role);
  asio::awaitable<media::Result<void>> handshake();
  asio::awaitable<media::Result<void>> begin_publish();
  asio::awaitable<media::Result<void>> begin_play();
  void write_buffer_length();
  asio::awaitable<media::Result<void>> connect_app(Role role);
  amf0::Value connect_object(bool player) const;
  // Sends a command; with `want_reply`, waits for its _result (the number it
  // carries, createStream's stream id) or _error.
  asio::awaitable<media::Result<double>> call(std::string_view name,
                                              std::vector<amf0::Value> arguments, bool want_reply,
                                              std::uint32_t stream_id = 0);
  asio::awaitable<media::Result<void>> await_status(std::string_view success_code);
  // The next complete message (control ones handled already), or an error.
  asio::awaitable<media::Result<Incoming>> next_message();
  // The next command message's values, reading past media and control.
  asio::awaitable<media::Result<std::vector<amf0::Value>>> next_command();
  media::Result<std::optional<Incoming>> parse_one();
  void on_control(const Incoming& m);
  media::Result<void> io_error(const char* what, const boost::system::error_code& ec) const;
  asio::awaitable<boost::system::error_code> flush_out();
  asio::awaitable<boost::system::error_code> drain_available();
  void compact();

  ClientOptions options_;
  Stream stream_;
  asio::steady_timer timer_;
  Url url_;
  std::uint32_t media_stream_id_ = 0;
  double next_txid_ = 1;

  // Reading.
  media::Bytes in_;
  std::size_t in_begin_ = 0, in_end_ = 0;
  ChunkReader reader_;  // the server's reader, with the same limits
  std::uint64_t bytes_read_ = 0, last_ack_ = 0;
  std::uint32_t ack_window_ = 0;
  std::optional<std::string> failed_;  // an error onStatus seen while publishing
  bool timed_out_ = false;
  bool closed_ = false;  // close() was called: a connect under way goes no further

  // Writing: control messages wait here until the next write.
  media::Bytes out_;
  media::Bytes data_frame_;
  GatherFramer framer_;  // send_batch()'s framing, reused
  std::uint64_t bytes_written_ = 0;
};

using Client = BasicClient<asio::ip::tcp::socket>;

extern template class BasicClient<asio::ip::tcp::socket>;

}  // namespace courtcast::rtmp
