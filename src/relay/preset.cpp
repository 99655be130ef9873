#include "relay/preset.hpp"

namespace courtcast::relay {

namespace {

struct PresetName {
  Preset preset;
  const char* name;
};
constexpr PresetName kPresets[] = {
    {Preset::wechat_channels, "wechat_channels"},
    {Preset::weibo, "weibo"},
    {Preset::toutiao, "toutiao"},
    {Preset::douyin, "douyin"},
    {Preset::kuaishou, "kuaishou"},
    {Preset::feitian_cloud, "feitian_cloud"},
    {Preset::bilibili, "bilibili"},
    {Preset::custom, "custom"},
};

}  // namespace

const char* to_string(Preset p) {
  for (const auto& e : kPresets)
    if (e.preset == p) return e.name;
  return "custom";
}

const std::string& preset_codes() {
  static const std::string codes = [] {
    std::string out;
    for (const auto& e : kPresets) out += (out.empty() ? "" : ", ") + std::string(e.name);
    return out;
  }();
  return codes;
}

bool parse_preset(const std::string& text, Preset& out) {
  for (const auto& e : kPresets)
    if (text == e.name) {
      out = e.preset;
      return true;
    }
  return false;
}

}  // namespace courtcast::relay
