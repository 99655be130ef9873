#pragma once
// One write loop for every player, whatever its protocol (RTMP, HTTP-FLV):
// it takes what its source has ready, frames each packet the protocol's way
// and writes the batch as one gathered send. Like an FFmpeg muxer behind
// one I/O layer, the framing is the only part a protocol brings, so the hot
// path (the write at the wake, merging, slow-player handling) is tuned once.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "media/packet.hpp"

namespace courtcast::live {

namespace asio = boost::asio;

// What a player writer reads: a live::Player, or a wrapper of one that a
// protocol's hooks hand out (rtmp::MediaSource). Used on one executor only.
class PacketSource {
 public:
  virtual ~PacketSource() = default;
  // Waits for packets; returns false when the source is finished. May return
  // true with nothing after interrupt().
  virtual asio::awaitable<bool> next(std::vector<media::PacketPtr>& out) = 0;
  virtual void interrupt() = 0;
  virtual void count_sent(std::size_t bytes) = 0;
  // The fast path: see live::Player::set_direct_writer and take_ready.
  virtual void set_direct_writer(std::function<bool()> direct) = 0;
  virtual bool take_ready(std::vector<media::PacketPtr>& out) = 0;
};

// A protocol's wire form of one packet. It must live as long as the packet:
// framings are built once and shared by every player (Packet::flv_tag,
// Packet::framed).
using Framer = std::span<const std::uint8_t> (*)(const media::Packet&);

// Why PlayerWriter::run returned.
enum class WriteEnd {
  source_ended,  // the stream was finished and everything before that is out
  stopped,       // stop() was called; what was half-sent and queued went out first
  failed,        // the socket failed (the peer left)
  stalled,       // one write waited longer than the stall timeout: the peer stopped reading
};

// Writes all of `buffers` to the stream behind `stream` (one async write;
// see PlayerWriter's TLS constructor).
using WriteAll = asio::awaitable<boost::system::error_code> (*)(
    void* stream, const std::vector<asio::const_buffer>& buffers);

template <typename AsyncStream>
asio::awaitable<boost::system::error_code> write_all(
    void* stream, const std::vector<asio::const_buffer>& buffers) {
  auto [ec, n] = co_await asio::async_write(*static_cast<AsyncStream*>(stream), buffers,
                                            asio::as_tuple(asio::use_awaitable));
  co_return ec;
}

// Owned by the connection and used only on its executor. The socket stays
// the connection's.
class PlayerWriter {
 public:
  // Plain TCP: the writer puts the socket in non-blocking mode and writes at
  // a shard's wake (the fast path), the rest asynchronously.
  PlayerWriter(PacketSource& source, asio::ip::tcp::socket& socket, Framer framer,
               std::chrono::milliseconds stall_timeout);
  // TLS (HTTPS, RTMPS): every byte must go through `tls`'s encryption, and an
  // SSL stream takes no blocking and no second concurrent write, so nothing
  // is written at the wake: each batch is one async write through `tls`.
  // `socket` is the TCP socket under it (cancelled when the peer stalls).
  template <typename TlsStream>
  PlayerWriter(PacketSource& source, TlsStream& tls, asio::ip::tcp::socket& socket, Framer framer,
               std::chrono::milliseconds stall_timeout)
      : PlayerWriter(source, socket, framer, stall_timeout) {
    tls_ = &tls;
    write_all_ = &write_all<TlsStream>;
  }
  ~PlayerWriter();
  PlayerWriter(const PlayerWriter&) = delete;
  PlayerWriter& operator=(const PlayerWriter&) = delete;

  // Writes until the source ends, the connection fails or stop() is called.
  asio::awaitable<WriteEnd> run();
  // Bytes of the protocol's own (RTMP control and status messages) to go out
  // before the next media, never inside one packet's framing.
  void send_control(std::span<const std::uint8_t> bytes);
  // Makes run() return once what was half-sent and queued is out.
  void stop();

 private:
  bool write_direct();
  std::size_t frame(const std::vector<media::PacketPtr>& packets);
  asio::awaitable<bool> write_buffers(std::size_t skip_bytes);
  void watch_stall();

  PacketSource& source_;
  asio::ip::tcp::socket& socket_;
  void* tls_ = nullptr;  // with write_all_: the TLS stream over socket_
  WriteAll write_all_ = nullptr;
  const Framer framer_;
  const std::chrono::milliseconds stall_timeout_;
  asio::steady_timer stall_timer_;
  // A stall check that fires after the writer is gone must not touch it.
  std::shared_ptr<bool> alive_;
  std::vector<media::PacketPtr> batch_;
  std::vector<media::PacketPtr> left_;  // what a direct write left half-sent
  std::size_t left_offset_ = 0;
  std::vector<asio::const_buffer> buffers_;
  media::Bytes control_, control_out_;
  std::chrono::steady_clock::time_point write_started_{};
  bool writing_ = false;
  bool stall_watched_ = false;
  bool stalled_ = false;
  bool stopping_ = false;
};

}  // namespace courtcast::live
