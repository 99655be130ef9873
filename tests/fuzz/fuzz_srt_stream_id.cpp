// The SRT stream id a caller sends in its handshake, before any admission:
// both forms. An id that parses names an application and a stream of the
// allowed characters, and written back in the access-control form it parses
// to the same id.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "srt/stream_id.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::srt;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto id = parse_stream_id(text);
  if (!id) {
    if (id.error().message.empty()) __builtin_trap();
    return 0;
  }
  for (const std::string* s : {&id->app, &id->name}) {
    if (s->empty() || s->size() > 128) __builtin_trap();
    for (char c : *s)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.'))
        __builtin_trap();
  }
  if (id->key.find(',') == std::string::npos) {
    const std::string canonical =
        "#!::r=" + id->app + "/" + id->name +
        ",m=" + (id->mode == StreamMode::publish ? "publish" : "request") + ",s=" + id->key;
    auto again = parse_stream_id(canonical);
    if (!again || again->app != id->app || again->name != id->name || again->mode != id->mode ||
        again->key != id->key)
      __builtin_trap();
  }
  return 0;
}
