// The TOML configuration: toml++ parses the text, app::parse_config checks
// every key and value. A file an operator edits is not network input, but a
// typo must give a message with its line, never a crash. A config that is
// accepted names listen addresses that parse, and streams with names.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::app;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = parse_config(text, "fuzz.toml");
  if (!config) {
    if (config.error().message.empty()) __builtin_trap();
    return 0;
  }
  for (const auto* listen : {&config->rtmp_listen, &config->http_listen, &config->srt_listen})
    (void)parse_listen(*listen);
  for (const auto& s : config->streams)
    if (s.name.empty()) __builtin_trap();
  for (const auto& p : config->programs) (void)program_air(p.air);
  return 0;
}
