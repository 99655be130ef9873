// RTMP URLs: destinations a court types into the console and the config.
// A URL that parses has a host, an application and a stream, and its tcUrl
// and stream name put together parse to the same place again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rtmp/url.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::rtmp;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = parse_url(text);
  if (!url) {
    if (url.error().message.empty()) __builtin_trap();
    return 0;
  }
  const Url& u = *url;
  if (u.scheme != "rtmp" && u.scheme != "rtmps") __builtin_trap();
  if (u.host.empty() || u.app.empty() || u.stream.empty() || u.port == 0) __builtin_trap();
  if (u.app.find('/') != std::string::npos) __builtin_trap();
  auto again = parse_url(u.tc_url + "/" + u.stream);
  if (!again || again->host != u.host || again->port != u.port || again->app != u.app ||
      again->stream != u.stream || again->tc_url != u.tc_url)
    __builtin_trap();
  return 0;
}
