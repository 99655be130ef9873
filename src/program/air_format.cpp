#include "program/air_format.hpp"

namespace courtcast::program {

const char* air_mode_code(AirMode mode) {
  return mode == AirMode::passthrough ? "passthrough" : "conform";
}

std::optional<AirMode> parse_air_mode(const std::string& code) {
  if (code == "conform") return AirMode::conform;
  if (code == "passthrough") return AirMode::passthrough;
  return std::nullopt;
}

int h264_level_for(const AirFormat& f) {
  const std::int64_t pixels = static_cast<std::int64_t>(f.width) * f.height;
  if (pixels <= 1280 * 720 && f.fps <= 30) return 31;
  if (pixels <= 1920 * 1088 && f.fps <= 30) return 40;
  if (pixels <= 1920 * 1088 && f.fps <= 60) return 42;
  return 51;
}

}  // namespace courtcast::program
