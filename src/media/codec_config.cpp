#include "media/codec_config.hpp"

#include "media/bit_reader.hpp"
#include "media/bytes_io.hpp"

namespace courtcast::media {

std::vector<std::uint8_t> unescape_rbsp(std::span<const std::uint8_t> nal) {
  std::vector<std::uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (std::uint8_t b : nal) {
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

namespace {

// False when a delta_scale is outside -128..127 (H.264 7.4.2.1.1.1): the SPS
// is malformed, and the sum below would overflow an int.
bool skip_scaling_list(BitReader& r, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      const std::int32_t delta_scale = r.se();
      if (delta_scale < -128 || delta_scale > 127) return false;
      next = (last + delta_scale + 256) % 256;
    }
    last = next == 0 ? last : next;
    if (r.overrun()) break;
  }
  return true;
}

}  // namespace

Result<VideoConfig> parse_avc_sps(std::span<const std::uint8_t> nal) {
  if (nal.size() < 4 || (nal[0] & 0x1F) != 7) return make_error("avc: not an SPS NAL unit");
  const auto rbsp = unescape_rbsp(nal.subspan(1));
  BitReader r(rbsp);
  VideoConfig c;
  c.profile = static_cast<std::uint8_t>(r.bits(8));
  r.skip(8);  // constraint flags
  c.level = static_cast<std::uint8_t>(r.bits(8));
  r.ue();  // seq_parameter_set_id
  std::uint32_t chroma_format_idc = 1;
  switch (c.profile) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135: {
      chroma_format_idc = r.ue();
      if (chroma_format_idc > 3) return make_error("avc: SPS chroma_format_idc above 3");
      if (chroma_format_idc == 3) r.skip(1);  // separate_colour_plane_flag
      r.ue();                                 // bit_depth_luma_minus8
      r.ue();                                 // bit_depth_chroma_minus8
      r.skip(1);                              // qpprime_y_zero_transform_bypass_flag
      if (r.bit()) {                          // seq_scaling_matrix_present_flag
        const int lists = chroma_format_idc != 3 ? 8 : 12;
        for (int i = 0; i < lists && !r.overrun(); ++i)
          if (r.bit() && !skip_scaling_list(r, i < 6 ? 16 : 64))
            return make_error("avc: SPS scaling list out of range");
      }
      break;
    }
    default:
      break;
  }
  r.ue();  // log2_max_frame_num_minus4
  const std::uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    r.ue();
  } else if (poc_type == 1) {
    r.skip(1);
    r.se();
    r.se();
    const std::uint32_t cycle = r.ue();
    if (cycle > 255) return make_error("avc: SPS POC cycle longer than 255");
    for (std::uint32_t i = 0; i < cycle; ++i) r.se();
  } else if (poc_type > 2) {
    return make_error("avc: SPS pic_order_cnt_type above 2");
  }
  r.ue();     // max_num_ref_frames
  r.skip(1);  // gaps_in_frame_num_value_allowed_flag
  const std::uint32_t width_mbs = r.ue() + 1;
  const std::uint32_t height_map_units = r.ue() + 1;
  const std::uint32_t frame_mbs_only = r.bit();
  if (!frame_mbs_only) r.skip(1);  // mb_adaptive_frame_field_flag
  r.skip(1);                       // direct_8x8_inference_flag
  std::uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
  if (r.bit()) {
    crop_l = r.ue();
    crop_r = r.ue();
    crop_t = r.ue();
    crop_b = r.ue();
  }
  if (r.overrun()) return make_error("avc: SPS truncated");
  if (width_mbs > 1024 || height_map_units > 1024) return make_error("avc: SPS size out of range");
  const std::uint32_t sub_w = (chroma_format_idc == 1 || chroma_format_idc == 2) ? 2 : 1;
  const std::uint32_t sub_h = chroma_format_idc == 1 ? 2 : 1;
  const std::uint32_t crop_unit_x = chroma_format_idc == 0 ? 1 : sub_w;
  const std::uint32_t crop_unit_y = (chroma_format_idc == 0 ? 1 : sub_h) * (2 - frame_mbs_only);
  const std::uint32_t w = width_mbs * 16;
  const std::uint32_t h = height_map_units * 16 * (2 - frame_mbs_only);
  const std::uint32_t cw = crop_unit_x * (crop_l + crop_r);
  const std::uint32_t ch = crop_unit_y * (crop_t + crop_b);
  if (cw >= w || ch >= h) return make_error("avc: SPS cropping larger than the picture");
  c.width = w - cw;
  c.height = h - ch;
  return c;
}

Result<VideoConfig> parse_avc_config(std::span<const std::uint8_t> rec) {
  if (rec.size() < 8) return make_error("avc: configuration record shorter than 8 bytes");
  if (rec[0] != 1) return make_error("avc: configuration record version is not 1");
  const std::uint8_t nal_length_size = static_cast<std::uint8_t>((rec[4] & 3) + 1);
  const unsigned sps_count = rec[5] & 0x1F;
  if (sps_count == 0) return make_error("avc: configuration record holds no SPS");
  const std::size_t sps_len = read_u16be(rec.data() + 6);
  if (rec.size() < 8 + sps_len) return make_error("avc: configuration record SPS truncated");
  auto c = parse_avc_sps(rec.subspan(8, sps_len));
  if (c) c->nal_length_size = nal_length_size;
  return c;
}

namespace {

void skip_hevc_profile_tier_level(BitReader& r, unsigned max_sub_layers_minus1) {
  r.skip(2 + 1 + 5 + 32 + 48);  // profile space, tier, idc, compat flags, constraint flags
  r.skip(8);                    // general_level_idc
  std::vector<bool> profile_present(max_sub_layers_minus1), level_present(max_sub_layers_minus1);
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = r.bit();
    level_present[i] = r.bit();
  }
  if (max_sub_layers_minus1 > 0)
    for (unsigned i = max_sub_layers_minus1; i < 8; ++i) r.skip(2);
  for (unsigned i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i]) r.skip(88);
    if (level_present[i]) r.skip(8);
  }
}

}  // namespace

Result<VideoConfig> parse_hevc_sps(std::span<const std::uint8_t> nal) {
  if (nal.size() < 4 || ((nal[0] >> 1) & 0x3F) != 33)
    return make_error("hevc: not an SPS NAL unit");
  const auto rbsp = unescape_rbsp(nal.subspan(2));
  BitReader r(rbsp);
  VideoConfig c;
  r.skip(4);  // sps_video_parameter_set_id
  const unsigned max_sub_layers_minus1 = r.bits(3);
  if (max_sub_layers_minus1 > 6) return make_error("hevc: SPS has more than 7 sub-layers");
  r.skip(1);  // temporal_id_nesting
  {
    // profile_idc and level_idc sit at fixed places in the general part.
    BitReader peek = r;
    peek.skip(3);
    c.profile = static_cast<std::uint8_t>(peek.bits(5));
    peek.skip(32 + 48);
    c.level = static_cast<std::uint8_t>(peek.bits(8));
  }
  skip_hevc_profile_tier_level(r, max_sub_layers_minus1);
  r.ue();  // sps_seq_parameter_set_id
  const std::uint32_t chroma_format_idc = r.ue();
  if (chroma_format_idc > 3) return make_error("hevc: SPS chroma_format_idc above 3");
  if (chroma_format_idc == 3) r.skip(1);
  const std::uint32_t w = r.ue();
  const std::uint32_t h = r.ue();
  std::uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
  if (r.bit()) {
    crop_l = r.ue();
    crop_r = r.ue();
    crop_t = r.ue();
    crop_b = r.ue();
  }
  if (r.overrun()) return make_error("hevc: SPS truncated");
  const std::uint32_t sub_w = (chroma_format_idc == 1 || chroma_format_idc == 2) ? 2 : 1;
  const std::uint32_t sub_h = chroma_format_idc == 1 ? 2 : 1;
  const std::uint32_t cw = sub_w * (crop_l + crop_r);
  const std::uint32_t ch = sub_h * (crop_t + crop_b);
  if (w == 0 || h == 0 || w > 16384 || h > 16384 || cw >= w || ch >= h)
    return make_error("hevc: SPS size out of range");
  c.width = w - cw;
  c.height = h - ch;
  return c;
}

Result<VideoConfig> parse_hevc_config(std::span<const std::uint8_t> rec) {
  if (rec.size() < 23) return make_error("hevc: configuration record shorter than 23 bytes");
  if (rec[0] != 1) return make_error("hevc: configuration record version is not 1");
  const std::uint8_t nal_length_size = static_cast<std::uint8_t>((rec[21] & 3) + 1);
  const unsigned arrays = rec[22];
  std::size_t pos = 23;
  for (unsigned a = 0; a < arrays; ++a) {
    if (pos + 3 > rec.size()) return make_error("hevc: configuration record array truncated");
    const unsigned nal_type = rec[pos] & 0x3F;
    const unsigned count = read_u16be(rec.data() + pos + 1);
    pos += 3;
    for (unsigned i = 0; i < count; ++i) {
      if (pos + 2 > rec.size()) return make_error("hevc: configuration record NAL truncated");
      const std::size_t len = read_u16be(rec.data() + pos);
      pos += 2;
      if (pos + len > rec.size()) return make_error("hevc: configuration record NAL truncated");
      if (nal_type == 33) {
        auto c = parse_hevc_sps(rec.subspan(pos, len));
        if (c) c->nal_length_size = nal_length_size;
        return c;
      }
      pos += len;
    }
  }
  return make_error("hevc: configuration record holds no SPS");
}

Result<AudioConfig> parse_aac_config(std::span<const std::uint8_t> asc) {
  static constexpr std::uint32_t kRates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                             22050, 16000, 12000, 11025, 8000,  7350};
  if (asc.size() < 2) return make_error("aac: AudioSpecificConfig shorter than 2 bytes");
  BitReader r(asc);
  AudioConfig c;
  std::uint32_t object_type = r.bits(5);
  if (object_type == 31) object_type = 32 + r.bits(6);
  c.object_type = static_cast<std::uint8_t>(object_type);
  const std::uint32_t rate_index = r.bits(4);
  if (rate_index == 15) {
    c.sample_rate = r.bits(24);
  } else if (rate_index < 13) {
    c.sample_rate = kRates[rate_index];
  } else {
    return make_error("aac: reserved sampling frequency index");
  }
  c.channels = static_cast<std::uint8_t>(r.bits(4));
  if (r.overrun()) return make_error("aac: AudioSpecificConfig truncated");
  if (object_type == 0) return make_error("aac: audio object type 0 is invalid");
  return c;
}

}  // namespace courtcast::media
