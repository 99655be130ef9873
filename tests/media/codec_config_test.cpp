// Codec configuration parsing against real records from FFmpeg (media_samples.hpp):
// sizes, profiles, cropping, rates, and bad or truncated records.

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "media/bit_reader.hpp"
#include "media/codec_config.hpp"
#include "media_samples.hpp"

namespace courtcast::media {
namespace {

using namespace courtcast::test;

using Record = std::vector<std::uint8_t>;

Record record(std::span<const std::uint8_t> bytes) {
  return Record(bytes.begin(), bytes.end());
}

// The SPS NAL unit inside an avcC record.
std::span<const std::uint8_t> avc_sps(std::span<const std::uint8_t> rec) {
  return rec.subspan(8, static_cast<std::size_t>(rec[6]) << 8 | rec[7]);
}

TEST(AvcConfig, high_720p_from_libx264) {
  auto c = parse_avc_config(kAvc1280x720);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 1280u);
  EXPECT_EQ(c->height, 720u);
  EXPECT_EQ(c->profile, 100);  // libx264 picks High unless told otherwise
  EXPECT_EQ(c->level, 31);
  EXPECT_EQ(c->nal_length_size, 4);
}

TEST(AvcConfig, qhd_540p_is_cropped_from_544) {
  auto c = parse_avc_config(kAvc960x540);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 960u);
  EXPECT_EQ(c->height, 540u);
  EXPECT_EQ(c->profile, 100);
}

TEST(AvcConfig, high_profile_1080p_is_cropped_from_1088) {
  auto c = parse_avc_config(kAvcHigh1920x1080);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 1920u);
  EXPECT_EQ(c->height, 1080u);
  EXPECT_EQ(c->profile, 100);
  EXPECT_EQ(c->level, 40);
}

TEST(AvcConfig, constrained_baseline_360p_has_no_high_profile_fields) {
  auto c = parse_avc_config(kAvcBaseline640x360);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 640u);
  EXPECT_EQ(c->height, 360u);
  EXPECT_EQ(c->profile, 66);
  EXPECT_EQ(c->level, 30);
}

TEST(AvcConfig, high_444_crops_in_single_luma_samples) {
  // 4:4:4 crops in units of 1 sample: 864 - 10 = 854.
  auto c = parse_avc_config(kAvcHigh444_854x480);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 854u);
  EXPECT_EQ(c->height, 480u);
  EXPECT_EQ(c->profile, 244);
}

TEST(AvcConfig, interlaced_height_counts_both_fields) {
  auto c = parse_avc_config(kAvcInterlaced1280x720);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 1280u);
  EXPECT_EQ(c->height, 720u);
}

TEST(AvcConfig, sps_alone_parses_like_the_record) {
  auto c = parse_avc_sps(avc_sps(kAvcHigh1920x1080));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 1920u);
  EXPECT_EQ(c->height, 1080u);
}

TEST(AvcConfig, nal_length_size_comes_from_the_record) {
  auto rec = record(kAvc1280x720);
  rec[4] = 0xFC | 1;  // lengthSizeMinusOne = 1
  auto c = parse_avc_config(rec);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->nal_length_size, 2);
}

TEST(AvcConfig, bad_records_are_errors) {
  EXPECT_FALSE(parse_avc_config({}));
  auto rec = record(kAvc1280x720);
  auto wrong_version = rec;
  wrong_version[0] = 0;
  EXPECT_FALSE(parse_avc_config(wrong_version));
  auto no_sps = rec;
  no_sps[5] = 0xE0;
  EXPECT_FALSE(parse_avc_config(no_sps));
  auto not_sps = rec;
  not_sps[8] = 0x68;  // a PPS where the SPS belongs
  EXPECT_FALSE(parse_avc_config(not_sps));
  auto long_sps = rec;
  long_sps[7] = 0xF0;  // SPS length past the end
  EXPECT_FALSE(parse_avc_config(long_sps));
}

TEST(AvcConfig, every_truncation_is_an_error_never_a_crash) {
  const auto rec = record(kAvcHigh1920x1080);
  const std::size_t sps_end = 8 + avc_sps(rec).size();
  for (std::size_t n = 0; n < sps_end; ++n) {
    auto shorter = Record(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_avc_config(shorter)) << "length " << n;
  }
}

TEST(AvcConfig, truncated_sps_is_an_error) {
  // The SPS length field is consistent, but the SPS ends before the size fields.
  const auto sps = avc_sps(kAvc1280x720);
  for (std::size_t n = 4; n < 10; ++n) {
    EXPECT_FALSE(parse_avc_sps(sps.first(n))) << "length " << n;
  }
}

TEST(AvcConfig, a_scaling_delta_out_of_range_is_an_error) {
  // High profile SPS whose first scaling list starts with delta_scale =
  // 2^31 - 1 (the range is -128..127): found by fuzz_flv as a signed overflow.
  std::vector<std::uint8_t> sps = {0x67, 100, 0x00, 0x1F};
  int used = 0;
  auto put = [&](std::uint64_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) {
      if (used % 8 == 0) sps.push_back(0);
      if ((value >> i) & 1) sps.back() |= static_cast<std::uint8_t>(0x80 >> (used % 8));
      ++used;
    }
  };
  put(1, 1);            // seq_parameter_set_id ue(0)
  put(2, 3);            // chroma_format_idc ue(1)
  put(1, 1);            // bit_depth_luma_minus8 ue(0)
  put(1, 1);            // bit_depth_chroma_minus8 ue(0)
  put(0, 1);            // qpprime_y_zero_transform_bypass_flag
  put(1, 1);            // seq_scaling_matrix_present_flag
  put(1, 1);            // seq_scaling_list_present_flag[0]
  put(0, 31);           // delta_scale se(2^31 - 1): ue(2^32 - 3) is 31 zeros,
  put(1, 1);            // a one
  put(0x7FFFFFFE, 31);  // and 31 bits of 2^31 - 2
  put(0xFFFFFFFF, 32);  // the rest: ones (ue(0) each)
  auto c = parse_avc_sps(sps);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "avc: SPS scaling list out of range");
}

TEST(HevcConfig, main_720p_from_libx265) {
  auto c = parse_hevc_config(kHevc1280x720);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 1280u);
  EXPECT_EQ(c->height, 720u);
  EXPECT_EQ(c->profile, 1);  // Main
  EXPECT_EQ(c->level, 93);   // level 3.1
  EXPECT_EQ(c->nal_length_size, 4);
}

TEST(HevcConfig, conformance_window_crops_856_to_854) {
  auto c = parse_hevc_config(kHevc854x480);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->width, 854u);
  EXPECT_EQ(c->height, 480u);
  EXPECT_EQ(c->level, 90);
}

TEST(HevcConfig, bad_records_are_errors) {
  EXPECT_FALSE(parse_hevc_config({}));
  auto rec = record(kHevc1280x720);
  auto wrong_version = rec;
  wrong_version[0] = 0;
  EXPECT_FALSE(parse_hevc_config(wrong_version));
  auto no_arrays = Record(rec.begin(), rec.begin() + 23);
  no_arrays[22] = 0;
  EXPECT_FALSE(parse_hevc_config(no_arrays));
  auto only_vps = rec;
  only_vps[22] = 1;
  EXPECT_FALSE(parse_hevc_config(only_vps));
}

TEST(HevcConfig, every_truncation_is_an_error_never_a_crash) {
  const auto rec = record(kHevc1280x720);
  // Past the SPS the record is only a PPS array, which the parser need not read.
  const std::size_t pps_array_bytes = 3 + 2 + 7;
  for (std::size_t n = 0; n < rec.size() - pps_array_bytes; ++n) {
    auto shorter = Record(rec.begin(), rec.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse_hevc_config(shorter)) << "length " << n;
  }
}

TEST(AacConfig, lc_44100_stereo) {
  auto c = parse_aac_config(kAacLc44100Stereo);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->object_type, 2);
  EXPECT_EQ(c->sample_rate, 44100u);
  EXPECT_EQ(c->channels, 2);
}

TEST(AacConfig, lc_48000_mono) {
  auto c = parse_aac_config(kAacLc48000Mono);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->object_type, 2);
  EXPECT_EQ(c->sample_rate, 48000u);
  EXPECT_EQ(c->channels, 1);
}

TEST(AacConfig, explicit_sample_rate_is_read_from_24_bits) {
  // object 2, index 15, rate 22000 (0x0055F0), 2 channels.
  const std::uint8_t asc[] = {0x17, 0x80, 0x2A, 0xF8, 0x10};
  auto c = parse_aac_config(asc);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->sample_rate, 22000u);
  EXPECT_EQ(c->channels, 2);
}

TEST(AacConfig, escaped_object_type_is_32_plus_six_bits) {
  // 31 then 6 bits 000010 = object 34, index 3 (48000), 1 channel.
  const std::uint8_t asc[] = {0xF8, 0x46, 0x20};
  auto c = parse_aac_config(asc);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->object_type, 34);
  EXPECT_EQ(c->sample_rate, 48000u);
  EXPECT_EQ(c->channels, 1);
}

TEST(AacConfig, bad_configs_are_errors) {
  EXPECT_FALSE(parse_aac_config({}));
  const std::uint8_t one_byte[] = {0x12};
  EXPECT_FALSE(parse_aac_config(one_byte));
  const std::uint8_t reserved_rate[] = {0x16, 0x90};  // index 13
  EXPECT_FALSE(parse_aac_config(reserved_rate));
  const std::uint8_t object_zero[] = {0x02, 0x10};
  EXPECT_FALSE(parse_aac_config(object_zero));
  const std::uint8_t explicit_rate_truncated[] = {0x17, 0x80};
  EXPECT_FALSE(parse_aac_config(explicit_rate_truncated));
}

TEST(Rbsp, emulation_prevention_bytes_are_removed) {
  const std::uint8_t nal[] = {0x67, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03};
  const Record want = {0x67, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(unescape_rbsp(nal), want);
}

TEST(Rbsp, a_three_not_after_two_zeros_is_kept) {
  const std::uint8_t nal[] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x03};
  const Record want = {0x00, 0x03, 0x00, 0x00, 0x00, 0x03};
  EXPECT_EQ(unescape_rbsp(nal), want);
}

TEST(BitReader, reads_bits_and_exp_golomb_codes) {
  // 101 | 1 (ue 0) | 010 (ue 1) | 011 (ue 2) | 00100 (ue 3) | 00101 (se -2) | 011 (se -1)...
  const std::uint8_t data[] = {0b1011'0100, 0b1100'1000, 0b0101'0110};
  BitReader r(data);
  EXPECT_EQ(r.bits(3), 5u);
  EXPECT_EQ(r.ue(), 0u);
  EXPECT_EQ(r.ue(), 1u);
  EXPECT_EQ(r.ue(), 2u);
  EXPECT_EQ(r.ue(), 3u);
  EXPECT_EQ(r.se(), -2);
  EXPECT_EQ(r.se(), -1);
  EXPECT_FALSE(r.overrun());
  EXPECT_EQ(r.bits(8), 0u);
  EXPECT_TRUE(r.overrun());
}

TEST(BitReader, exp_golomb_of_all_zeros_overruns_instead_of_looping) {
  const std::uint8_t zeros[8] = {};
  BitReader r(zeros);
  EXPECT_EQ(r.ue(), 0u);
  EXPECT_TRUE(r.overrun());
}

}  // namespace
}  // namespace courtcast::media
