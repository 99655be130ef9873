// What each rule does to real-looking input: the table the issue asks for.
#include <gtest/gtest.h>

#include "qa/personal_data.hpp"
#include "qa/review.hpp"

namespace courtcast::qa {
namespace {

struct MaskCase {
  const char* input;
  const char* masked;
  const char* kind;  // first finding's kind, "" for none
  const char* confidence;
};

std::ostream& operator<<(std::ostream& os, const MaskCase& c) {
  return os << c.input;
}

class MaskTable : public testing::TestWithParam<MaskCase> {};

TEST_P(MaskTable, masks_personal_data_keeping_its_shape) {
  const auto& c = GetParam();
  const WordList none;
  const auto r = review(c.input, none);
  EXPECT_EQ(r.masked_text, c.masked);
  if (std::string_view(c.kind).empty()) {
    EXPECT_TRUE(r.findings.empty()) << r.findings.front().reason;
  } else {
    ASSERT_FALSE(r.findings.empty());
    EXPECT_EQ(to_string(r.findings[0].kind), c.kind) << r.findings[0].reason;
    EXPECT_EQ(to_string(r.findings[0].confidence), c.confidence) << r.findings[0].reason;
    EXPECT_FALSE(r.findings[0].reason.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    phones, MaskTable,
    testing::Values(
        MaskCase{"我的电话13812345678", "我的电话138****5678", "phone", "high"},
        MaskCase{"电话 +86 138 1234 5678 谢谢", "电话 +86 138 **** 5678 谢谢", "phone", "high"},
        MaskCase{"+86-138-1234-5678", "+86-138-****-5678", "phone", "high"},
        MaskCase{"008613912345678", "0086139****5678", "phone", "high"},
        MaskCase{"８６１３８１２３４５６７８", "８６１３８****５６７８", "phone", "high"},
        MaskCase{"手机：１３８　１２３４　５６７８", "手机：１３８　****　５６７８", "phone",
                 "high"},
        MaskCase{"1\u200b38\u200b1234\u200b5678", "1\u200b38\u200b****\u200b5678", "phone", "high"},
        MaskCase{"打010-62345678找我", "打010-****5678找我", "phone", "medium"},
        MaskCase{"0931-8123456", "0931-***3456", "phone", "medium"},
        MaskCase{"（010）6234 5678", "（010）**** 5678", "phone", "medium"},
        MaskCase{"138 - 1234 - 5678", "138 - **** - 5678", "phone", "high"},
        MaskCase{"(+86)13812345678", "(+86)138****5678", "phone", "high"},
        MaskCase{"138—1234—5678", "138—****—5678", "phone", "high"},
        MaskCase{"138ー1234ー5678", "138ー****ー5678", "phone", "high"},
        MaskCase{"电话一三八一二三四五六七八", "电话一三八****五六七八", "phone", "high"},
        MaskCase{"幺三八 幺二三四 五六七八", "幺三八 **** 五六七八", "phone", "high"},
        MaskCase{"我有一个问题13812345678", "我有一个问题138****5678", "phone", "high"},
        MaskCase{"12345678901", "12345678901", "", ""},  // no mobile starts 12
        MaskCase{"案号(2024)京0105执1234号", "案号(2024)京0105执1234号", "", ""}));

INSTANTIATE_TEST_SUITE_P(
    id_numbers, MaskTable,
    testing::Values(
        // Good check digits (one of them X), a 29 February in a leap year.
        MaskCase{"身份证62010219900307123X", "身份证620102********123X", "id_number", "high"},
        MaskCase{"身份证62010219900307123x", "身份证620102********123x", "id_number", "high"},
        MaskCase{"320583197506153026", "320583********3026", "id_number", "high"},
        MaskCase{"310115198002291040", "310115********1040", "id_number", "high"},
        MaskCase{"320583 19750615 3026", "320583 ******** 3026", "id_number", "high"},
        // Wrong check digit: still masked (it leaks a birth date), low confidence.
        MaskCase{"320583197506153027", "320583********3027", "id_number", "low"},
        // First-generation 15-digit number.
        MaskCase{"320583750615302", "320583******302", "id_number", "medium"}));

INSTANTIATE_TEST_SUITE_P(
    not_id_numbers, MaskTable,
    testing::Values(
        // 13th month, or 29 February of a common year: not an ID, but 18
        // digits are masked as a bank card all the same.
        MaskCase{"320583197513153026", "3205**********3026", "bank_card", "medium"},
        MaskCase{"310115198102291040", "3101**********1040", "bank_card", "medium"},
        // Region 99 does not exist.
        MaskCase{"990583197506153026", "9905**********3026", "bank_card", "medium"}));

INSTANTIATE_TEST_SUITE_P(
    bank_cards, MaskTable,
    testing::Values(
        MaskCase{"卡号6222021001123456789", "卡号6222***********6789", "bank_card", "high"},
        MaskCase{"卡号6222021001123456780", "卡号6222***********6780", "bank_card", "medium"},
        MaskCase{"4367 4212 3456 7896", "4367 **** **** 7896", "bank_card", "high"},
        MaskCase{"4367-4212-3456-7891", "4367-****-****-7891", "bank_card", "medium"},
        MaskCase{"６２２８４８００１２３４５６７８９０３", "６２２８***********８９０３",
                 "bank_card", "high"},
        // Longer than any card, no separators: masked as a number.
        MaskCase{"123456789012345678901234", "********************1234", "number", "low"}));

INSTANTIATE_TEST_SUITE_P(
    plates, MaskTable,
    testing::Values(MaskCase{"车牌京A12345", "车牌京A****5", "plate", "high"},
                    MaskCase{"京A·12345", "京A·****5", "plate", "high"},
                    MaskCase{"沪B 8K2J7", "沪B ****7", "plate", "high"},
                    MaskCase{"粤B·D12345 新能源", "粤B·*****5 新能源", "plate", "high"},
                    MaskCase{"粤B·12345F", "粤B·*****F", "plate", "high"},
                    MaskCase{"苏E·DF1234", "苏E·*****4", "plate", "high"},
                    MaskCase{"京A·0001警", "京A·***1警", "plate", "high"},
                    MaskCase{"川A·1234学", "川A·***4学", "plate", "high"},
                    MaskCase{"粤Z·1234港", "粤Z·***4港", "plate", "high"},
                    MaskCase{"粤Z·5678澳", "粤Z·***8澳", "plate", "high"},
                    MaskCase{"沪A·1234领", "沪A·***4领", "plate", "high"},
                    MaskCase{"鲁B·1234挂", "鲁B·***4挂", "plate", "high"},
                    MaskCase{"使014·578", "使***·**8", "plate", "high"},
                    MaskCase{"粵B12345", "粵B****5", "plate", "high"},  // traditional province
                    MaskCase{"京ａ１２３４５", "京ａ****５", "plate", "high"},
                    MaskCase{"京ABCDEF", "京ABCDEF", "", ""},        // not a plate: letters only
                    MaskCase{"京A1234567", "京A1234567", "", ""}));  // too long

INSTANTIATE_TEST_SUITE_P(emails, MaskTable,
                         testing::Values(MaskCase{"邮箱zhang.san@example.com",
                                                  "邮箱z********@example.com", "email", "high"},
                                         MaskCase{"12345678@qq.com谢谢", "1*******@qq.com谢谢",
                                                  "email", "high"},
                                         MaskCase{"ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ",
                                                  "ｚ****＠ｅｘａｍｐｌｅ．ｃｎ", "email", "high"},
                                         MaskCase{"a@b.cn", "*@b.cn", "email", "high"},
                                         MaskCase{"写信给@法院", "写信给@法院", "", ""},
                                         MaskCase{"x@localhost", "x@localhost", "", ""}));

TEST(IdCheck, wrong_check_digit_reason_names_the_expected_one) {
  const auto r = review("320583197506153027", WordList{});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].confidence, Confidence::low);
  EXPECT_NE(r.findings[0].reason.find("(7, expected 6)"), std::string::npos)
      << r.findings[0].reason;
}

TEST(IdCheck, iso7064_mod_11_2) {
  EXPECT_EQ(id_check_character("62010219900307123"), 'X');
  EXPECT_EQ(id_check_character("32058319750615302"), '6');
}

TEST(Luhn, accepts_valid_and_refuses_one_digit_off) {
  EXPECT_TRUE(luhn_valid("4367421234567896"));
  EXPECT_FALSE(luhn_valid("4367421234567891"));
  EXPECT_TRUE(luhn_valid("6222021001123456789"));
}

TEST(Review, two_numbers_in_one_run_are_found_separately) {
  const auto r = review("13812345678 320583197506153026", WordList{});
  EXPECT_EQ(r.masked_text, "138****5678 320583********3026");
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::phone);
  EXPECT_EQ(r.findings[1].kind, FindingKind::id_number);
}

TEST(Review, finding_spans_point_into_the_original_bytes) {
  const std::string text = "电话１３８１２３４５６７８";
  const auto r = review(text, WordList{});
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(
      text.substr(r.findings[0].span.begin, r.findings[0].span.end - r.findings[0].span.begin),
      "１３８１２３４５６７８");
}

}  // namespace
}  // namespace courtcast::qa
