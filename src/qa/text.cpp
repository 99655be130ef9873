#include "qa/text.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <memory>
#include <utility>

namespace courtcast::qa {
namespace {

struct Pair {
  char32_t from;
  char32_t to;
};

// OpenCC's t2s characters, generated at build time by make_t2s_table.
constexpr Pair kT2s[] = {
#include "qa/t2s_table.inc"
};

// The basic multilingual plane as a flat table (128 KiB, built once), the
// few supplementary-plane entries by binary search: folding runs for every
// character of every question.
struct T2sTable {
  std::unique_ptr<char16_t[]> bmp{new char16_t[0x10000]};
  std::vector<Pair> astral;
  // A BMP character mapping outside the BMP is marked with this value.
  static constexpr char16_t kAstral = 0xFFFF;

  T2sTable() {
    for (std::uint32_t i = 0; i < 0x10000; ++i) bmp[i] = static_cast<char16_t>(i);
    for (const auto& p : kT2s) {
      if (p.from < 0x10000 && p.to < 0x10000) {
        bmp[p.from] = static_cast<char16_t>(p.to);
      } else {
        if (p.from < 0x10000) bmp[p.from] = kAstral;
        astral.push_back(p);
      }
    }
  }

  char32_t lookup(char32_t cp) const {
    if (cp < 0x10000) {
      const char16_t v = bmp[cp];
      if (v != kAstral || cp == 0xFFFF) return v;
    }
    auto it = std::lower_bound(astral.begin(), astral.end(), cp,
                               [](const Pair& p, char32_t c) { return p.from < c; });
    return it != astral.end() && it->from == cp ? it->to : cp;
  }
};

const T2sTable& t2s() {
  static const T2sTable table;
  return table;
}

char32_t ascii_lower(char32_t c) {
  return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
}

// Mathematical Alphanumeric Symbols: 13 styles of A–Z a–z, then 5 of 0–9.
char32_t fold_math(char32_t c) {
  if (c >= 0x1D400 && c <= 0x1D6A3) {
    const char32_t i = (c - 0x1D400) % 52;
    return i < 26 ? 'a' + i : 'a' + (i - 26);
  }
  if (c >= 0x1D7CE && c <= 0x1D7FF) return '0' + (c - 0x1D7CE) % 10;
  return c;
}

}  // namespace

std::vector<Char> decode(std::string_view text) {
  const std::size_t size =
      std::min<std::size_t>(text.size(), std::numeric_limits<std::uint32_t>::max());
  std::vector<Char> out;
  out.reserve(size);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  while (i < size) {
    const unsigned char b = s[i];
    char32_t cp = 0xFFFD;
    std::size_t n = 1;
    if (b < 0x80) {
      cp = b;
    } else {
      std::size_t len = (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
      if (len != 0 && i + len <= size) {
        char32_t v = len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
        bool ok = true;
        for (std::size_t k = 1; k < len; ++k) {
          if ((s[i + k] & 0xC0) != 0x80) {
            ok = false;
            break;
          }
          v = (v << 6) | (s[i + k] & 0x3F);
        }
        static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (ok && v >= kMin[len] && v <= 0x10FFFF && !(v >= 0xD800 && v <= 0xDFFF)) {
          cp = v;
          n = len;
        }
      }
    }
    out.push_back({cp, static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + n)});
    i += n;
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

char32_t fold(char32_t c) {
  if (c < 0x80) return ascii_lower(c);
  if (c >= 0xFF01 && c <= 0xFF5E) return ascii_lower(c - 0xFEE0);  // full-width ASCII
  if (c < 0x100) {
    if (c == 0xA0) return ' ';
    if (c == 0xB2 || c == 0xB3) return '2' + (c - 0xB2);
    if (c == 0xB9) return '1';
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
    return c;
  }
  if (c < 0x2000) return c;
  if (c <= 0x200A || c == 0x202F || c == 0x205F || c == 0x3000) return ' ';
  if (c == 0x2070) return '0';
  if (c >= 0x2074 && c <= 0x2079) return '4' + (c - 0x2074);
  if (c >= 0x2080 && c <= 0x2089) return '0' + (c - 0x2080);
  if (c >= 0x2460 && c <= 0x2468) return '1' + (c - 0x2460);  // ①–⑨
  if (c == 0x24EA) return '0';                                // ⓪
  if (c >= 0x24B6 && c <= 0x24CF) return 'a' + (c - 0x24B6);  // Ⓐ–Ⓩ
  if (c >= 0x24D0 && c <= 0x24E9) return 'a' + (c - 0x24D0);  // ⓐ–ⓩ
  if (c >= 0xFF61 && c <= 0xFF64) {                           // half-width CJK punctuation
    static constexpr char32_t kHalf[] = {0x3002, 0x300C, 0x300D, 0x3001};
    return kHalf[c - 0xFF61];
  }
  if (c >= 0x1D400 && c <= 0x1D7FF) return fold_math(c);
  if (c >= 0x3400) return t2s().lookup(c);
  return c;
}

bool is_invisible(char32_t c) {
  return c == 0xAD || c == 0x34F || (c >= 0x200B && c <= 0x200F) || (c >= 0x2060 && c <= 0x2064) ||
         c == 0xFEFF || c == 0x180E;
}

bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x61C;
}

bool is_noise(char32_t c) {
  if (c < 0x80) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    return !alnum;
  }
  if (c < 0xC0) return c != 0xAA && c != 0xB5 && c != 0xBA;  // C1 controls, Latin-1 symbols
  if (c == 0xD7 || c == 0xF7) return true;
  if (c >= 0x300 && c <= 0x36F) return true;    // combining marks
  if (c == 0x61C || c == 0x180E) return true;   // format characters
  if (c >= 0x2000 && c <= 0x2BFF) return true;  // punctuation, symbols, arrows, shapes, dingbats
  if (c >= 0x2E00 && c <= 0x2E7F) return true;  // supplemental punctuation
  if (c >= 0x3000 && c <= 0x303F) return c < 0x3005 || c > 0x3007;  // CJK punctuation; 々〆〇 read
  if (c == 0x30FB) return true;                                     // katakana middle dot
  if (c >= 0xE000 && c <= 0xF8FF) return true;                      // private use
  if (c >= 0xFE00 && c <= 0xFE6F) return true;  // variation selectors, vertical and small forms
  if (c >= 0xFF00 && c <= 0xFF0F) return true;  // full-width forms fold() did not fold
  if (c >= 0xFF5F && c <= 0xFF65) return true;
  if (c >= 0xFFE0 && c <= 0xFFFF) return true;    // full-width symbols, specials, U+FFFD
  if (c >= 0x1F000 && c <= 0x1FAFF) return true;  // emoji, pictographs, playing cards
  if (c >= 0xE0000 && c <= 0xE01EF) return true;  // tags, variation selectors supplement
  return c == 0xFEFF;
}

std::string normalize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const auto& ch : decode(text)) {
    const char32_t f = fold(ch.cp);
    if (!is_noise(f)) append_utf8(out, f);
  }
  return out;
}

}  // namespace courtcast::qa
