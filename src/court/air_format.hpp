#pragma once
// What a broadcast's air looks like (issue 15): conformed by the air encoder
// to one fixed format (the default, because a court cannot know what cameras
// the field brings), or passed through as the cameras send it. Fixed for as
// long as the broadcast is on air.

#include <optional>
#include <string>
#include <string_view>

#include "court/error.hpp"

namespace courtcast::court {

enum class AirMode { conform, passthrough };

std::string_view air_mode_code(AirMode mode);
std::optional<AirMode> air_mode_from_code(std::string_view code);
const std::string& air_mode_codes();  // "conform, passthrough": for "one of …"

struct AirFormat {
  AirMode mode = AirMode::conform;
  int width = 1280;
  int height = 720;
  int fps = 25;
  int video_bitrate_kbps = 2500;
  int audio_bitrate_kbps = 128;
  std::string preset = "veryfast";  // x264's

  bool operator==(const AirFormat&) const = default;
};

// Even sizes from 160x90 to 3840x2160, 1-60 fps, video 100-50000 kbps, audio
// 32-320 kbps, one of x264's presets. Messages name the field ("air width: …").
Result<void> validate_air_format(const AirFormat& format);

}  // namespace courtcast::court
