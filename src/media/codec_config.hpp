#pragma once
// Decoder configuration records (AVC avcC, HEVC hvcC, AAC AudioSpecificConfig)
// and the parameter-set fields the API reports: codec, profile, size, rate.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "media/result.hpp"

namespace courtcast::media {

struct VideoConfig {
  std::uint8_t profile = 0;
  std::uint8_t level = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint8_t nal_length_size = 4;
};

// AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3) and its first SPS.
Result<VideoConfig> parse_avc_config(std::span<const std::uint8_t> record);
// HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3) and its first SPS.
Result<VideoConfig> parse_hevc_config(std::span<const std::uint8_t> record);

// Raw SPS NAL unit payloads, header byte(s) included.
Result<VideoConfig> parse_avc_sps(std::span<const std::uint8_t> nal);
Result<VideoConfig> parse_hevc_sps(std::span<const std::uint8_t> nal);

struct AudioConfig {
  std::uint8_t object_type = 0;  // 2 = AAC-LC
  std::uint32_t sample_rate = 0;
  std::uint8_t channels = 0;
};

// AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1).
Result<AudioConfig> parse_aac_config(std::span<const std::uint8_t> asc);

// Removes emulation-prevention bytes (00 00 03) from a NAL unit.
std::vector<std::uint8_t> unescape_rbsp(std::span<const std::uint8_t> nal);

}  // namespace courtcast::media
