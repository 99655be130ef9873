// Query strings, path segments and Cookie headers: what every HTTP request
// and RTMP/SRT publish URL brings. The first line of the input is the name
// looked up, the rest the text. Checks what the functions promise: decoding
// never grows the text, segments are non-empty views into the path without
// '/', and a found value is a piece of the text after "name=".
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::base;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  const std::string_view name = nl == std::string_view::npos ? "key" : input.substr(0, nl);
  const std::string_view text = nl == std::string_view::npos ? input : input.substr(nl + 1);

  if (percent_decode(text).size() > text.size()) __builtin_trap();
  if (auto v = query_value(text, name)) {
    if (v->size() > text.size()) __builtin_trap();
  }
  for (const auto segment : path_segments(text)) {
    if (segment.empty() || segment.find('/') != std::string_view::npos) __builtin_trap();
    if (segment.data() < text.data() || segment.data() + segment.size() > text.data() + text.size())
      __builtin_trap();
  }
  const auto cookie = cookie_value(text, name);
  if (!cookie.empty()) {
    if (cookie.find(';') != std::string::npos) __builtin_trap();
    if (text.find(std::string(name) + "=" + cookie) == std::string_view::npos) __builtin_trap();
  }
  return 0;
}
