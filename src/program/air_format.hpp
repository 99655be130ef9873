#pragma once
// What air looks like on the wire (issue 15): conformed to one fixed format by
// the air encoder, or passed through as the cameras send it. A session's or
// a [[program]]'s format never changes while it is on air, so neither do
// air's sequence headers.

#include <cstdint>
#include <optional>
#include <string>

namespace courtcast::program {

enum class AirMode : std::uint8_t { conform, passthrough };

const char* air_mode_code(AirMode mode);

struct AirFormat {
  AirMode mode = AirMode::conform;
  int width = 1280;
  int height = 720;
  int fps = 25;
  std::int64_t video_bitrate_bps = 2'500'000;
  std::int64_t audio_bitrate_bps = 128'000;
  std::string preset = "veryfast";  // x264's
  // Fixed for every session: AAC-LC, 48 kHz, stereo.
  static constexpr int kSampleRate = 48'000;
  static constexpr int kChannels = 2;

  bool operator==(const AirFormat&) const = default;
};

// The H.264 level air announces, from its size and rate (fixed for a format,
// whatever the cameras send): 3.1 up to 720p30, 4.0 up to 1080p30, 4.2 up
// to 1080p60, 5.1 above.
int h264_level_for(const AirFormat& format);

}  // namespace courtcast::program
