// FLV: the file header, tag headers, the reader over partial input, and the
// video/audio tag body headers (legacy AVC, legacy HEVC id 12, enhanced RTMP).

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <vector>

#include "media/flv.hpp"

namespace courtcast::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes tag(std::uint8_t type, std::int64_t dts_ms, const Bytes& body) {
  Bytes out(11 + body.size() + 4);
  write_flv_tag_header(out.data(), type, dts_ms, body.size());
  std::copy(body.begin(), body.end(), out.begin() + 11);
  write_u32be(out.data() + 11 + body.size(), static_cast<std::uint32_t>(11 + body.size()));
  return out;
}

Bytes flv_file(const std::vector<Bytes>& tags) {
  const auto header = flv_file_header(true, true);
  Bytes out(header.begin(), header.end());
  for (const auto& t : tags) out.insert(out.end(), t.begin(), t.end());
  return out;
}

struct ReadTag {
  std::uint8_t type;
  std::int64_t dts_ms;
  Bytes body;
  bool operator==(const ReadTag&) const = default;
};

std::ostream& operator<<(std::ostream& os, const ReadTag& t) {
  return os << "{type " << int(t.type) << " dts " << t.dts_ms << " " << t.body.size() << " bytes}";
}

// Reads as a connection would: appends each piece to what is pending, asks for
// tags until the reader needs more, and drops what it consumed.
std::vector<ReadTag> read_in_pieces(const Bytes& in, std::size_t step, FlvReader& reader) {
  std::vector<ReadTag> out;
  Bytes pending;
  for (std::size_t off = 0; off < in.size(); off += step) {
    pending.insert(pending.end(), in.begin() + static_cast<std::ptrdiff_t>(off),
                   in.begin() + static_cast<std::ptrdiff_t>(std::min(off + step, in.size())));
    for (;;) {
      std::size_t consumed = 0;
      auto r = reader.next(pending, consumed);
      EXPECT_TRUE(r) << (r ? "" : r.error().message);
      if (!r || !*r) break;
      const FlvTag& t = **r;
      out.push_back({t.type, t.dts_ms, Bytes(t.body.begin(), t.body.end())});
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(consumed));
    }
  }
  EXPECT_TRUE(pending.empty()) << pending.size() << " bytes left";
  return out;
}

std::vector<ReadTag> read_in_pieces(const Bytes& in, std::size_t step) {
  FlvReader reader;
  return read_in_pieces(in, step, reader);
}

TEST(Flv, file_header_flags_audio_and_video) {
  EXPECT_EQ(flv_file_header(true, true)[4], 5);
  EXPECT_EQ(flv_file_header(false, true)[4], 1);
  EXPECT_EQ(flv_file_header(true, false)[4], 4);
  const auto h = flv_file_header(true, true);
  EXPECT_EQ(Bytes(h.begin(), h.end()), (Bytes{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}));
}

TEST(Flv, tag_header_timestamp_extension_byte_holds_the_top_8_bits) {
  std::uint8_t h[11];
  write_flv_tag_header(h, 9, 0x12345678, 0x0A0B0C);
  EXPECT_EQ(h[0], 9);
  EXPECT_EQ(h[1], 0x0A);
  EXPECT_EQ(h[2], 0x0B);
  EXPECT_EQ(h[3], 0x0C);
  EXPECT_EQ(h[4], 0x34);
  EXPECT_EQ(h[5], 0x56);
  EXPECT_EQ(h[6], 0x78);
  EXPECT_EQ(h[7], 0x12);  // TimestampExtended
  EXPECT_EQ(h[8], 0);
  EXPECT_EQ(h[9], 0);
  EXPECT_EQ(h[10], 0);
}

TEST(FlvReader, reads_tags_with_timestamps_past_24_bits) {
  const Bytes in = flv_file({tag(18, 0, {0x02, 0, 0}), tag(9, 0x01000000, {0x17, 1, 0, 0, 0}),
                             tag(8, 0xFFFFFFFF, {0xAF, 1})});
  const auto got = read_in_pieces(in, in.size());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (ReadTag{18, 0, {0x02, 0, 0}}));
  EXPECT_EQ(got[1].dts_ms, 0x01000000);
  EXPECT_EQ(got[2].dts_ms, 0xFFFFFFFF);
}

TEST(FlvReader, input_fed_in_pieces_gives_the_same_tags) {
  std::vector<Bytes> tags;
  for (int i = 0; i < 20; ++i)
    tags.push_back(tag(i % 2 ? 9 : 8, i * 40, Bytes(static_cast<std::size_t>(i * 13), 0x5A)));
  const Bytes in = flv_file(tags);
  const auto whole = read_in_pieces(in, in.size());
  ASSERT_EQ(whole.size(), 20u);
  for (std::size_t step : {1u, 2u, 5u, 11u, 12u, 13u, 14u, 15u, 100u}) {
    FlvReader reader;
    EXPECT_EQ(read_in_pieces(in, step, reader), whole) << "pieces of " << step;
    EXPECT_TRUE(reader.header_seen());
  }
}

TEST(FlvReader, header_then_partial_tag_consumes_nothing_until_a_tag_is_complete) {
  // A caller drops `consumed` only when a tag comes out; the header must not be
  // lost in between.
  const Bytes in = flv_file({tag(9, 40, {0x17, 1, 0, 0, 0})});
  FlvReader reader;
  std::size_t consumed = 99;
  auto partial = reader.next(std::span(in).first(20), consumed);
  ASSERT_TRUE(partial);
  EXPECT_FALSE(*partial);
  EXPECT_EQ(consumed, 0u);
  auto full = reader.next(in, consumed);
  ASSERT_TRUE(full) << full.error().message;
  ASSERT_TRUE(*full);
  EXPECT_EQ((*full)->dts_ms, 40);
  EXPECT_EQ(consumed, in.size());
}

TEST(FlvReader, header_with_extra_bytes_is_skipped) {
  Bytes in = {'F', 'L', 'V', 1, 5, 0, 0, 0, 12, 0xEE, 0xEE, 0xEE, 0, 0, 0, 0};
  const Bytes t = tag(8, 7, {0xAF, 1, 2});
  in.insert(in.end(), t.begin(), t.end());
  const auto got = read_in_pieces(in, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], (ReadTag{8, 7, {0xAF, 1, 2}}));
}

TEST(FlvReader, bad_streams_are_errors) {
  std::size_t consumed = 0;
  const Bytes not_flv = {'F', 'L', 'X', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};
  EXPECT_FALSE(FlvReader().next(not_flv, consumed));
  const Bytes tiny_header = {'F', 'L', 'V', 1, 5, 0, 0, 0, 3, 0, 0, 0, 0};
  EXPECT_FALSE(FlvReader().next(tiny_header, consumed));
  const Bytes huge_header = {'F', 'L', 'V', 1, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0};
  EXPECT_FALSE(FlvReader().next(huge_header, consumed));

  Bytes big = flv_file({});
  const Bytes t = tag(9, 0, Bytes(2000, 0));
  big.insert(big.end(), t.begin(), t.begin() + 11);
  EXPECT_FALSE(FlvReader(1000).next(big, consumed));

  Bytes encrypted = flv_file({tag(9, 0, {0x17})});
  encrypted[13] |= 0x20;
  EXPECT_FALSE(FlvReader().next(encrypted, consumed));
}

TEST(FlvReader, incomplete_input_needs_more_bytes_at_every_length) {
  const Bytes in = flv_file({tag(9, 0, {0x17, 0, 0, 0, 0, 1, 2, 3})});
  for (std::size_t n = 0; n < in.size(); ++n) {
    FlvReader reader;
    std::size_t consumed = 0;
    auto r = reader.next(std::span(in).first(n), consumed);
    ASSERT_TRUE(r) << n;
    EXPECT_FALSE(*r) << n;
  }
}

// ---------------------------------------------------------------- video tags

TEST(VideoTag, avc_sequence_header_is_a_keyframe_sequence_header) {
  const Bytes body = {0x17, 0x00, 0, 0, 0, 0x01, 0x64};
  auto v = parse_video_tag(body);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->codec, VideoCodec::h264);
  EXPECT_TRUE(v->sequence_header);
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(v->header_bytes, 5u);
}

TEST(VideoTag, avc_keyframe_and_interframe) {
  const Bytes key = {0x17, 0x01, 0, 0, 0x50, 0, 0, 0, 1, 0x65};
  auto k = parse_video_tag(key);
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->keyframe);
  EXPECT_FALSE(k->sequence_header);
  EXPECT_EQ(k->cts_ms, 80);
  const Bytes inter = {0x27, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x41};
  auto i = parse_video_tag(inter);
  ASSERT_TRUE(i);
  EXPECT_FALSE(i->keyframe);
  EXPECT_EQ(i->codec, VideoCodec::h264);
}

TEST(VideoTag, avc_composition_time_is_sign_extended) {
  const Bytes body = {0x27, 0x01, 0xFF, 0xFF, 0xD8, 0, 0, 0, 1, 0x41};
  auto v = parse_video_tag(body);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->cts_ms, -40);
  const Bytes most_negative = {0x27, 0x01, 0x80, 0x00, 0x00};
  EXPECT_EQ(parse_video_tag(most_negative)->cts_ms, -0x800000);
  const Bytes most_positive = {0x27, 0x01, 0x7F, 0xFF, 0xFF};
  EXPECT_EQ(parse_video_tag(most_positive)->cts_ms, 0x7FFFFF);
}

TEST(VideoTag, avc_end_of_sequence) {
  const Bytes body = {0x17, 0x02, 0, 0, 0};
  auto v = parse_video_tag(body);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->end_of_sequence);
  EXPECT_FALSE(v->sequence_header);
}

TEST(VideoTag, legacy_hevc_codec_id_12) {
  const Bytes seq = {0x1C, 0x00, 0, 0, 0, 0x01};
  auto s = parse_video_tag(seq);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->codec, VideoCodec::hevc);
  EXPECT_TRUE(s->sequence_header);
  EXPECT_EQ(s->header_bytes, 5u);
  const Bytes frame = {0x2C, 0x01, 0, 0, 0x28, 0, 0, 0, 1, 2};
  auto f = parse_video_tag(frame);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->codec, VideoCodec::hevc);
  EXPECT_FALSE(f->keyframe);
  EXPECT_EQ(f->cts_ms, 40);
}

TEST(VideoTag, enhanced_hvc1_sequence_start) {
  // ExHeader | keyframe | SequenceStart, then 'hvc1', then the hvcC record.
  const Bytes body = {0x90, 'h', 'v', 'c', '1', 0x01, 0x01};
  auto v = parse_video_tag(body);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->codec, VideoCodec::hevc);
  EXPECT_TRUE(v->sequence_header);
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(v->header_bytes, 5u);
}

TEST(VideoTag, enhanced_hvc1_coded_frames_carry_a_signed_composition_time) {
  const Bytes key = {0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x50, 0, 0, 0, 1};
  auto k = parse_video_tag(key);
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_TRUE(k->keyframe);
  EXPECT_FALSE(k->sequence_header);
  EXPECT_EQ(k->cts_ms, 80);
  EXPECT_EQ(k->header_bytes, 8u);
  const Bytes inter = {0xA1, 'h', 'v', 'c', '1', 0xFF, 0xFF, 0xD8, 0, 0, 0, 1};
  auto i = parse_video_tag(inter);
  ASSERT_TRUE(i);
  EXPECT_FALSE(i->keyframe);
  EXPECT_EQ(i->cts_ms, -40);
  const Bytes no_cts = {0x91, 'h', 'v', 'c', '1', 0x00, 0x00};
  EXPECT_FALSE(parse_video_tag(no_cts));
}

TEST(VideoTag, enhanced_hvc1_coded_frames_x_have_no_composition_time) {
  const Bytes body = {0xA3, 'h', 'v', 'c', '1', 0, 0, 0, 1, 2};
  auto v = parse_video_tag(body);
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->codec, VideoCodec::hevc);
  EXPECT_FALSE(v->keyframe);
  EXPECT_EQ(v->cts_ms, 0);
  EXPECT_EQ(v->header_bytes, 5u);
}

TEST(VideoTag, enhanced_sequence_end_and_other_fourccs) {
  const Bytes end = {0x92, 'h', 'v', 'c', '1'};
  auto e = parse_video_tag(end);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->end_of_sequence);
  const Bytes av1 = {0x91, 'a', 'v', '0', '1', 0x12};
  ASSERT_TRUE(parse_video_tag(av1));
  EXPECT_EQ(parse_video_tag(av1)->codec, VideoCodec::av1);
  EXPECT_EQ(parse_video_tag(av1)->header_bytes, 5u);
  const Bytes vp9 = {0x90, 'v', 'p', '0', '9', 0x01};
  ASSERT_TRUE(parse_video_tag(vp9));
  EXPECT_EQ(parse_video_tag(vp9)->codec, VideoCodec::vp9);
}

TEST(VideoTag, bad_bodies_are_errors) {
  EXPECT_FALSE(parse_video_tag({}));
  const Bytes short_avc = {0x17, 0x01, 0, 0};
  EXPECT_FALSE(parse_video_tag(short_avc));
  const Bytes bad_avc_type = {0x17, 0x03, 0, 0, 0};
  EXPECT_FALSE(parse_video_tag(bad_avc_type));
  const Bytes short_ex = {0x90, 'h', 'v', 'c'};
  EXPECT_FALSE(parse_video_tag(short_ex));
  const Bytes unknown_fourcc = {0x90, 'x', 'y', 'z', 'w', 0};
  EXPECT_FALSE(parse_video_tag(unknown_fourcc));
  const Bytes unknown_packet_type = {0x9E, 'h', 'v', 'c', '1', 0};
  EXPECT_FALSE(parse_video_tag(unknown_packet_type));
}

TEST(VideoTag, other_legacy_codecs_pass_through) {
  const Bytes vp6 = {0x14, 0x00};
  auto v = parse_video_tag(vp6);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->codec, VideoCodec::unknown);
  EXPECT_TRUE(v->keyframe);
  EXPECT_EQ(v->header_bytes, 1u);
}

// ---------------------------------------------------------------- audio tags

TEST(AudioTag, aac_sequence_header_and_raw_frames) {
  const Bytes seq = {0xAF, 0x00, 0x12, 0x10};
  auto s = parse_audio_tag(seq);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->codec, AudioCodec::aac);
  EXPECT_TRUE(s->sequence_header);
  EXPECT_EQ(s->header_bytes, 2u);
  const Bytes raw = {0xAF, 0x01, 0x21, 0x00};
  auto r = parse_audio_tag(raw);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->sequence_header);
  EXPECT_EQ(r->header_bytes, 2u);
}

TEST(AudioTag, other_formats_are_named) {
  EXPECT_EQ(parse_audio_tag(Bytes{0x2F})->codec, AudioCodec::mp3);
  EXPECT_EQ(parse_audio_tag(Bytes{0x72})->codec, AudioCodec::pcma);
  EXPECT_EQ(parse_audio_tag(Bytes{0x82})->codec, AudioCodec::pcmu);
  EXPECT_EQ(parse_audio_tag(Bytes{0xB6})->codec, AudioCodec::speex);
  EXPECT_EQ(parse_audio_tag(Bytes{0x0F})->codec, AudioCodec::unknown);
  EXPECT_STREQ(to_string(AudioCodec::aac), "aac");
  EXPECT_STREQ(to_string(VideoCodec::hevc), "hevc");
  EXPECT_STREQ(to_string(VideoCodec::h264), "h264");
}

TEST(AudioTag, bad_bodies_are_errors) {
  EXPECT_FALSE(parse_audio_tag({}));
  EXPECT_FALSE(parse_audio_tag(Bytes{0xAF}));
}

}  // namespace
}  // namespace courtcast::media
