#pragma once
// Digests, random tokens and comparing secrets, all through OpenSSL.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace courtcast::base {

// SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::span<const std::uint8_t> data);
inline std::string sha256_hex(std::string_view data) {
  return sha256_hex({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
}

// `bytes` bytes from the system's cryptographic generator, as 2 × bytes hex
// digits. Throws if the generator fails: a guessable token is worse than none.
std::string random_hex(std::size_t bytes);

// Equal, in a time that tells nothing about where two secrets differ (only
// their lengths).
bool same_secret(std::string_view a, std::string_view b);

}  // namespace courtcast::base
