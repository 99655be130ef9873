#pragma once
// Platform presets: which platform a destination pushes to. Apart from the
// destination's push loop so that the config reader (and its fuzzer) can
// check a preset without linking the relay.

#include <string>

namespace courtcast::relay {

// Platform presets name the platform; the URL and key come from its console.
enum class Preset {
  wechat_channels,
  weibo,
  toutiao,
  douyin,
  kuaishou,
  feitian_cloud,
  bilibili,
  custom
};
const char* to_string(Preset p);
bool parse_preset(const std::string& text, Preset& out);
// "wechat_channels, weibo, …, custom": every code, for "one of …" messages.
const std::string& preset_codes();

}  // namespace courtcast::relay
