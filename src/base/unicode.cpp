#include "base/unicode.hpp"

#include <cstdio>

namespace courtcast::base {

char32_t next_code_point(std::string_view& s) {
  constexpr char32_t kBad = 0xFFFD;
  const auto b0 = static_cast<unsigned char>(s[0]);
  int extra = 0;
  char32_t c = 0;
  if (b0 < 0x80) {
    s.remove_prefix(1);
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    extra = 1, c = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2, c = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3, c = b0 & 0x07;
  } else {
    s.remove_prefix(1);
    return kBad;
  }
  if (s.size() <= static_cast<std::size_t>(extra)) {
    s = {};
    return kBad;
  }
  for (int i = 1; i <= extra; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) {
      s.remove_prefix(i);
      return kBad;
    }
    c = (c << 6) | (b & 0x3F);
  }
  s.remove_prefix(extra + 1);
  // Overlong forms, surrogates and past U+10FFFF are not characters.
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (c < kMin[extra] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) return kBad;
  return c;
}

std::string code_point_name(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}

std::optional<std::string> unsafe_text(std::string_view utf8) {
  std::size_t at = 0;
  while (!utf8.empty()) {
    const bool replacement = utf8.starts_with("\xEF\xBF\xBD");
    const char32_t c = next_code_point(utf8);
    ++at;
    const char* what = nullptr;
    if (c == 0xFFFD && !replacement)
      what = "invalid UTF-8";
    else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F))
      what = "a control character";
    else if (c == 0x200E || c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E) ||
             (c >= 0x2066 && c <= 0x2069))
      what = "a bidi control";
    else if (c == 0x2028 || c == 0x2029)
      what = "a line separator";
    if (what)
      return code_point_name(c == 0xFFFD ? 0xFFFD : c) + " (" + what + ") at character " +
             std::to_string(at);
  }
  return std::nullopt;
}

bool username_letter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK Unified Ideographs
         (c >= 0x3400 && c <= 0x4DBF);    // Extension A (rare surnames)
}

}  // namespace courtcast::base
