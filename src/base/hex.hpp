#pragma once
// Lowercase hex, the one spelling of digests, keys and tokens in files, logs
// and the API.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace courtcast::base {

std::string to_hex(std::span<const std::uint8_t> bytes);
inline std::string to_hex(std::string_view bytes) {
  return to_hex({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}

// The value of one hex digit (either case), or -1.
int hex_digit(char c);

// The bytes of an even-length hex text (either case); nullopt for anything else.
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex);

}  // namespace courtcast::base
