// The live fan-out core on a real io_context: late joiners, re-stamped
// headers, lagging players, republish, shards, merge window, and the Hub.
// Nothing sleeps: the io_context is polled, or run until a condition holds
// with a deadline.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "live/hub.hpp"
#include "live/stream.hpp"
#include "media_samples.hpp"

namespace courtcast::live {
namespace {

using namespace std::chrono_literals;
using media::Bytes;
using media::PacketKind;

// ---------------------------------------------------------------- helpers

Bytes video_header() {
  Bytes b = {0x17, 0x00, 0, 0, 0};
  b.insert(b.end(), std::begin(test::kAvc1280x720), std::end(test::kAvc1280x720));
  return b;
}
Bytes audio_header() {
  Bytes b = {0xAF, 0x00};
  b.insert(b.end(), std::begin(test::kAacLc44100Stereo), std::end(test::kAacLc44100Stereo));
  return b;
}
Bytes keyframe(std::size_t extra = 16) {
  Bytes b = {0x17, 0x01, 0, 0, 0};
  b.resize(b.size() + extra, 0x65);
  return b;
}
Bytes interframe(std::size_t extra = 16) {
  Bytes b = {0x27, 0x01, 0, 0, 0};
  b.resize(b.size() + extra, 0x41);
  return b;
}
Bytes audio_frame() {
  return {0xAF, 0x01, 0x21, 0x10, 0x04};
}
Bytes metadata() {
  return {0x02, 0x00, 0x0A, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 0x05};
}

// Polls the io_context until `pred` holds or the deadline passes; between
// polls it waits for the next handler (a timer, a post), never a fixed time.
template <typename Pred>
bool run_until(asio::io_context& io, Pred pred, std::chrono::milliseconds timeout = 2000ms) {
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

void poll(asio::io_context& io) {
  io.restart();
  io.poll();
}

// One next() call: what is ready now (after the io_context has nothing left
// to do), or nothing. A pending call is interrupted so no coroutine outlives
// the test's locals.
std::vector<PacketPtr> read_ready(asio::io_context& io, Player& player) {
  std::vector<PacketPtr> out;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await player.next(out);
        done = true;
      },
      asio::detached);
  poll(io);
  if (!done) {
    player.interrupt();
    EXPECT_TRUE(run_until(io, [&] { return done; }));
  }
  return out;
}

// Reads continuously, as a player's connection does, until closed.
class Reader {
 public:
  Reader(asio::io_context& io, Player& player) : player_(player) {
    asio::co_spawn(io, loop(), asio::detached);
  }
  std::vector<PacketPtr> got;
  int batches = 0;
  bool ended = false;

  void close(asio::io_context& io) {
    player_.close();
    EXPECT_TRUE(run_until(io, [&] { return ended; }));
  }

 private:
  asio::awaitable<void> loop() {
    std::vector<PacketPtr> batch;
    while (co_await player_.next(batch)) {
      if (batch.empty()) continue;
      ++batches;
      got.insert(got.end(), batch.begin(), batch.end());
    }
    ended = true;
  }
  Player& player_;
};

std::shared_ptr<Stream> make_stream(asio::io_context& io, StreamLimits limits = {}) {
  return std::make_shared<Stream>("cam-a", std::vector<asio::any_io_executor>{io.get_executor()},
                                  limits);
}

// Pushes 40 ms video frames from `from_ms` up to (not including) `to_ms`, a
// keyframe every `gop_ms`, flushing each one as a live ingest would.
void push_video(Stream& s, std::int64_t from_ms, std::int64_t to_ms, std::int64_t gop_ms = 1000,
                std::size_t frame_bytes = 16) {
  for (std::int64_t t = from_ms; t < to_ms; t += 40) {
    ASSERT_TRUE(s.push(PacketKind::video, t,
                       t % gop_ms == 0 ? keyframe(frame_bytes) : interframe(frame_bytes)));
    s.flush();
  }
}

void push_headers(Stream& s, std::int64_t dts = 0) {
  ASSERT_TRUE(s.push(PacketKind::data, dts, metadata()));
  ASSERT_TRUE(s.push(PacketKind::video, dts, video_header()));
  ASSERT_TRUE(s.push(PacketKind::audio, dts, audio_header()));
  s.flush();
}

bool is_video_header(const PacketPtr& p) {
  return p->is_video() && p->sequence_header;
}
bool is_audio_header(const PacketPtr& p) {
  return p->is_audio() && p->sequence_header;
}
bool is_keyframe(const PacketPtr& p) {
  return p->is_video() && p->keyframe;
}

// ---------------------------------------------------------------- start

TEST(Live, late_joiner_starts_with_headers_then_keyframe) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, 2400);  // keyframes at 0, 1000, 2000
  poll(io);

  Player player(stream, 0);
  const auto got = read_ready(io, player);
  ASSERT_GE(got.size(), 4u);
  EXPECT_EQ(got[0]->kind, PacketKind::data);
  EXPECT_TRUE(is_video_header(got[1]));
  EXPECT_TRUE(is_audio_header(got[2]));
  EXPECT_TRUE(is_keyframe(got[3]));
  EXPECT_EQ(got[3]->dts_ms, 2000);  // the newest keyframe, not the first
  // The rest of the GOP follows, in order.
  ASSERT_EQ(got.size(), 3u + 10);
  for (std::size_t i = 4; i < got.size(); ++i) {
    EXPECT_FALSE(got[i]->keyframe);
    EXPECT_EQ(got[i]->dts_ms, got[i - 1]->dts_ms + 40);
  }
}

TEST(Live, headers_are_restamped_at_the_start_keyframe_dts_and_metadata_at_zero) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, 5200);
  poll(io);

  Player player(stream, 0);
  const auto got = read_ready(io, player);
  ASSERT_GE(got.size(), 4u);
  EXPECT_EQ(got[0]->dts_ms, 0);
  EXPECT_EQ(got[1]->dts_ms, 5000);
  EXPECT_EQ(got[2]->dts_ms, 5000);
  EXPECT_EQ(got[3]->dts_ms, 5000);
  // Re-stamping keeps the payload and its FLV tag agrees with the new time.
  EXPECT_EQ(Bytes(got[1]->body().begin(), got[1]->body().end()), video_header());
  const auto tag = got[1]->flv_tag();
  EXPECT_EQ(media::read_u24be(tag.data() + 4) | std::uint32_t{tag[7]} << 24, 5000u);
  // Every player of the shard starting at that keyframe shares the same copies.
  Player second(stream, 0);
  const auto again = read_ready(io, second);
  ASSERT_GE(again.size(), 4u);
  EXPECT_EQ(again[1].get(), got[1].get());
  EXPECT_EQ(again[3].get(), got[3].get());
}

TEST(Live, metadata_is_stamped_zero_whatever_its_source_time) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::video, 7000, video_header()));
  ASSERT_TRUE(stream->push(PacketKind::video, 7000, keyframe()));
  ASSERT_TRUE(stream->push(PacketKind::data, 7040, metadata()));
  stream->flush();
  poll(io);
  Player player(stream, 0);
  const auto got = read_ready(io, player);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got[0]->kind, PacketKind::data);
  EXPECT_EQ(got[0]->dts_ms, 0);
}

TEST(Live, player_waiting_before_publish_starts_at_the_first_keyframe) {
  asio::io_context io;
  auto stream = make_stream(io);
  Player player(stream, 0);
  Reader reader(io, player);
  poll(io);
  EXPECT_TRUE(reader.got.empty());

  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  // Frames before the first keyframe can't be decoded: a player never gets them.
  ASSERT_TRUE(stream->push(PacketKind::video, 0, interframe()));
  stream->flush();
  poll(io);
  EXPECT_TRUE(reader.got.empty());

  ASSERT_TRUE(stream->push(PacketKind::video, 40, keyframe()));
  stream->flush();
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 4; }));
  ASSERT_EQ(reader.got.size(), 4u);
  EXPECT_EQ(reader.got[0]->kind, PacketKind::data);
  EXPECT_TRUE(is_video_header(reader.got[1]));
  EXPECT_TRUE(is_audio_header(reader.got[2]));
  EXPECT_TRUE(is_keyframe(reader.got[3]));
  EXPECT_EQ(reader.got[3]->dts_ms, 40);
  push_video(*stream, 80, 200);
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 7; }));
  EXPECT_EQ(reader.got[6]->dts_ms, 160);
  reader.close(io);
}

TEST(Live, audio_only_stream_starts_without_a_keyframe) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::audio, 0, audio_header()));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(stream->push(PacketKind::audio, i * 23, audio_frame()));
  stream->flush();
  poll(io);
  Player player(stream, 0);
  const auto got = read_ready(io, player);
  ASSERT_FALSE(got.empty());
  EXPECT_TRUE(is_audio_header(got[0]));
  std::size_t frames = 0;
  for (const auto& p : got) frames += p->is_audio() && !p->sequence_header;
  EXPECT_EQ(frames, 5u);
}

TEST(Live, a_started_player_gets_every_packet_in_order) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  Player player(stream, 0);
  Reader reader(io, player);
  int pushed = 0;
  for (std::int64_t t = 0; t < 4000; t += 20) {
    if (t % 40 == 0) {
      ASSERT_TRUE(stream->push(PacketKind::video, t, t % 1000 == 0 ? keyframe() : interframe()));
    } else {
      ASSERT_TRUE(stream->push(PacketKind::audio, t, audio_frame()));
    }
    ++pushed;
    stream->flush();
    if (t % 100 == 0) poll(io);
  }
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 3u + pushed; }));
  EXPECT_EQ(reader.got.size(), 3u + pushed);
  for (std::size_t i = 4; i < reader.got.size(); ++i)
    EXPECT_GT(reader.got[i]->dts_ms, reader.got[i - 1]->dts_ms);
  EXPECT_EQ(stream->info().skipped_packets, 0u);
  reader.close(io);
}

TEST(Live, interrupt_returns_at_once_with_nothing) {
  asio::io_context io;
  auto stream = make_stream(io);
  Player player(stream, 0);
  std::vector<PacketPtr> out = {media::Packet::make(PacketKind::audio, 0, 0, false, false, {})};
  std::optional<bool> result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result = co_await player.next(out); }, asio::detached);
  poll(io);
  EXPECT_FALSE(result);
  player.interrupt();
  ASSERT_TRUE(run_until(io, [&] { return result.has_value(); }));
  EXPECT_TRUE(*result);
  EXPECT_TRUE(out.empty());
}

TEST(Live, close_ends_a_waiting_player) {
  asio::io_context io;
  auto stream = make_stream(io);
  Player player(stream, 0);
  Reader reader(io, player);
  poll(io);
  EXPECT_FALSE(reader.ended);
  EXPECT_EQ(stream->info().players, 1u);
  reader.close(io);
  EXPECT_TRUE(reader.ended);
}

// ---------------------------------------------------------------- lag

TEST(Live, lagging_player_skips_to_newest_keyframe_and_is_counted) {
  asio::io_context io;
  auto stream = make_stream(io, {.max_lag_ms = 1000});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, video_header()));
  stream->flush();
  push_video(*stream, 0, 440);  // keyframe 0 and frames up to 400
  poll(io);

  Player player(stream, 0);
  auto first = read_ready(io, player);
  ASSERT_EQ(first.size(), 1u + 11);
  EXPECT_EQ(first.back()->dts_ms, 400);

  // The player stops reading while 5.5 s more arrive (keyframes every second).
  push_video(*stream, 440, 6000);
  poll(io);

  auto next = read_ready(io, player);
  ASSERT_GE(next.size(), 2u);
  EXPECT_TRUE(is_video_header(next[0]));
  EXPECT_EQ(next[0]->dts_ms, 5000);
  EXPECT_TRUE(is_keyframe(next[1]));
  EXPECT_EQ(next[1]->dts_ms, 5000);
  EXPECT_EQ(next.size(), 1u + 25);  // the header, then 5000..5960
  // Frames 440..4960 were skipped: 114 of them.
  EXPECT_EQ(stream->info().skipped_packets, 114u);

  // Caught up: from here on it gets everything again.
  push_video(*stream, 6000, 6200);
  poll(io);
  auto after = read_ready(io, player);
  ASSERT_EQ(after.size(), 5u);
  EXPECT_EQ(after[0]->dts_ms, 6000);
  EXPECT_EQ(stream->info().skipped_packets, 114u);
}

TEST(Live, lagging_player_waits_while_the_keyframe_to_skip_to_is_held_by_the_merge_window) {
  // The ring has dropped everything the player still had to read, and the
  // keyframe it must skip to is not visible yet: it gets nothing (it used to
  // read before the ring's front: heap corruption with 1000 lagging
  // HTTP-FLV players at merge windows of 40 and 200 ms), then the keyframe.
  asio::io_context io;
  auto stream = make_stream(io, {.max_lag_ms = 1000, .merge_window_ms = 60'000});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, video_header()));
  push_video(*stream, 0, 440);
  stream->end_publish();  // releases what the window holds
  poll(io);
  Player player(stream, 0);
  ASSERT_EQ(read_ready(io, player).size(), 1u + 11);

  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50001"));
  push_video(*stream, 0, 440);
  stream->end_publish();  // visible, and the player does not read it
  poll(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50002"));
  push_video(*stream, 0, 6000);  // held by the window; the ring's front moves past the player
  poll(io);
  EXPECT_TRUE(read_ready(io, player).empty());

  stream->end_publish();
  poll(io);
  const auto next = read_ready(io, player);
  ASSERT_GE(next.size(), 2u);
  EXPECT_TRUE(is_video_header(next[0]));
  EXPECT_TRUE(is_keyframe(next[1]));
}

TEST(Live, player_within_the_lag_bound_skips_nothing) {
  asio::io_context io;
  auto stream = make_stream(io, {.max_lag_ms = 3000});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, video_header()));
  push_video(*stream, 0, 400);
  poll(io);
  Player player(stream, 0);
  read_ready(io, player);
  push_video(*stream, 400, 2800);  // 2.4 s behind, under the bound
  poll(io);
  const auto got = read_ready(io, player);
  EXPECT_EQ(got.size(), 60u);
  EXPECT_EQ(got.front()->dts_ms, 400);
  EXPECT_EQ(stream->info().skipped_packets, 0u);
}

TEST(Live, publisher_never_blocks_when_a_player_never_reads) {
  // A stalled player must neither hold the publisher nor keep old packets
  // alive: 60 s of 10 KiB frames go through while it sleeps, and what the ring
  // still holds stays within the lag bound.
  asio::io_context io;
  auto stream = make_stream(io, {.max_lag_ms = 2000});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, video_header()));
  push_video(*stream, 0, 200);
  poll(io);
  Player stalled(stream, 0);
  ASSERT_FALSE(read_ready(io, stalled).empty());

  // A second player reads everything and keeps only weak references, so the
  // test can see which packets are still alive.
  Player fast(stream, 0);
  std::vector<std::weak_ptr<const media::Packet>> seen;
  std::vector<PacketPtr> batch;
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t t = 200; t < 60'000; t += 40) {
    ASSERT_TRUE(
        stream->push(PacketKind::video, t, t % 1000 == 0 ? keyframe(10240) : interframe(10240)));
    stream->flush();
    poll(io);
    for (const auto& p : read_ready(io, fast)) seen.push_back(p);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, 30s);  // generous: the point is that it finishes at all

  std::size_t alive = 0;
  for (const auto& w : seen) alive += !w.expired();
  // At most the lag window plus the current GOP: 2 s + 1 s of 25 fps.
  EXPECT_LE(alive, 3u * 25 + 2);
  EXPECT_GT(seen.size(), 1400u);

  const auto resumed = read_ready(io, stalled);
  ASSERT_GE(resumed.size(), 2u);
  EXPECT_TRUE(is_video_header(resumed[0]));
  EXPECT_TRUE(is_keyframe(resumed[1]));
  EXPECT_EQ(resumed[1]->dts_ms, 59'000);
  EXPECT_GT(stream->info().skipped_packets, 1000u);
}

TEST(Live, gop_longer_than_the_cache_bound_makes_late_joiners_wait_for_a_keyframe) {
  asio::io_context io;
  auto stream = make_stream(io, {.max_gop_bytes = 4096});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, video_header()));
  push_video(*stream, 0, 1000, 100'000, 1000);  // one keyframe, then 24 KiB of frames
  poll(io);
  Player player(stream, 0);
  EXPECT_TRUE(read_ready(io, player).empty());
  ASSERT_TRUE(stream->push(PacketKind::video, 1000, keyframe()));
  stream->flush();
  poll(io);
  const auto got = read_ready(io, player);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1]->dts_ms, 1000);
}

// ---------------------------------------------------------------- publish

TEST(Live, second_publisher_is_refused_while_live) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  EXPECT_TRUE(stream->live());
  EXPECT_FALSE(stream->try_begin_publish("10.0.0.3:50000"));
  EXPECT_EQ(stream->info().publisher_address, "10.0.0.2:50000");
  stream->end_publish();
  EXPECT_FALSE(stream->live());
  EXPECT_TRUE(stream->try_begin_publish("10.0.0.3:50000"));
  EXPECT_EQ(stream->info().publishes, 2u);
}

TEST(Live, republish_continues_timeline_without_going_back) {
  asio::io_context io;
  auto stream = make_stream(io);
  Player player(stream, 0);
  Reader reader(io, player);

  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream, 0);
  for (std::int64_t t = 0; t < 3000; t += 40) {
    ASSERT_TRUE(stream->push(PacketKind::video, t, t % 1000 == 0 ? keyframe() : interframe()));
    ASSERT_TRUE(stream->push(PacketKind::audio, t + 10, audio_frame()));
    stream->flush();
  }
  ASSERT_TRUE(
      run_until(io, [&] { return !reader.got.empty() && reader.got.back()->dts_ms >= 2970; }));
  const std::int64_t before = reader.got.back()->dts_ms;
  stream->end_publish();
  poll(io);

  // The camera comes back, its clock restarted at 0.
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50001"));
  push_headers(*stream, 0);
  for (std::int64_t t = 0; t < 2000; t += 40) {
    ASSERT_TRUE(stream->push(PacketKind::video, t, t % 1000 == 0 ? keyframe() : interframe()));
    ASSERT_TRUE(stream->push(PacketKind::audio, t + 10, audio_frame()));
    stream->flush();
  }
  ASSERT_TRUE(run_until(io, [&] { return reader.got.back()->dts_ms >= before + 1960; }));
  EXPECT_FALSE(reader.ended);  // still connected

  std::int64_t last_video = -1, last_audio = -1;
  bool saw_new_header = false;
  for (std::size_t i = 0; i < reader.got.size(); ++i) {
    const auto& p = reader.got[i];
    if (p->kind == PacketKind::data) continue;
    std::int64_t& last = p->is_video() ? last_video : last_audio;
    EXPECT_GE(p->dts_ms, last) << "packet " << i << " goes back";
    last = p->dts_ms;
    if (p->dts_ms > before && is_video_header(p)) saw_new_header = true;
  }
  EXPECT_TRUE(saw_new_header);
  // The first frame of the new session lands after the last of the old one.
  const auto first_new_key = std::find_if(reader.got.begin(), reader.got.end(), [&](auto& p) {
    return is_keyframe(p) && p->dts_ms > before;
  });
  ASSERT_NE(first_new_key, reader.got.end());
  EXPECT_LE((*first_new_key)->dts_ms, before + 1000);  // and not far after it
  reader.close(io);
}

TEST(Live, republish_does_not_count_its_headers_as_skipped) {
  // The new session's metadata (stamped 0) arrives in one batch with frames
  // stamped minutes later; a player that reads along is not behind.
  asio::io_context io;
  auto stream = make_stream(io, {.max_lag_ms = 3000});
  Player player(stream, 0);
  Reader reader(io, player);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream, 0);
  for (std::int64_t t = 0; t < 10'000; t += 1000) {
    push_video(*stream, t, t + 1000);
    poll(io);
  }
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 3u + 250; }));
  EXPECT_EQ(stream->info().skipped_packets, 0u);
  stream->end_publish();
  poll(io);

  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50001"));
  ASSERT_TRUE(stream->push(PacketKind::data, 0, metadata()));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, video_header()));
  ASSERT_TRUE(stream->push(PacketKind::audio, 0, audio_header()));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, keyframe()));
  stream->flush();
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 3u + 250 + 4; }));
  EXPECT_EQ(stream->info().skipped_packets, 0u);
  reader.close(io);
}

TEST(Live, rejected_bodies_are_dropped) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  EXPECT_FALSE(stream->push(PacketKind::video, 0, {}));
  EXPECT_FALSE(stream->push(PacketKind::video, 0, Bytes{0x17, 0x05, 0, 0, 0}));
  EXPECT_FALSE(stream->push(PacketKind::audio, 0, Bytes{0xAF}));
  EXPECT_EQ(stream->info().bytes_in, 0u);
}

TEST(Live, info_reports_codecs_size_and_audio_format) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  const auto info = stream->info();
  EXPECT_TRUE(info.live);
  EXPECT_EQ(info.name, "cam-a");
  EXPECT_EQ(info.video_codec, media::VideoCodec::h264);
  EXPECT_EQ(info.width, 1280u);
  EXPECT_EQ(info.height, 720u);
  EXPECT_EQ(info.video_profile, 100);
  EXPECT_EQ(info.audio_codec, media::AudioCodec::aac);
  EXPECT_EQ(info.audio_sample_rate, 44100u);
  EXPECT_EQ(info.audio_channels, 2);
  EXPECT_EQ(info.bytes_in, metadata().size() + video_header().size() + audio_header().size());
}

TEST(Live, enhanced_hevc_header_reports_its_size) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  Bytes hevc = {0x90, 'h', 'v', 'c', '1'};
  hevc.insert(hevc.end(), std::begin(test::kHevc1280x720), std::end(test::kHevc1280x720));
  ASSERT_TRUE(stream->push(PacketKind::video, 0, hevc));
  Bytes frame = {0x91, 'h', 'v', 'c', '1', 0, 0, 0x50, 0, 0, 0, 1, 0x26};
  ASSERT_TRUE(stream->push(PacketKind::video, 0, frame));
  stream->flush();
  poll(io);
  const auto info = stream->info();
  EXPECT_EQ(info.video_codec, media::VideoCodec::hevc);
  EXPECT_EQ(info.width, 1280u);
  EXPECT_EQ(info.height, 720u);
  Player player(stream, 0);
  const auto got = read_ready(io, player);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(is_keyframe(got[1]));
  EXPECT_EQ(got[1]->cts_ms, 80);
}

// ---------------------------------------------------------------- merge window

TEST(Live, merge_window_holds_packets_and_wakes_once_per_window) {
  asio::io_context io;
  auto stream = make_stream(io, {.merge_window_ms = 50});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  Player player(stream, 0);
  Reader reader(io, player);
  push_video(*stream, 0, 400);  // ten frames, ten flushes
  poll(io);
  EXPECT_TRUE(reader.got.empty()) << "released before the window closed";
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 3u + 10; }));
  EXPECT_EQ(reader.batches, 1);
  reader.close(io);
}

TEST(Live, end_of_publish_releases_what_the_merge_window_holds) {
  asio::io_context io;
  auto stream = make_stream(io, {.merge_window_ms = 60'000});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  Player player(stream, 0);
  Reader reader(io, player);
  push_video(*stream, 0, 200);
  poll(io);
  EXPECT_TRUE(reader.got.empty());
  stream->end_publish();
  poll(io);
  EXPECT_EQ(reader.got.size(), 3u + 5);
  reader.close(io);
}

// ---------------------------------------------------------------- audio hold

// With no merge window, audio alone waits for the next video frame. A video
// frame releases the held audio; audio after it must get a hold of its own,
// not the rest of the released one's (that sent it alone, early).
TEST(Live, audio_after_a_video_frame_waits_for_the_next_video_frame_not_the_old_hold) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kHold = 1000ms;
  asio::io_context io;
  auto stream = make_stream(io, {.audio_hold_ms = kHold.count()});
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  Player player(stream, 0);
  Reader reader(io, player);
  push_video(*stream, 0, 40);  // keyframe
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() == 4u; }));

  const auto t0 = Clock::now();
  ASSERT_TRUE(stream->push(PacketKind::audio, 40, audio_frame()));
  stream->flush();
  push_video(*stream, 40, 80);
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() == 6u; }));  // audio with video
  ASSERT_TRUE(run_until(io, [&] { return Clock::now() >= t0 + kHold / 2; }));
  const auto second_audio_at = Clock::now();
  ASSERT_TRUE(stream->push(PacketKind::audio, 80, audio_frame()));
  stream->flush();
  const int batches = reader.batches;
  // Past the first hold's end, within the second's.
  ASSERT_TRUE(run_until(
      io, [&] { return Clock::now() >= t0 + kHold + 150ms; }, 3000ms));
  const std::size_t got_before_video = reader.got.size();
  push_video(*stream, 80, 120);
  // Else the second hold ran out too: the machine was too slow to tell.
  const bool in_time = Clock::now() < second_audio_at + kHold;
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() == 8u; }));
  if (in_time) {
    EXPECT_EQ(got_before_video, 6u) << "the released hold's timer sent the next audio alone";
    EXPECT_EQ(reader.batches, batches + 1) << "the audio and the video after it in one write";
  }
  reader.close(io);
}

// ---------------------------------------------------------------- adaptive merge

// A connection's fast path: at each wake it takes what is ready, as
// live::PlayerWriter does, and counts the wakes.
struct DirectWrites {
  explicit DirectWrites(Player& player) {
    player.set_direct_writer([this, &player] {
      std::vector<PacketPtr> ready;
      if (player.take_ready(ready)) {
        ++wakes;
        got += ready.size();
      }
      return true;
    });
  }
  int wakes = 0;
  std::size_t got = 0;
};

// Three flushes queued on the player's loop before it runs them: the loop
// was busy. `limits` decides how many wakes they make.
void three_queued_batches(asio::io_context& io, StreamLimits limits, int& wakes) {
  auto stream = make_stream(io, limits);
  EXPECT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, 40);
  Player player(stream, 0);
  Reader reader(io, player);
  EXPECT_TRUE(run_until(io, [&] { return reader.got.size() >= 4; }));  // headers, keyframe
  DirectWrites direct(player);
  push_video(*stream, 40, 160);
  poll(io);
  EXPECT_EQ(direct.got, 3u);
  wakes = direct.wakes;
  // An idle loop: the next frame goes out as soon as the loop runs, with no
  // timer in between.
  push_video(*stream, 160, 200);
  poll(io);
  EXPECT_EQ(direct.got, 4u) << "adaptive merging never waits";
  player.set_direct_writer(nullptr);
  reader.close(io);
}

TEST(Live, adaptive_merge_wakes_players_once_for_the_batches_a_busy_loop_has_queued) {
  asio::io_context io;
  int wakes = 0;
  three_queued_batches(io, {}, wakes);
  EXPECT_EQ(wakes, 1);
}

TEST(Live, without_adaptive_merge_each_queued_batch_wakes_players) {
  asio::io_context io;
  int wakes = 0;
  three_queued_batches(io, {.adaptive_merge = false}, wakes);
  EXPECT_EQ(wakes, 3);
}

// ---------------------------------------------------------------- shards

TEST(Live, two_shards_get_the_same_packets) {
  asio::io_context io0, io1;
  auto stream = std::make_shared<Stream>(
      "cam-a", std::vector<asio::any_io_executor>{io0.get_executor(), io1.get_executor()},
      StreamLimits{});
  ASSERT_EQ(stream->shard_count(), 2u);
  Player p0(stream, 0), p1(stream, 1);
  Reader r0(io0, p0), r1(io1, p1);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, 40);
  ASSERT_TRUE(run_until(io0, [&] { return r0.got.size() >= 4; }));
  ASSERT_TRUE(run_until(io1, [&] { return r1.got.size() >= 4; }));
  push_video(*stream, 40, 2000);
  ASSERT_TRUE(run_until(io0, [&] { return r0.got.size() >= 3u + 50; }));
  ASSERT_TRUE(run_until(io1, [&] { return r1.got.size() >= 3u + 50; }));
  ASSERT_EQ(r0.got.size(), r1.got.size());
  for (std::size_t i = 0; i < r0.got.size(); ++i) {
    EXPECT_EQ(r0.got[i]->dts_ms, r1.got[i]->dts_ms);
    EXPECT_EQ(r0.got[i]->kind, r1.got[i]->kind);
    // Media packets are shared by reference across shards, never copied.
    if (!r0.got[i]->sequence_header && r0.got[i]->kind != PacketKind::data) {
      EXPECT_EQ(r0.got[i].get(), r1.got[i].get()) << i;
    }
  }
  EXPECT_EQ(stream->info().players, 2u);
  r0.close(io0);
  r1.close(io1);
}

TEST(Live, a_shard_without_players_is_sent_nothing_and_its_first_player_starts_from_the_feed) {
  asio::io_context io0, io1;
  auto stream = std::make_shared<Stream>(
      "cam-a", std::vector<asio::any_io_executor>{io0.get_executor(), io1.get_executor()},
      StreamLimits{});
  Player p0(stream, 0);
  Reader r0(io0, p0);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  poll(io0);
  poll(io1);
  push_headers(*stream);
  push_video(*stream, 0, 40);
  ASSERT_TRUE(run_until(io0, [&] { return r0.got.size() >= 4u; }));
  push_video(*stream, 40, 2400);  // keyframes at 1000, 2000
  ASSERT_TRUE(run_until(io0, [&] { return r0.got.size() >= 3u + 60; })) << r0.got.size();
  // Shard 1 serves nobody: no handler was posted to its loop.
  io1.restart();
  EXPECT_EQ(io1.poll(), 0u);

  {
    // Its first player starts as a late joiner would on a shard that had
    // been sent everything: headers, then the newest keyframe and its GOP.
    Player p1(stream, 1);
    const auto got = read_ready(io1, p1);
    ASSERT_EQ(got.size(), 3u + 10);
    EXPECT_EQ(got[0]->kind, PacketKind::data);
    EXPECT_TRUE(is_video_header(got[1]));
    EXPECT_TRUE(is_audio_header(got[2]));
    EXPECT_TRUE(is_keyframe(got[3]));
    EXPECT_EQ(got[3]->dts_ms, 2000);
    EXPECT_EQ(got.back()->dts_ms, 2360);
    // From then on the shard is sent every batch, with nothing twice.
    push_video(*stream, 2400, 2480);
    const auto more = read_ready(io1, p1);
    ASSERT_EQ(more.size(), 2u);
    EXPECT_EQ(more[0]->dts_ms, 2400);
    EXPECT_EQ(more[1]->dts_ms, 2440);
  }
  // Its last player gone, the shard is sent nothing again.
  poll(io1);
  push_video(*stream, 2480, 2600);
  io1.restart();
  EXPECT_EQ(io1.poll(), 0u);
  ASSERT_TRUE(run_until(io0, [&] { return r0.got.size() >= 3u + 65; }));
  EXPECT_EQ(r0.got.back()->dts_ms, 2560);
  r0.close(io0);
}

TEST(Live, a_player_returning_to_an_idle_shard_gets_nothing_twice_and_misses_nothing) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, 400);
  {
    Player first(stream, 0);
    EXPECT_EQ(read_ready(io, first).size(), 3u + 10);
    // Batches posted while the player was there, still queued when it goes.
    push_video(*stream, 400, 480);
  }
  push_video(*stream, 480, 1040);  // the keyframe at 1000 comes while nobody plays
  Player second(stream, 0);
  std::vector<PacketPtr> got;
  ASSERT_TRUE(second.take_ready(got));  // before the queued batches run
  ASSERT_EQ(got.size(), 3u + 1);
  EXPECT_TRUE(is_keyframe(got[3]));
  EXPECT_EQ(got[3]->dts_ms, 1000);
  push_video(*stream, 1040, 1120);
  poll(io);  // the old batches (400, 440), then the new ones
  ASSERT_TRUE(second.take_ready(got));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]->dts_ms, 1040);
  EXPECT_EQ(got[1]->dts_ms, 1080);
}

// Checks a run of 40 ms video frames: in order, none twice, none missing.
void expect_contiguous_video(const std::vector<PacketPtr>& got, std::int64_t first_ms,
                             std::int64_t last_ms) {
  std::vector<std::int64_t> dts;
  for (const auto& p : got)
    if (p->is_video() && !p->sequence_header) dts.push_back(p->dts_ms);
  ASSERT_FALSE(dts.empty());
  EXPECT_EQ(dts.front(), first_ms);
  EXPECT_EQ(dts.back(), last_ms);
  for (std::size_t i = 1; i < dts.size(); ++i) ASSERT_EQ(dts[i], dts[i - 1] + 40) << i;
}

TEST(Live, a_pulled_player_reads_the_feed_when_it_asks_and_its_loop_is_posted_nothing) {
  asio::io_context io;
  auto stream = make_stream(io);
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  poll(io);
  push_headers(*stream);
  push_video(*stream, 0, 400);
  // An interval this long never ticks during the test: only asking reads.
  Player pulled(stream, 0, std::chrono::minutes(10));
  auto got = read_ready(io, pulled);
  ASSERT_EQ(got.size(), 3u + 10);
  EXPECT_TRUE(is_keyframe(got[3]));

  // Waiting for its tick, it is not woken by new batches: none is posted.
  std::vector<PacketPtr> batch;
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await pulled.next(batch);
        done = true;
      },
      asio::detached);
  poll(io);
  ASSERT_FALSE(done);
  push_video(*stream, 400, 520);
  io.restart();
  EXPECT_EQ(io.poll(), 0u);
  EXPECT_FALSE(done);
  pulled.interrupt();
  ASSERT_TRUE(run_until(io, [&] { return done; }));

  // The next ask has all that came meanwhile, once.
  got = read_ready(io, pulled);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]->dts_ms, 400);
  EXPECT_EQ(got[2]->dts_ms, 480);
}

TEST(Live, a_pulled_player_wakes_at_its_tick_and_when_a_publish_starts) {
  asio::io_context io;
  auto stream = make_stream(io);
  Player pulled(stream, 0, 20ms);
  Reader reader(io, pulled);
  poll(io);  // waits with nothing published
  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, 400);
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 3u + 10; }));
  push_video(*stream, 400, 1000);
  ASSERT_TRUE(run_until(io, [&] { return reader.got.size() >= 3u + 25; }));
  EXPECT_LT(reader.batches, 3 + 25);  // a tick takes what accumulated
  expect_contiguous_video(reader.got, 0, 960);
  // The end of the stream reaches it too, after everything before it.
  push_video(*stream, 1000, 1080);
  stream->finish();
  ASSERT_TRUE(run_until(io, [&] { return reader.ended; }));
  expect_contiguous_video(reader.got, 0, 1040);
}

TEST(Live, pushed_and_pulled_players_on_one_shard_each_get_every_packet_once) {
  for (const bool pulled_first : {true, false}) {
    SCOPED_TRACE(pulled_first ? "pulled player first" : "pushed player first");
    asio::io_context io;
    auto stream = make_stream(io);
    ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
    push_headers(*stream);
    push_video(*stream, 0, 400);
    auto pulled = std::make_unique<Player>(stream, 0, std::chrono::minutes(10));
    std::optional<Player> pushed;
    std::optional<Reader> reader;
    std::vector<PacketPtr> pulled_got;
    auto pull = [&] {
      const auto got = read_ready(io, *pulled);
      pulled_got.insert(pulled_got.end(), got.begin(), got.end());
    };
    if (pulled_first) pull();
    push_video(*stream, 400, 520);  // pulled first: not posted, the shard has no pushed player
    pushed.emplace(stream, 0);
    reader.emplace(io, *pushed);
    // Pulled first: the pushed player joins a shard behind the feed (at
    // 360, the feed at 480), and its first batch brings the rest along.
    poll(io);
    for (std::int64_t t = 520; t < 2000; t += 200) {
      push_video(*stream, t, t + 120);
      pull();  // catches up before the posted batches run, sometimes
      push_video(*stream, t + 120, t + 200);
      poll(io);
    }
    ASSERT_TRUE(
        run_until(io, [&] { return !reader->got.empty() && reader->got.back()->dts_ms == 2080; }));
    pull();
    expect_contiguous_video(pulled_got, 0, 2080);
    // The pushed player started at the keyframe at 0, the newest when it came.
    expect_contiguous_video(reader->got, 0, 2080);
    // With the pulled player gone the pushed one still gets everything.
    pulled.reset();
    push_video(*stream, 2120, 2320);
    ASSERT_TRUE(run_until(io, [&] { return reader->got.back()->dts_ms == 2280; }));
    expect_contiguous_video(reader->got, 0, 2280);
    reader->close(io);
  }
}

TEST(Live, shards_on_their_own_threads_each_deliver_a_clean_stream) {
  // Players on two worker threads while the publisher pushes from a third:
  // each starts with headers and a keyframe, then gets every frame after it.
  constexpr int kShards = 2, kPlayersPerShard = 3;
  constexpr std::int64_t kLastMs = 9960;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<asio::any_io_executor> executors;
  for (int i = 0; i < kShards; ++i) {
    ios.push_back(std::make_unique<asio::io_context>());
    executors.push_back(ios.back()->get_executor());
  }
  // No skipping here: the publisher may run ahead of the players' threads.
  auto stream = std::make_shared<Stream>("cam-a", executors, StreamLimits{.max_lag_ms = 3'600'000});
  struct Seen {
    std::vector<std::int64_t> dts;
    std::vector<PacketKind> kinds;
    std::vector<bool> keyframes;
  };
  std::atomic<int> finished{0};
  std::vector<std::unique_ptr<Player>> players;
  std::vector<Seen> seen(kShards * kPlayersPerShard);
  for (int s = 0; s < kShards; ++s) {
    for (int k = 0; k < kPlayersPerShard; ++k) {
      players.push_back(std::make_unique<Player>(stream, static_cast<std::size_t>(s)));
      auto* player = players.back().get();
      auto* out = &seen[players.size() - 1];
      asio::co_spawn(
          *ios[static_cast<std::size_t>(s)],
          [player, out, &finished]() -> asio::awaitable<void> {
            std::vector<PacketPtr> batch;
            bool last = false;
            while (!last) {
              if (!co_await player->next(batch)) break;
              for (const auto& p : batch) {
                out->dts.push_back(p->dts_ms);
                out->kinds.push_back(p->kind);
                out->keyframes.push_back(p->keyframe);
                if (p->is_video() && p->dts_ms == kLastMs) last = true;
              }
            }
            finished.fetch_add(1);
          },
          asio::detached);
    }
  }
  std::vector<std::thread> threads;
  for (auto& io : ios) threads.emplace_back([&io] { io->run(); });

  ASSERT_TRUE(stream->try_begin_publish("10.0.0.2:50000"));
  push_headers(*stream);
  push_video(*stream, 0, kLastMs + 40);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (finished.load() < kShards * kPlayersPerShard &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_EQ(finished.load(), kShards * kPlayersPerShard);
  for (auto& io : ios) io->stop();
  for (auto& t : threads) t.join();

  for (const auto& s : seen) {
    ASSERT_GE(s.dts.size(), 4u);
    EXPECT_EQ(s.kinds[0], PacketKind::data);
    EXPECT_EQ(s.kinds[1], PacketKind::video);
    EXPECT_EQ(s.kinds[2], PacketKind::audio);
    EXPECT_TRUE(s.keyframes[3]);
    EXPECT_EQ(s.dts[1], s.dts[3]);
    for (std::size_t i = 4; i < s.dts.size(); ++i) ASSERT_EQ(s.dts[i], s.dts[i - 1] + 40) << i;
    EXPECT_EQ(s.dts.back(), kLastMs);
  }
}

// ---------------------------------------------------------------- hub

TEST(Hub, hub_forgets_a_stream_when_its_last_handle_is_released) {
  asio::io_context io;
  Hub hub({io.get_executor()}, StreamLimits{});
  std::weak_ptr<Stream> weak;
  {
    StreamHandle a = hub.acquire("cam-a");
    StreamHandle b = hub.acquire("cam-a");
    EXPECT_EQ(a.shared(), b.shared());
    weak = a.shared();
    a.reset();
    EXPECT_EQ(hub.find("cam-a"), b.shared());
    StreamHandle moved = std::move(b);
    EXPECT_FALSE(b);
    EXPECT_NE(hub.find("cam-a"), nullptr);
    EXPECT_EQ(hub.streams().size(), 1u);
  }
  EXPECT_EQ(hub.find("cam-a"), nullptr);
  EXPECT_TRUE(hub.streams().empty());
  poll(io);
  EXPECT_TRUE(weak.expired());
  // A new hold makes a fresh stream.
  StreamHandle again = hub.acquire("cam-a");
  EXPECT_FALSE(again->live());
}

TEST(Hub, move_assignment_releases_the_old_hold) {
  asio::io_context io;
  Hub hub({io.get_executor()}, StreamLimits{});
  StreamHandle a = hub.acquire("cam-a");
  StreamHandle b = hub.acquire("cam-b");
  a = std::move(b);
  EXPECT_EQ(hub.find("cam-a"), nullptr);
  EXPECT_NE(hub.find("cam-b"), nullptr);
  EXPECT_EQ(a->name(), "cam-b");
}

TEST(Hub, streams_are_kept_apart_by_name) {
  asio::io_context io;
  Hub hub({io.get_executor()}, StreamLimits{});
  StreamHandle a = hub.acquire("cam-a");
  StreamHandle b = hub.acquire("cam-b");
  EXPECT_NE(a.shared(), b.shared());
  ASSERT_TRUE(a->try_begin_publish("10.0.0.2:1"));
  EXPECT_TRUE(b->try_begin_publish("10.0.0.3:1"));
  EXPECT_EQ(hub.shard_count(), 1u);
}

}  // namespace
}  // namespace courtcast::live
