#include "base/log_value.hpp"

#include <cstdint>

namespace courtcast::base {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence at the start of `s` and its code point,
// or 0 when it is not one (overlong, surrogate, past U+10FFFF, truncated).
std::size_t utf8_sequence(std::string_view s, std::uint32_t& cp) {
  const auto b = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  const std::uint8_t c = b(0);
  std::size_t n = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b(i) & 0x3F);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// Code points that print nothing, break a line or reorder what follows.
bool invisible(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || cp == 0x61C || cp == 0x180E ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
         (cp >= 0xE0000 && cp <= 0xE007F);
}

bool plain(char c) {
  return c > ' ' && c < 0x7F && c != '"' && c != '\\' && c != '=';
}

}  // namespace

std::string log_value(std::string_view value) {
  bool bare = !value.empty();
  for (char c : value) bare = bare && plain(c);
  if (bare && value.size() <= kLogValueMaxBytes) return std::string(value);

  std::string out = "\"";
  out.reserve(std::min(value.size(), kLogValueMaxBytes) + 24);
  std::size_t i = 0;
  while (i < value.size() && out.size() < kLogValueMaxBytes) {
    const auto c = static_cast<std::uint8_t>(value[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '"' || c == '\\') out += '\\';
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::uint32_t cp = 0;
    const std::size_t n = c >= 0x80 ? utf8_sequence(value.substr(i), cp) : 0;
    if (n == 0) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    } else if (invisible(cp)) {
      out += cp > 0xFFFF ? "\\U" : "\\u";
      for (int shift = cp > 0xFFFF ? 28 : 12; shift >= 0; shift -= 4)
        out += kHex[(cp >> shift) & 0xF];
      i += n;
    } else {
      out.append(value.substr(i, n));
      i += n;
    }
  }
  if (i < value.size()) out += "...(+" + std::to_string(value.size() - i) + " bytes)";
  out += '"';
  return out;
}

}  // namespace courtcast::base
