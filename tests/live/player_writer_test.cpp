// The one player write loop (live::PlayerWriter) over a real loopback TCP
// connection: what a player's socket receives, in which order, and how the
// loop ends. Nothing sleeps: the io_context runs until a condition holds,
// with a deadline.

#include "live/player_writer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <vector>

#include "live/stream.hpp"

namespace courtcast::live {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
using media::Bytes;
using media::PacketKind;

template <typename Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds timeout = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    io.restart();
    io.poll();
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_one_for(10ms);
  }
}

Bytes video(bool key, std::size_t bytes) {
  Bytes b = {static_cast<std::uint8_t>(key ? 0x17 : 0x27), 0x01, 0, 0, 0};
  b.resize(b.size() + bytes, key ? 0x65 : 0x41);
  return b;
}

// A protocol framing that is not the FLV tag, to see that the writer sends
// what the framer gives and nothing else: each packet's body.
std::span<const std::uint8_t> body_framing(const media::Packet& p) {
  return p.body();
}

struct Connection {
  explicit Connection(asio::io_context& io) : server(io), client(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  // Reads what has arrived without blocking.
  void drain(Bytes& into) {
    client.non_blocking(true);
    std::uint8_t buf[65536];
    for (;;) {
      boost::system::error_code ec;
      const std::size_t n = client.read_some(asio::buffer(buf), ec);
      if (ec) return;
      into.insert(into.end(), buf, buf + n);
    }
  }
  tcp::socket server, client;
};

std::shared_ptr<Stream> live_stream(asio::io_context& io) {
  auto s = std::make_shared<Stream>("cam-a", std::vector<asio::any_io_executor>{io.get_executor()},
                                    StreamLimits{.audio_hold_ms = 0});
  EXPECT_TRUE(s->try_begin_publish("10.0.0.2:50000"));
  return s;
}

TEST(PlayerWriter, sends_each_packet_in_the_protocols_framing_with_control_between_batches) {
  asio::io_context io;
  Connection c(io);
  auto stream = live_stream(io);
  Player player(stream, 0);
  PlayerWriter writer(player, c.server, body_framing, 30'000ms);
  std::optional<WriteEnd> end;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { end = co_await writer.run(); }, asio::detached);

  Bytes expected, got;
  for (int i = 0; i < 5; ++i) {
    const Bytes body = video(i == 0, 100 + i);
    ASSERT_TRUE(stream->push(PacketKind::video, i * 40, body));
    stream->flush();
    expected.insert(expected.end(), body.begin(), body.end());
  }
  ASSERT_TRUE(run_until(io, [&] {
    c.drain(got);
    return got.size() >= expected.size();
  }));
  EXPECT_EQ(got, expected);

  const Bytes control = {'c', 't', 'l'};
  writer.send_control(control);
  const Bytes after = video(false, 50);
  ASSERT_TRUE(stream->push(PacketKind::video, 200, after));
  stream->flush();
  expected.insert(expected.end(), control.begin(), control.end());
  expected.insert(expected.end(), after.begin(), after.end());
  ASSERT_TRUE(run_until(io, [&] {
    c.drain(got);
    return got.size() >= expected.size();
  }));
  EXPECT_EQ(got, expected);

  stream->finish();
  ASSERT_TRUE(run_until(io, [&] { return end.has_value(); }));
  EXPECT_EQ(*end, WriteEnd::source_ended);
  EXPECT_EQ(stream->info().bytes_out, expected.size() - control.size());
}

TEST(PlayerWriter, a_peer_that_stops_reading_ends_the_loop_as_stalled) {
  asio::io_context io;
  Connection c(io);
  c.server.set_option(tcp::socket::send_buffer_size(4096));
  c.client.set_option(tcp::socket::receive_buffer_size(4096));
  auto stream = live_stream(io);
  Player player(stream, 0);
  PlayerWriter writer(player, c.server, body_framing, 200ms);
  std::optional<WriteEnd> end;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { end = co_await writer.run(); }, asio::detached);
  // Far more than both socket buffers hold; the client never reads.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(stream->push(PacketKind::video, i * 40, video(i == 0, 64 * 1024)));
    stream->flush();
  }
  ASSERT_TRUE(run_until(io, [&] { return end.has_value(); }));
  EXPECT_EQ(*end, WriteEnd::stalled);
}

TEST(PlayerWriter, stop_ends_the_loop_after_queued_control) {
  asio::io_context io;
  Connection c(io);
  auto stream = live_stream(io);
  Player player(stream, 0);
  PlayerWriter writer(player, c.server, body_framing, 30'000ms);
  std::optional<WriteEnd> end;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { end = co_await writer.run(); }, asio::detached);
  const Bytes control = {'b', 'y', 'e'};
  writer.send_control(control);
  writer.stop();
  ASSERT_TRUE(run_until(io, [&] { return end.has_value(); }));
  EXPECT_EQ(*end, WriteEnd::stopped);
  Bytes got;
  ASSERT_TRUE(run_until(io, [&] {
    c.drain(got);
    return got.size() >= control.size();
  }));
  EXPECT_EQ(got, control);
}

}  // namespace
}  // namespace courtcast::live
