#include "court/air_format.hpp"

#include <array>

#include "base/codes.hpp"

namespace courtcast::court {

namespace {
constexpr std::array<std::string_view, 9> kPresets = {
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"};
}  // namespace

constexpr base::CodeTable<AirMode, 2> kAirModes = {
    {{AirMode::conform, "conform"}, {AirMode::passthrough, "passthrough"}}};

std::string_view air_mode_code(AirMode mode) {
  return base::code_of(kAirModes, mode);
}

std::optional<AirMode> air_mode_from_code(std::string_view code) {
  return base::from_code(kAirModes, code);
}

const std::string& air_mode_codes() {
  static const std::string codes = base::codes_list(kAirModes);
  return codes;
}

Result<void> validate_air_format(const AirFormat& f) {
  if (f.width < 160 || f.width > 3840 || f.width % 2 != 0)
    return fail(Rule::invalid_input, "air width: must be an even number from 160 to 3840");
  if (f.height < 90 || f.height > 2160 || f.height % 2 != 0)
    return fail(Rule::invalid_input, "air height: must be an even number from 90 to 2160");
  if (f.fps < 1 || f.fps > 60) return fail(Rule::invalid_input, "air fps: must be from 1 to 60");
  if (f.video_bitrate_kbps < 100 || f.video_bitrate_kbps > 50'000)
    return fail(Rule::invalid_input, "air video_bitrate_kbps: must be from 100 to 50000");
  if (f.audio_bitrate_kbps < 32 || f.audio_bitrate_kbps > 320)
    return fail(Rule::invalid_input, "air audio_bitrate_kbps: must be from 32 to 320");
  bool known = false;
  for (auto p : kPresets) known = known || p == f.preset;
  if (!known) {
    std::string list;
    for (auto p : kPresets) list += (list.empty() ? "" : ", ") + std::string(p);
    return fail(Rule::invalid_input, "air preset: must be one of " + list);
  }
  return {};
}

}  // namespace courtcast::court
