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

// Unicode's NFKC + case folding, one character to one character; generated
// by make_fold_table.py and committed.
constexpr Pair kNfkcFold[] = {
#include "qa/fold_table.inc"
};

// OpenCC's t2s characters, generated at build time by make_t2s_table.
constexpr Pair kT2s[] = {
#include "qa/t2s_table.inc"
};

template <std::size_t N>
char32_t lookup(const Pair (&table)[N], char32_t cp) {
  const auto* it = std::lower_bound(std::begin(table), std::end(table), cp,
                                    [](const Pair& p, char32_t c) { return p.from < c; });
  return it != std::end(table) && it->from == cp ? it->to : cp;
}

// Both tables composed: the basic multilingual plane as a flat array
// (256 KiB, built once), the few supplementary-plane entries by binary
// search. Folding runs for every character of every question.
struct FoldTable {
  std::unique_ptr<char32_t[]> bmp{new char32_t[0x10000]};
  std::vector<Pair> astral;

  static char32_t compose(char32_t c) {
    if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
    return lookup(kT2s, lookup(kNfkcFold, c));
  }

  FoldTable() {
    for (char32_t c = 0; c < 0x10000; ++c) bmp[c] = compose(c);
    const auto add_astral = [this](const auto& table) {
      for (const auto& p : table) {
        if (p.from >= 0x10000 && compose(p.from) != p.from)
          astral.push_back({p.from, compose(p.from)});
      }
    };
    add_astral(kNfkcFold);
    add_astral(kT2s);
    std::sort(astral.begin(), astral.end(),
              [](const Pair& a, const Pair& b) { return a.from < b.from; });
    astral.erase(std::unique(astral.begin(), astral.end(),
                             [](const Pair& a, const Pair& b) { return a.from == b.from; }),
                 astral.end());
  }

  char32_t operator()(char32_t cp) const {
    if (cp < 0x10000) return bmp[cp];
    auto it = std::lower_bound(astral.begin(), astral.end(), cp,
                               [](const Pair& p, char32_t c) { return p.from < c; });
    return it != astral.end() && it->from == cp ? it->to : cp;
  }
};

const FoldTable& fold_table() {
  static const FoldTable table;
  return table;
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
  return fold_table()(c);
}

// The Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) render as nothing
// and are a known way to hide text.
bool is_invisible(char32_t c) {
  return c == 0xAD || c == 0x34F || (c >= 0x200B && c <= 0x200F) || (c >= 0x2060 && c <= 0x2064) ||
         c == 0xFEFF || c == 0x180E || c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0;
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
  return is_invisible(c);
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
