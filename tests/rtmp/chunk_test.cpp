// The RTMP chunk stream: header formats, interleaving, extended timestamps,
// chunk size changes, Abort, limits, and the writer/reader round trip.

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "media/bytes_io.hpp"
#include "rtmp/chunk.hpp"
#include "rtmp/messages.hpp"

namespace courtcast::rtmp {
namespace {

struct Got {
  std::uint32_t csid = 0;
  std::uint8_t type = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t timestamp = 0;
  Bytes body;
  bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  return os << "{csid " << g.csid << " type " << int(g.type) << " sid " << g.stream_id << " ts "
            << g.timestamp << " " << g.body.size() << " bytes}";
}

Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7 + i / 251);
  return b;
}

// Builds chunks by hand, one header field at a time, as a peer would send them.
class Wire {
 public:
  Bytes bytes;

  Wire& basic(unsigned fmt, std::uint32_t csid) {
    if (csid < 64) {
      put8(static_cast<std::uint8_t>(fmt << 6 | csid));
    } else if (csid < 320) {
      put8(static_cast<std::uint8_t>(fmt << 6));
      put8(static_cast<std::uint8_t>(csid - 64));
    } else {
      put8(static_cast<std::uint8_t>(fmt << 6 | 1));
      put8(static_cast<std::uint8_t>((csid - 64) & 0xFF));
      put8(static_cast<std::uint8_t>((csid - 64) >> 8));
    }
    return *this;
  }
  // A type-0 header; a timestamp at or past 0xFFFFFF goes to the extended field.
  Wire& fmt0(std::uint32_t csid, std::uint32_t ts, std::uint32_t length, std::uint8_t type,
             std::uint32_t stream_id) {
    basic(0, csid);
    put24(ts >= 0xFFFFFF ? 0xFFFFFF : ts);
    put24(length);
    put8(type);
    for (int i = 0; i < 4; ++i) put8(static_cast<std::uint8_t>(stream_id >> (8 * i)));
    if (ts >= 0xFFFFFF) put32(ts);
    return *this;
  }
  Wire& fmt1(std::uint32_t csid, std::uint32_t delta, std::uint32_t length, std::uint8_t type) {
    basic(1, csid);
    put24(delta >= 0xFFFFFF ? 0xFFFFFF : delta);
    put24(length);
    put8(type);
    if (delta >= 0xFFFFFF) put32(delta);
    return *this;
  }
  Wire& fmt2(std::uint32_t csid, std::uint32_t delta) {
    basic(2, csid);
    put24(delta >= 0xFFFFFF ? 0xFFFFFF : delta);
    if (delta >= 0xFFFFFF) put32(delta);
    return *this;
  }
  Wire& fmt3(std::uint32_t csid, std::optional<std::uint32_t> extended = std::nullopt) {
    basic(3, csid);
    if (extended) put32(*extended);
    return *this;
  }
  Wire& data(std::span<const std::uint8_t> d) {
    bytes.insert(bytes.end(), d.begin(), d.end());
    return *this;
  }
  Wire& put8(std::uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  Wire& put24(std::uint32_t v) {
    put8(static_cast<std::uint8_t>(v >> 16));
    put8(static_cast<std::uint8_t>(v >> 8));
    return put8(static_cast<std::uint8_t>(v));
  }
  Wire& put32(std::uint32_t v) {
    put8(static_cast<std::uint8_t>(v >> 24));
    return put24(v & 0xFFFFFF);
  }
};

// Feeds everything at once; every byte must be consumed.
std::vector<Got> parse_all(ChunkReader& reader, std::span<const std::uint8_t> in) {
  std::vector<Got> out;
  auto used = reader.parse(in, [&](const Message& m) {
    out.push_back(
        {m.chunk_stream_id, m.type, m.stream_id, m.timestamp, Bytes(m.body.begin(), m.body.end())});
  });
  EXPECT_TRUE(used) << (used ? "" : used.error().message);
  if (used) {
    EXPECT_EQ(*used, in.size());
  }
  return out;
}

std::vector<Got> parse_all(std::span<const std::uint8_t> in, ChunkLimits limits = {}) {
  ChunkReader reader(limits);
  return parse_all(reader, in);
}

// Feeds the input in pieces of `step` bytes, keeping what the reader leaves, as
// a connection does with whatever each read returns.
std::vector<Got> parse_in_pieces(std::span<const std::uint8_t> in, std::size_t step) {
  ChunkReader reader;
  std::vector<Got> out;
  Bytes pending;
  for (std::size_t off = 0; off < in.size(); off += step) {
    const auto piece = in.subspan(off, std::min(step, in.size() - off));
    pending.insert(pending.end(), piece.begin(), piece.end());
    auto used = reader.parse(pending, [&](const Message& m) {
      out.push_back({m.chunk_stream_id, m.type, m.stream_id, m.timestamp,
                     Bytes(m.body.begin(), m.body.end())});
    });
    EXPECT_TRUE(used) << (used ? "" : used.error().message);
    if (!used) return out;
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(*used));
  }
  EXPECT_TRUE(pending.empty()) << pending.size() << " bytes left over";
  return out;
}

std::string parse_error(std::span<const std::uint8_t> in, ChunkLimits limits = {}) {
  ChunkReader reader(limits);
  auto used = reader.parse(in, [](const Message&) {});
  return used ? std::string() : used.error().message;
}

// A mix of every header type, interleaved chunk streams, extended timestamps,
// a chunk size change and an Abort: the shared input of the split tests.
Bytes busy_session() {
  const Bytes video = pattern(300, 1), audio = pattern(20, 2), big = pattern(1000, 3);
  Wire w;
  // Video at 128-byte chunks, with an audio message between its chunks.
  w.fmt0(6, 1000, 300, kVideo, 1).data(std::span(video).first(128));
  w.fmt0(4, 1000, 20, kAudio, 1).data(audio);
  w.fmt3(6).data(std::span(video).subspan(128, 128));
  w.fmt1(4, 23, 20, kAudio).data(audio);
  w.fmt3(6).data(std::span(video).subspan(256));
  w.fmt2(4, 23).data(audio);
  w.fmt3(4).data(audio);  // a new message repeating the last delta: 1069
  // Set Chunk Size 4096 on the control stream.
  w.fmt0(2, 0, 4, kSetChunkSize, 0).put32(4096);
  w.fmt1(6, 40, 1000, kVideo).data(big);  // one chunk now
  // A half-sent message, aborted, then sent again whole.
  w.fmt0(7, 5000, 5000, kVideo, 1).data(pattern(4096));
  w.fmt0(2, 0, 4, kAbort, 0).put32(7);
  w.fmt0(7, 0x1000000, 10, kVideo, 1).data(pattern(10, 9));
  // An extended timestamp repeated on the continuation chunk.
  const Bytes ext = pattern(5000, 4);
  w.fmt0(8, 0xFFFFFFF0u, 5000, kVideo, 1).data(std::span(ext).first(4096));
  w.fmt3(8, 0xFFFFFFF0u).data(std::span(ext).subspan(4096));
  return w.bytes;
}

TEST(ChunkReader, type0_header_carries_timestamp_length_type_and_stream_id) {
  const Bytes body = pattern(50);
  Wire w;
  w.fmt0(3, 1234, 50, kCommandAmf0, 0x01020304).data(body);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (Got{3, kCommandAmf0, 0x01020304, 1234, body}));
}

TEST(ChunkReader, type1_keeps_stream_id_and_adds_its_delta) {
  const Bytes a = pattern(10), b = pattern(30);
  Wire w;
  w.fmt0(4, 100, 10, kAudio, 1).data(a);
  w.fmt1(4, 23, 30, kVideo).data(b);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1], (Got{4, kVideo, 1, 123, b}));
}

TEST(ChunkReader, type2_keeps_length_and_type_and_adds_its_delta) {
  const Bytes a = pattern(10), b = pattern(10, 5);
  Wire w;
  w.fmt0(4, 100, 10, kAudio, 1).data(a);
  w.fmt2(4, 21).data(b);
  w.fmt2(4, 22).data(a);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1], (Got{4, kAudio, 1, 121, b}));
  EXPECT_EQ(got[2], (Got{4, kAudio, 1, 143, a}));
}

TEST(ChunkReader, type3_new_message_repeats_the_previous_delta) {
  const Bytes a = pattern(10);
  Wire w;
  w.fmt0(4, 100, 10, kAudio, 1).data(a);
  w.fmt2(4, 23).data(a);
  w.fmt3(4).data(a);
  w.fmt3(4).data(a);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[2].timestamp, 146u);
  EXPECT_EQ(got[3].timestamp, 169u);
  EXPECT_EQ(got[3].type, kAudio);
  EXPECT_EQ(got[3].stream_id, 1u);
}

TEST(ChunkReader, type3_after_type0_takes_the_type0_timestamp_as_its_delta) {
  // RTMP 5.3.1.2.4: "If a Type 3 chunk follows a Type 0 chunk, then the
  // timestamp delta for this Type 3 chunk is the same as the timestamp of the
  // Type 0 chunk." FFmpeg's writer relies on it: it sends type 3 when the new
  // delta equals the previous header's timestamp field.
  const Bytes a = pattern(10);
  Wire w;
  w.fmt0(4, 40, 10, kAudio, 1).data(a);
  w.fmt3(4).data(a);
  w.fmt1(4, 100, 10, kAudio).data(a);    // 180
  w.fmt0(4, 50, 10, kAudio, 1).data(a);  // a step back needs a type 0
  w.fmt3(4).data(a);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[1].timestamp, 80u);
  EXPECT_EQ(got[2].timestamp, 180u);
  EXPECT_EQ(got[3].timestamp, 50u);
  EXPECT_EQ(got[4].timestamp, 100u);
}

TEST(ChunkReader, message_longer_than_chunk_size_is_reassembled_from_type3_chunks) {
  const Bytes body = pattern(300);
  Wire w;
  w.fmt0(6, 0, 300, kVideo, 1).data(std::span(body).first(128));
  w.fmt3(6).data(std::span(body).subspan(128, 128));
  w.fmt3(6).data(std::span(body).subspan(256));
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, body);
}

TEST(ChunkReader, interleaved_chunk_streams_reassemble_independently) {
  const Bytes video = pattern(300, 1), audio1 = pattern(10, 2), audio2 = pattern(10, 3);
  Wire w;
  w.fmt0(6, 40, 300, kVideo, 1).data(std::span(video).first(128));
  w.fmt0(4, 30, 10, kAudio, 1).data(audio1);
  w.fmt3(6).data(std::span(video).subspan(128, 128));
  w.fmt2(4, 23).data(audio2);
  w.fmt3(6).data(std::span(video).subspan(256));
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (Got{4, kAudio, 1, 30, audio1}));
  EXPECT_EQ(got[1], (Got{4, kAudio, 1, 53, audio2}));
  EXPECT_EQ(got[2], (Got{6, kVideo, 1, 40, video}));
}

TEST(ChunkReader, every_split_of_the_input_gives_the_same_messages) {
  const Bytes in = busy_session();
  const auto whole = parse_all(in);
  ASSERT_EQ(whole.size(), 10u);
  for (std::size_t step : {1u, 2u, 3u, 7u, 11u, 128u, 129u, 1000u}) {
    EXPECT_EQ(parse_in_pieces(in, step), whole) << "pieces of " << step;
  }
}

TEST(ChunkReader, message_split_at_every_byte_boundary_parses_the_same) {
  const Bytes in = busy_session();
  const auto whole = parse_all(in);
  for (std::size_t cut = 0; cut <= in.size(); ++cut) {
    ChunkReader reader;
    std::vector<Got> got;
    auto sink = [&](const Message& m) {
      got.push_back({m.chunk_stream_id, m.type, m.stream_id, m.timestamp,
                     Bytes(m.body.begin(), m.body.end())});
    };
    auto first = reader.parse(std::span(in).first(cut), sink);
    ASSERT_TRUE(first) << "cut " << cut;
    Bytes rest(in.begin() + static_cast<std::ptrdiff_t>(*first), in.end());
    auto second = reader.parse(rest, sink);
    ASSERT_TRUE(second) << "cut " << cut;
    EXPECT_EQ(*second, rest.size()) << "cut " << cut;
    ASSERT_EQ(got, whole) << "cut " << cut;
  }
}

TEST(ChunkReader, busy_session_delivers_what_was_sent) {
  const auto got = parse_all(busy_session());
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[0], (Got{4, kAudio, 1, 1000, pattern(20, 2)}));
  EXPECT_EQ(got[1].timestamp, 1023u);
  EXPECT_EQ(got[2], (Got{6, kVideo, 1, 1000, pattern(300, 1)}));
  EXPECT_EQ(got[3].timestamp, 1046u);
  EXPECT_EQ(got[4].timestamp, 1069u);
  EXPECT_EQ(got[5].type, kSetChunkSize);
  EXPECT_EQ(got[6], (Got{6, kVideo, 1, 1040, pattern(1000, 3)}));
  EXPECT_EQ(got[7].type, kAbort);
  EXPECT_EQ(got[8], (Got{7, kVideo, 1, 0x1000000, pattern(10, 9)}));
  EXPECT_EQ(got[9], (Got{8, kVideo, 1, 0xFFFFFFF0u, pattern(5000, 4)}));
}

TEST(ChunkReader, extended_timestamp_in_type0_header) {
  Wire w;
  w.fmt0(4, 0x12345678, 2, kAudio, 1).put8(0xAF).put8(0x01);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].timestamp, 0x12345678u);
  EXPECT_EQ(got[0].body, (Bytes{0xAF, 0x01}));
}

TEST(ChunkReader, extended_timestamp_repeats_on_continuation_chunks) {
  const Bytes body = pattern(400);
  Wire w;
  w.fmt0(6, 0x01000000, 400, kVideo, 1).data(std::span(body).first(128));
  for (std::size_t off = 128; off < 400; off += 128)
    w.fmt3(6, 0x01000000).data(std::span(body).subspan(off, std::min<std::size_t>(128, 400 - off)));
  for (std::size_t step : {1u, 5u, 1000u}) {
    const auto got = parse_in_pieces(w.bytes, step);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0], (Got{6, kVideo, 1, 0x01000000, body}));
  }
}

TEST(ChunkReader, extended_delta_in_type1_and_type2_headers) {
  const Bytes a = pattern(4);
  Wire w;
  w.fmt0(4, 10, 4, kAudio, 1).data(a);
  w.fmt1(4, 0x01000000, 4, kAudio).data(a);
  w.fmt2(4, 0x01000001).data(a);
  // A new message in type 3 after an extended header carries the field too.
  w.fmt3(4, 0x01000001).data(a);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[1].timestamp, 0x0100000Au);
  EXPECT_EQ(got[2].timestamp, 0x0200000Bu);
  EXPECT_EQ(got[3].timestamp, 0x0300000Cu);
}

TEST(ChunkReader, timestamps_wrap_at_32_bits) {
  const Bytes a = pattern(4);
  Wire w;
  w.fmt0(4, 0xFFFFFFF0u, 4, kAudio, 1).data(a);
  w.fmt2(4, 0x20).data(a);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].timestamp, 0x10u);
}

TEST(ChunkReader, chunk_size_change_applies_to_the_next_chunk) {
  const Bytes body = pattern(1000);
  Wire w;
  w.fmt0(2, 0, 4, kSetChunkSize, 0).put32(500);
  w.fmt0(6, 0, 1000, kVideo, 1).data(std::span(body).first(500));
  w.fmt3(6).data(std::span(body).subspan(500));
  ChunkReader reader;
  const auto got = parse_all(reader, w.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, kSetChunkSize);
  EXPECT_EQ(got[1].body, body);
  EXPECT_EQ(reader.chunk_size(), 500u);
}

TEST(ChunkReader, chunk_size_change_mid_message_applies_to_its_remaining_chunks) {
  const Bytes body = pattern(1000);
  Wire w;
  w.fmt0(6, 0, 1000, kVideo, 1).data(std::span(body).first(128));
  w.fmt0(2, 0, 4, kSetChunkSize, 0).put32(872);
  w.fmt3(6).data(std::span(body).subspan(128));
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].body, body);
}

TEST(ChunkReader, set_chunk_size_ignores_the_top_bit) {
  Wire w;
  w.fmt0(2, 0, 4, kSetChunkSize, 0).put32(0x80001000u);
  ChunkReader reader;
  parse_all(reader, w.bytes);
  EXPECT_EQ(reader.chunk_size(), 0x1000u);
}

TEST(ChunkReader, abort_discards_the_partial_message) {
  const Bytes body = pattern(300), other = pattern(10, 7);
  Wire w;
  w.fmt0(6, 0, 300, kVideo, 1).data(std::span(body).first(128));
  w.fmt0(2, 0, 4, kAbort, 0).put32(6);
  // The next chunk on 6 starts a new message, even in type 3.
  w.fmt1(6, 40, 10, kVideo).data(other);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, kAbort);
  EXPECT_EQ(got[1], (Got{6, kVideo, 1, 40, other}));
}

TEST(ChunkReader, abort_then_type3_starts_a_fresh_message) {
  const Bytes body = pattern(200), other = pattern(200, 7);
  Wire w;
  w.fmt0(6, 100, 200, kVideo, 1).data(std::span(body).first(128));
  w.fmt0(2, 0, 4, kAbort, 0).put32(6);
  w.fmt3(6).data(std::span(other).first(128));
  w.fmt3(6).data(std::span(other).subspan(128));
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].body, other);
  EXPECT_EQ(got[1].type, kVideo);
}

TEST(ChunkReader, abort_of_an_unknown_chunk_stream_is_harmless) {
  Wire w;
  w.fmt0(2, 0, 4, kAbort, 0).put32(33);
  EXPECT_EQ(parse_all(w.bytes).size(), 1u);
}

TEST(ChunkReader, empty_message_is_delivered) {
  Wire w;
  w.fmt0(3, 5, 0, kCommandAmf0, 0);
  const auto got = parse_all(w.bytes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].body.empty());
}

TEST(ChunkReader, two_and_three_byte_basic_headers) {
  for (std::uint32_t csid : {63u, 64u, 319u, 320u, 65599u}) {
    Wire w;
    w.fmt0(csid, 7, 3, kAudio, 1).data(pattern(3));
    const auto got = parse_all(w.bytes);
    ASSERT_EQ(got.size(), 1u) << csid;
    EXPECT_EQ(got[0].csid, csid);
  }
}

TEST(ChunkReader, first_chunk_on_a_stream_must_be_type0) {
  for (unsigned fmt : {1u, 2u, 3u}) {
    Wire w;
    w.basic(fmt, 5).put24(0).put24(1).put8(kAudio).put8(0);
    EXPECT_NE(parse_error(w.bytes), "") << "fmt " << fmt;
  }
}

TEST(ChunkReader, absurd_chunk_size_is_an_error) {
  for (std::uint32_t size : {0u, 0x80000000u, (1u << 24) + 1, 0x7FFFFFFFu}) {
    Wire w;
    w.fmt0(2, 0, 4, kSetChunkSize, 0).put32(size);
    EXPECT_NE(parse_error(w.bytes), "") << size;
  }
  Wire ok;
  ok.fmt0(2, 0, 4, kSetChunkSize, 0).put32(1 << 24);
  EXPECT_EQ(parse_error(ok.bytes), "");
}

TEST(ChunkReader, chunk_size_above_a_configured_limit_is_an_error) {
  Wire w;
  w.fmt0(2, 0, 4, kSetChunkSize, 0).put32(70000);
  EXPECT_NE(parse_error(w.bytes, {.max_chunk_size = 65536}), "");
}

TEST(ChunkReader, short_control_messages_are_errors) {
  for (std::uint8_t type : {kSetChunkSize, kAbort}) {
    Wire w;
    w.fmt0(2, 0, 3, type, 0).put8(0).put8(0).put8(1);
    EXPECT_NE(parse_error(w.bytes), "") << int(type);
  }
}

TEST(ChunkReader, message_too_large_is_an_error) {
  Wire w;
  w.fmt0(6, 0, 1001, kVideo, 1).data(pattern(128));
  EXPECT_NE(parse_error(w.bytes, {.max_message_bytes = 1000}), "");
  // A type 1 header announcing a longer message is checked too.
  Wire w1;
  w1.fmt0(6, 0, 10, kVideo, 1).data(pattern(10));
  w1.fmt1(6, 0, 5000, kVideo);
  EXPECT_NE(parse_error(w1.bytes, {.max_message_bytes = 1000}), "");
}

TEST(ChunkReader, too_many_chunk_streams_is_an_error) {
  Wire w;
  for (std::uint32_t csid = 3; csid < 3 + 8; ++csid) w.fmt0(csid, 0, 1, kAudio, 1).put8(0);
  EXPECT_EQ(parse_error(w.bytes, {.max_chunk_streams = 8}), "");
  w.fmt0(100, 0, 1, kAudio, 1).put8(0);
  EXPECT_NE(parse_error(w.bytes, {.max_chunk_streams = 8}), "");
}

TEST(ChunkReader, limit_errors_are_told_apart_from_malformed_chunks) {
  Wire big;
  big.fmt0(6, 0, 5000, kVideo, 1).data(pattern(128));
  ChunkReader reader({.max_message_bytes = 1000});
  EXPECT_FALSE(reader.parse(big.bytes, [](const Message&) {}));
  EXPECT_TRUE(reader.over_limit());
  Wire bad;
  bad.basic(1, 5).put24(0).put24(1).put8(kAudio).put8(0);
  ChunkReader other;
  EXPECT_FALSE(other.parse(bad.bytes, [](const Message&) {}));
  EXPECT_FALSE(other.over_limit());
}

TEST(ChunkReader, unfinished_message_holds_what_arrived_not_its_declared_length) {
  Wire w;
  w.fmt0(6, 0, 15 << 20, kVideo, 1).data(pattern(128));
  ChunkReader reader;
  auto used = reader.parse(w.bytes, [](const Message&) {});
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, w.bytes.size());
  EXPECT_EQ(reader.buffered_bytes(), 128u);
}

TEST(ChunkReader, growing_message_buffer_doubles_up_to_the_declared_length) {
  const Bytes body = pattern(3000);
  Wire w;
  w.fmt0(6, 0, 3000, kVideo, 1).data(std::span(body).first(128));
  for (std::size_t off = 128; off < 3000; off += 128)
    w.fmt3(6).data(std::span(body).subspan(off, std::min<std::size_t>(128, 3000 - off)));
  ChunkReader reader;
  const auto got = parse_all(reader, w.bytes);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, body);
  EXPECT_EQ(reader.buffered_bytes(), 3000u) << "capped at the length, kept for the next message";
}

TEST(ChunkReader, unfinished_messages_past_the_reader_cap_are_an_error) {
  // Chunk streams of unfinished 60 KiB messages hold 4 KiB each here; a cap
  // of 20 KiB (and the Set Chunk Size's 4 bytes) takes five, stops the sixth.
  const ChunkLimits limits{
      .max_message_bytes = 64 * 1024, .max_chunk_streams = 8, .max_buffered_bytes = 20 * 1024 + 4};
  ChunkReader reader(limits);
  Wire set;
  set.fmt0(2, 0, 4, kSetChunkSize, 0).put32(4096);
  ASSERT_EQ(parse_all(reader, set.bytes).size(), 1u);
  for (std::uint32_t csid = 3; csid < 3 + 8; ++csid) {
    Wire w;
    w.fmt0(csid, 0, 60 * 1024, kVideo, 1).data(pattern(4096));
    auto used = reader.parse(w.bytes, [](const Message&) {});
    if (csid < 3 + 5) {
      ASSERT_TRUE(used) << csid;
      continue;
    }
    ASSERT_FALSE(used) << csid;
    EXPECT_TRUE(reader.over_limit());
    EXPECT_NE(used.error().message.find("more than 20484 bytes"), std::string::npos)
        << used.error().message;
    return;
  }
  FAIL() << "the cap was never reached";
}

TEST(ChunkReader, shared_budget_caps_all_readers_together_and_is_given_back) {
  BufferBudget budget(10'000);
  {
    ChunkReader a({}, &budget), b({}, &budget);
    Wire w;
    w.fmt0(6, 0, 8000, kVideo, 1).data(pattern(128));
    for (int i = 0; i < 46; ++i) w.fmt3(6).data(pattern(128));
    ASSERT_TRUE(a.parse(w.bytes, [](const Message&) {}));
    EXPECT_EQ(budget.used_bytes(), a.buffered_bytes());
    EXPECT_GE(budget.used_bytes(), 47u * 128);
    auto refused = b.parse(w.bytes, [](const Message&) {});
    ASSERT_FALSE(refused);
    EXPECT_TRUE(b.over_limit());
    EXPECT_NE(refused.error().message.find("buffers for messages are full"), std::string::npos)
        << refused.error().message;
    EXPECT_LE(budget.used_bytes(), budget.limit_bytes());
  }
  EXPECT_EQ(budget.used_bytes(), 0u) << "destroyed readers give their bytes back";
}

TEST(ChunkReader, raised_limits_apply_to_what_follows_in_the_same_input) {
  // A stranger's small limit; the callback raises it on the first message,
  // as the server does when a publish is accepted.
  ChunkReader reader({.max_message_bytes = 100});
  Wire w;
  w.fmt0(3, 0, 10, kCommandAmf0, 0).data(pattern(10));
  w.fmt0(6, 0, 1000, kVideo, 1).data(pattern(128));
  for (int i = 0; i < 7; ++i) w.fmt3(6).data(pattern(i < 6 ? 128 : 1000 - 7 * 128));
  std::vector<std::size_t> sizes;
  auto used = reader.parse(w.bytes, [&](const Message& m) {
    sizes.push_back(m.body.size());
    reader.set_limits({.max_message_bytes = 16 << 20});
  });
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 1000}));
}

TEST(ChunkReader, stranger_flood_of_60_large_unfinished_messages_is_stopped_at_the_first) {
  // The attack of issue 10: 60 chunk streams each opening a 15 MiB message.
  const ChunkLimits stranger{
      .max_message_bytes = 64 * 1024, .max_chunk_streams = 8, .max_buffered_bytes = 128 * 1024};
  BufferBudget budget(std::size_t{512} << 20);
  ChunkReader reader(stranger, &budget);
  Wire w;
  for (std::uint32_t csid = 3; csid < 63; ++csid)
    w.fmt0(csid, 0, 15 << 20, kVideo, 1).data(pattern(128));
  EXPECT_FALSE(reader.parse(w.bytes, [](const Message&) {}));
  EXPECT_TRUE(reader.over_limit());
  EXPECT_EQ(budget.used_bytes(), 0u);
}

TEST(ChunkReader, a_partial_chunk_payload_is_taken_and_its_header_never_split) {
  Wire w;
  w.fmt0(4, 0, 10, kAudio, 1).data(pattern(10));
  w.fmt0(6, 0, 10, kVideo, 1).data(pattern(5));
  ChunkReader reader;
  int messages = 0;
  auto used = reader.parse(w.bytes, [&](const Message&) { ++messages; });
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, w.bytes.size());  // the video's first 5 bytes wait in the reader
  EXPECT_EQ(messages, 1);
  // A header cut short is left to the caller.
  Wire next;
  next.fmt0(8, 0, 10, kVideo, 1);
  ChunkReader fresh;
  auto header = fresh.parse(std::span(next.bytes).first(5), [&](const Message&) { ++messages; });
  ASSERT_TRUE(header);
  EXPECT_EQ(*header, 0u);
}

TEST(ChunkReader, parse_one_stops_at_each_message_and_keeps_its_body_until_the_next_call) {
  Wire w;
  w.fmt0(4, 0, 3, kAudio, 1).data(Bytes{1, 2, 3});
  w.fmt0(6, 40, 2, kVideo, 1).data(Bytes{7, 8});
  ChunkReader reader;
  std::optional<Message> m;
  auto used = reader.parse_one(w.bytes, m);
  ASSERT_TRUE(used);
  ASSERT_TRUE(m);
  EXPECT_EQ(*used, 1u + 11 + 3);
  EXPECT_EQ(Bytes(m->body.begin(), m->body.end()), (Bytes{1, 2, 3}));
  EXPECT_EQ(m->length, 3u);
  std::optional<Message> second;
  auto rest = reader.parse_one(std::span(w.bytes).subspan(*used), second);
  ASSERT_TRUE(rest);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->timestamp, 40u);
  EXPECT_EQ(Bytes(second->body.begin(), second->body.end()), (Bytes{7, 8}));
  std::optional<Message> none;
  auto end = reader.parse_one({}, none);
  ASSERT_TRUE(end);
  EXPECT_FALSE(none);
}

TEST(ChunkReader, skimming_keeps_the_first_media_bytes_and_the_whole_length) {
  Wire w;
  w.fmt0(6, 0, 300, kVideo, 1).data(pattern(128));
  w.fmt3(6).data(pattern(128, 2));
  w.fmt3(6).data(pattern(44, 1));
  w.fmt0(3, 0, 5, kDataAmf0, 1).data(pattern(5));
  ChunkReader reader;
  reader.set_skim_media(16);
  std::vector<Message> got;
  std::vector<Bytes> bodies;
  auto used = reader.parse(w.bytes, [&](const Message& m) {
    got.push_back(m);
    bodies.emplace_back(m.body.begin(), m.body.end());
  });
  ASSERT_TRUE(used);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].length, 300u);
  EXPECT_EQ(bodies[0], pattern(16));
  EXPECT_EQ(got[1].length, 5u);  // data is never skimmed
  EXPECT_EQ(bodies[1], pattern(5));
  EXPECT_LE(reader.buffered_bytes(), 16u + 5u);
}

// ---------------------------------------------------------------- writer

TEST(ChunkWriter, write_then_parse_round_trips_around_the_chunk_size) {
  for (std::uint32_t chunk_size : {1u, 128u, 4096u, kPlayChunkSize}) {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{chunk_size} - 1,
                          std::size_t{chunk_size}, std::size_t{chunk_size} + 1,
                          2 * std::size_t{chunk_size}, 2 * std::size_t{chunk_size} + 1}) {
      if (n > 200000) continue;
      for (std::uint32_t ts : {0u, 0xFFFFFEu, 0xFFFFFFu, 0xDEADBEEFu}) {
        const Bytes body = pattern(n);
        Bytes out;
        write_message(out, 6, kVideo, 1, ts, body, chunk_size);
        EXPECT_EQ(out.size(), chunked_size(6, ts, n, chunk_size));
        ChunkReader reader;
        Wire set;
        set.fmt0(2, 0, 4, kSetChunkSize, 0).put32(chunk_size);
        ASSERT_EQ(parse_all(reader, set.bytes).size(), 1u);
        const auto got = parse_all(reader, out);
        ASSERT_EQ(got.size(), 1u) << "chunk " << chunk_size << " n " << n << " ts " << ts;
        EXPECT_EQ(got[0], (Got{6, kVideo, 1, ts, body}))
            << "chunk " << chunk_size << " n " << n << " ts " << ts;
      }
    }
  }
}

TEST(ChunkWriter, write_then_parse_round_trips_for_every_basic_header_size) {
  for (std::uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    for (std::uint32_t ts : {5u, 0x01000000u}) {
      const Bytes body = pattern(300);
      Bytes out;
      write_message(out, csid, kDataAmf0, 7, ts, body, 128);
      EXPECT_EQ(out.size(), chunked_size(csid, ts, body.size(), 128));
      for (std::size_t step : {1u, 1000u}) {
        const auto got = parse_in_pieces(out, step);
        ASSERT_EQ(got.size(), 1u) << "csid " << csid;
        EXPECT_EQ(got[0], (Got{csid, kDataAmf0, 7, ts, body})) << "csid " << csid;
      }
    }
  }
}

TEST(ChunkWriter, consecutive_messages_on_one_stream_keep_absolute_timestamps) {
  Bytes out;
  write_message(out, 6, kVideo, 1, 100, pattern(200), 128);
  write_message(out, 6, kVideo, 1, 50, pattern(10), 128);  // backwards: type 0 again
  write_message(out, 6, kVideo, 1, 0x02000000u, pattern(200), 128);
  const auto got = parse_all(out);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].timestamp, 100u);
  EXPECT_EQ(got[1].timestamp, 50u);
  EXPECT_EQ(got[2].timestamp, 0x02000000u);
}

TEST(ChunkWriter, control_messages_parse_back) {
  Bytes out;
  write_set_chunk_size(out, kPlayChunkSize);
  write_window_ack_size(out, 2500000);
  write_set_peer_bandwidth(out, 2500000, 2);
  write_acknowledgement(out, 12345);
  write_user_control(out, kStreamBegin, 1, kPlayChunkSize);
  ChunkReader reader;
  const auto got = parse_all(reader, out);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(reader.chunk_size(), kPlayChunkSize);
  EXPECT_EQ(got[0].type, kSetChunkSize);
  EXPECT_EQ(got[1].type, kWindowAckSize);
  EXPECT_EQ(media::read_u32be(got[1].body.data()), 2500000u);
  EXPECT_EQ(got[2].type, kSetPeerBandwidth);
  EXPECT_EQ(got[2].body.size(), 5u);
  EXPECT_EQ(got[3].type, kAcknowledgement);
  EXPECT_EQ(got[4].type, kUserControl);
  EXPECT_EQ(got[4].body, (Bytes{0, 0, 0, 0, 0, 1}));
  for (const auto& g : got) EXPECT_EQ(g.csid, kControlCsid);
}

}  // namespace
}  // namespace courtcast::rtmp
