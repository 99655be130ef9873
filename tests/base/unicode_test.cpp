// unsafe_text and username_letter: what a name or text from a client may hold.

#include <gtest/gtest.h>

#include <string>

#include "base/unicode.hpp"

namespace courtcast::base {
namespace {

using namespace std::string_literals;

TEST(UnsafeText, plain_chinese_emoji_and_line_breaks_pass) {
  EXPECT_EQ(unsafe_text("直击执行现场 (2024) 甘0602执9000号"), std::nullopt);
  EXPECT_EQ(unsafe_text("第一行\n第二行\r\n\tend 🎥"), std::nullopt);
  EXPECT_EQ(unsafe_text(""), std::nullopt);
}

TEST(UnsafeText, control_characters_are_named_with_their_position) {
  EXPECT_EQ(unsafe_text("ab\0c"s), "U+0000 (a control character) at character 3");
  EXPECT_EQ(unsafe_text("x\x1b[31m"), "U+001B (a control character) at character 2");
  EXPECT_EQ(unsafe_text("del\x7f"), "U+007F (a control character) at character 4");
  EXPECT_EQ(unsafe_text("c1\u0085"), "U+0085 (a control character) at character 3");
}

TEST(UnsafeText, bidi_controls_and_separators_are_refused) {
  EXPECT_EQ(unsafe_text("王\u202E某"), "U+202E (a bidi control) at character 2");
  for (const char* s : {"\u200E", "\u200F", "\u061C", "\u202A", "\u2066", "\u2069"})
    EXPECT_TRUE(unsafe_text(s)) << s;
  EXPECT_EQ(unsafe_text("a\u2028b"), "U+2028 (a line separator) at character 2");
}

TEST(UnsafeText, invalid_utf8_is_refused_but_a_real_replacement_character_passes) {
  EXPECT_TRUE(unsafe_text("\xC0\xAF"));      // overlong '/'
  EXPECT_TRUE(unsafe_text("\xED\xA0\x80"));  // a surrogate
  EXPECT_TRUE(unsafe_text("ab\xE4\xB8"));    // cut short
  EXPECT_EQ(unsafe_text("\uFFFD"), std::nullopt);
}

TEST(UsernameLetter, ascii_letters_digits_and_cjk_only) {
  for (char32_t c : {U'a', U'Z', U'0', U'张', U'㐀'}) EXPECT_TRUE(username_letter(c));
  for (char32_t c : {U'а' /* Cyrillic */, U'ο' /* Greek */, U'ｆ', U'_', U' ', U'\u200B'})
    EXPECT_FALSE(username_letter(c));
}

}  // namespace
}  // namespace courtcast::base
