// Packet: the payload lives inside its FLV tag, and each wire framing is built
// once and shared, also when several threads ask at the same time.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "media/bytes_io.hpp"
#include "media/flv.hpp"
#include "media/packet.hpp"
#include "rtmp/chunk.hpp"
#include "rtmp/messages.hpp"

namespace courtcast::media {
namespace {

TEST(Packet, make_stores_the_body_inside_a_complete_flv_tag) {
  const Bytes body = {0x17, 0x01, 0, 0, 0x28, 9, 8, 7};
  auto p = Packet::make(PacketKind::video, 0x01020304, 40, true, false, body);
  EXPECT_EQ(Bytes(p->body().begin(), p->body().end()), body);
  EXPECT_EQ(p->size_bytes(), 11 + body.size() + 4);
  const auto tag = p->flv_tag();
  EXPECT_EQ(tag[0], 9);
  EXPECT_EQ(read_u24be(tag.data() + 1), body.size());
  EXPECT_EQ(read_u24be(tag.data() + 4) | std::uint32_t{tag[7]} << 24, 0x01020304u);
  EXPECT_EQ(read_u32be(tag.data() + tag.size() - 4), 11 + body.size());
  EXPECT_TRUE(p->is_video());
  EXPECT_FALSE(p->is_audio());
  EXPECT_EQ(p->cts_ms, 40);
  EXPECT_TRUE(p->keyframe);
}

TEST(Packet, flv_tags_of_packets_read_back_as_an_flv_stream) {
  const auto header = flv_file_header(true, true);
  Bytes stream(header.begin(), header.end());
  const Bytes a = {0xAF, 0x01, 1, 2, 3}, v = {0x27, 0x01, 0, 0, 0, 4};
  for (const auto& p : {Packet::make(PacketKind::audio, 10, 0, false, false, a),
                        Packet::make(PacketKind::video, 20, 0, false, false, v)})
    stream.insert(stream.end(), p->flv_tag().begin(), p->flv_tag().end());
  FlvReader reader;
  std::size_t consumed = 0;
  auto first = reader.next(stream, consumed);
  ASSERT_TRUE(first && *first);
  EXPECT_EQ((*first)->type, 8);
  EXPECT_EQ((*first)->dts_ms, 10);
  auto second = reader.next(std::span(stream).subspan(consumed), consumed);
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->dts_ms, 20);
  EXPECT_EQ(Bytes((*second)->body.begin(), (*second)->body.end()), v);
}

TEST(Packet, framing_is_built_once_and_shared) {
  auto p = Packet::make(PacketKind::audio, 5, 0, false, false, Bytes{0xAF, 0x01, 9});
  int builds = 0;
  auto build = [&](const Packet& pk) {
    ++builds;
    return rtmp::frame_for_play(pk);
  };
  const Bytes& a = p->framed(Framing::rtmp_play, build);
  const Bytes& b = p->framed(Framing::rtmp_play, build);
  EXPECT_EQ(builds, 1);
  EXPECT_EQ(&a, &b);
}

TEST(Packet, concurrent_framing_yields_one_shared_result) {
  for (int round = 0; round < 50; ++round) {
    auto p = Packet::make(PacketKind::video, 40, 0, true, false, Bytes(1000, 0x42));
    std::vector<const Bytes*> seen(4);
    std::atomic<int> go{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        go.fetch_add(1);
        while (go.load() < 4) {
        }
        seen[static_cast<std::size_t>(t)] = &p->framed(
            Framing::rtmp_play, [](const Packet& pk) { return rtmp::frame_for_play(pk); });
      });
    for (auto& th : threads) th.join();
    for (const Bytes* s : seen) EXPECT_EQ(s, seen[0]);
  }
}

TEST(Packet, play_framing_is_one_message_on_the_kinds_chunk_stream) {
  const Bytes body(70000, 0x33);
  for (auto kind : {PacketKind::audio, PacketKind::video, PacketKind::data}) {
    auto p = Packet::make(kind, 0x01000001, 0, false, false, body);
    const Bytes wire = rtmp::frame_for_play(*p);
    rtmp::ChunkReader reader;
    Bytes set;
    rtmp::write_set_chunk_size(set, rtmp::kPlayChunkSize);
    ASSERT_TRUE(reader.parse(set, [](const rtmp::Message&) {}));
    int n = 0;
    auto used = reader.parse(wire, [&](const rtmp::Message& m) {
      ++n;
      EXPECT_EQ(m.type, static_cast<std::uint8_t>(kind));
      EXPECT_EQ(m.stream_id, rtmp::kMediaStreamId);
      EXPECT_EQ(m.timestamp, 0x01000001u);
      EXPECT_EQ(m.body.size(), body.size());
      EXPECT_EQ(m.chunk_stream_id, kind == PacketKind::audio   ? rtmp::kAudioCsid
                                   : kind == PacketKind::video ? rtmp::kVideoCsid
                                                               : rtmp::kDataCsid);
    });
    ASSERT_TRUE(used);
    EXPECT_EQ(*used, wire.size());
    EXPECT_EQ(n, 1);
  }
}

}  // namespace
}  // namespace courtcast::media
