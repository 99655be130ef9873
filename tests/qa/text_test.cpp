#include "qa/text.hpp"

#include <gtest/gtest.h>

namespace courtcast::qa {
namespace {

struct NormalizeCase {
  const char* input;
  const char* key;
};

class NormalizeTable : public testing::TestWithParam<NormalizeCase> {};

TEST_P(NormalizeTable, folds_width_case_script_and_drops_noise) {
  EXPECT_EQ(normalize(GetParam().input), GetParam().key) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    qa, NormalizeTable,
    testing::Values(NormalizeCase{"请问法院", "请问法院"},
                    NormalizeCase{"請問法院執行庭", "请问法院执行庭"},  // traditional
                    NormalizeCase{"法 院", "法院"},                     // space
                    NormalizeCase{"法*院", "法院"},                     // symbol
                    NormalizeCase{"法\u200b院", "法院"},
                    NormalizeCase{"法\u3164院\u2800", "法院"},   // Hangul filler, braille blank //
                                                                 // zero-width space
                    NormalizeCase{"法\u3000院", "法院"},         // ideographic space
                    NormalizeCase{"法。院！", "法院"},           // CJK punctuation
                    NormalizeCase{"法😀院", "法院"},              // emoji
                    NormalizeCase{"法\ufe0f院", "法院"},         // variation selector
                    NormalizeCase{"ＡＢＣ１２３", "abc123"},     // full-width
                    NormalizeCase{"Hello World", "helloworld"},  // case, space
                    NormalizeCase{"①②③", "123"},                 // circled digits
                    NormalizeCase{"Ⓐⓑ", "ab"},                   // circled letters
                    NormalizeCase{"\U0001D400\U0001D41A\U0001D7CF", "aa1"},  // mathematical
                    NormalizeCase{"〇", "〇"},                               // reads as zero
                    NormalizeCase{"⽇⽉", "日月"},                           // Kangxi radicals
                    NormalizeCase{"豈", "岂"},       // compatibility ideograph 豈, folded
                    NormalizeCase{"ｱｲｳ", "アイウ"},  // half-width katakana
                    NormalizeCase{"ÉCOLE ΑΒΓ ЖУК", "écoleαβγжук"},  // every script's case
                    NormalizeCase{"ｆａｌｕ　ｙｕａｎ", "faluyuan"},
                    NormalizeCase{"機關槍", "机关枪"}, NormalizeCase{"", ""},
                    NormalizeCase{"\xff\xfe", ""}));  // bad bytes are noise

TEST(Decode, keeps_spans_and_replaces_bad_bytes_one_by_one) {
  const std::string text = "a\xe6\xb3\x95\xff\xe6\xb3";
  const auto chars = decode(text);
  ASSERT_EQ(chars.size(), 5u);
  EXPECT_EQ(chars[0].cp, U'a');
  EXPECT_EQ(chars[1].cp, U'法');
  EXPECT_EQ(chars[1].begin, 1u);
  EXPECT_EQ(chars[1].end, 4u);
  EXPECT_EQ(chars[2].cp, 0xFFFDu);
  // A truncated sequence: each of its bytes on its own.
  EXPECT_EQ(chars[3].cp, 0xFFFDu);
  EXPECT_EQ(chars[3].end, 6u);
  EXPECT_EQ(chars[4].cp, 0xFFFDu);
  EXPECT_EQ(chars[4].end, 7u);
}

TEST(Decode, refuses_overlong_and_surrogate_encodings) {
  EXPECT_EQ(decode("\xc0\xaf")[0].cp, 0xFFFDu);
  EXPECT_EQ(decode("\xed\xa0\x80")[0].cp, 0xFFFDu);
}

}  // namespace
}  // namespace courtcast::qa
