#include "program/air_format.hpp"

#include "base/codes.hpp"

namespace courtcast::program {

constexpr base::CodeTable<AirMode, 2> kAirModeCodes = {
    {{AirMode::conform, "conform"}, {AirMode::passthrough, "passthrough"}}};

const char* air_mode_code(AirMode mode) {
  return base::code_of(kAirModeCodes, mode).data();
}

int h264_level_for(const AirFormat& f) {
  const std::int64_t pixels = static_cast<std::int64_t>(f.width) * f.height;
  if (pixels <= 1280 * 720 && f.fps <= 30) return 31;
  if (pixels <= 1920 * 1088 && f.fps <= 30) return 40;
  if (pixels <= 1920 * 1088 && f.fps <= 60) return 42;
  return 51;
}

}  // namespace courtcast::program
