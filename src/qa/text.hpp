#pragma once
// The character layer of the moderation pipeline: UTF-8 decoding that keeps
// each character's byte span in the original, and the per-character folding
// (width, case, traditional→simplified) every later step works on.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace courtcast::qa {

// One decoded character and where its bytes are in the original text.
// Offsets are 32-bit: questions are a few hundred characters, and a text
// past 4 GiB is cut there (see decode).
struct Char {
  char32_t cp = 0;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// Decodes UTF-8; every byte that does not start a valid, shortest-form
// sequence becomes U+FFFD spanning that one byte, so nothing is skipped and
// spans cover the whole input.
std::vector<Char> decode(std::string_view text);

void append_utf8(std::string& out, char32_t cp);

// Unicode NFKC with case folding, restricted to one character → one
// character (full-width and half-width forms, compatibility and Kangxi
// ideographs, circled, mathematical and super/subscript letters and digits,
// upper case of every script), then traditional→simplified Chinese from
// OpenCC's t2s dictionary, so spans stay exact. A character with nothing to
// fold is returned as it is.
char32_t fold(char32_t cp);

// Characters a viewer can put between letters without changing what is
// read: spaces, punctuation, symbols, emoji, zero-width and format
// characters, variation selectors, control characters. Takes a folded
// character.
bool is_noise(char32_t folded);

// Invisible characters that may sit inside a number or an address without
// being seen (zero-width, soft hyphen, word joiner, BOM).
bool is_invisible(char32_t cp);

// Bidirectional embedding, override and isolate controls: they can make
// shown text read in another order, so masked text drops them.
bool is_bidi_control(char32_t cp);

// The key two questions are compared by: the folded text without noise,
// as UTF-8 ("請問 法*院，ＡＢＣ" → "请问法院abc").
std::string normalize(std::string_view text);

}  // namespace courtcast::qa
