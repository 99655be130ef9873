#include "relay/preset.hpp"

#include "base/codes.hpp"

namespace courtcast::relay {

namespace {

constexpr base::CodeTable<Preset, 8> kPresets = {{
    {Preset::wechat_channels, "wechat_channels"},
    {Preset::weibo, "weibo"},
    {Preset::toutiao, "toutiao"},
    {Preset::douyin, "douyin"},
    {Preset::kuaishou, "kuaishou"},
    {Preset::feitian_cloud, "feitian_cloud"},
    {Preset::bilibili, "bilibili"},
    {Preset::custom, "custom"},
}};

}  // namespace

const char* to_string(Preset p) {
  return base::code_of(kPresets, p, "custom").data();
}

const std::string& preset_codes() {
  static const std::string codes = base::codes_list(kPresets);
  return codes;
}

bool parse_preset(const std::string& text, Preset& out) {
  const auto p = base::from_code(kPresets, text);
  if (p) out = *p;
  return p.has_value();
}

}  // namespace courtcast::relay
