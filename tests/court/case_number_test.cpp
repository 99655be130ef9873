#include "court/case_number.hpp"

#include <gtest/gtest.h>

namespace courtcast::court {
namespace {

TEST(CaseNumber, full_width_brackets_are_accepted) {
  auto n = parse_case_number("（2024）甘0602执1234号");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(n->year, 2024);
  EXPECT_EQ(n->court_code, "甘0602");
  EXPECT_EQ(n->type_code, "执");
  EXPECT_EQ(n->sequence, 1234);
}

TEST(CaseNumber, half_width_brackets_and_digits_are_normalised_to_one_spelling) {
  auto half = parse_case_number(" (2024)甘0602执1234号 ");
  auto wide_digits = parse_case_number("（２０２４）甘０６０２执１２３４号");
  ASSERT_TRUE(half);
  ASSERT_TRUE(wide_digits);
  EXPECT_EQ(half->to_string(), "（2024）甘0602执1234号");
  EXPECT_EQ(wide_digits->to_string(), "（2024）甘0602执1234号");
}

TEST(CaseNumber, other_enforcement_types_and_court_levels_are_accepted) {
  EXPECT_TRUE(parse_case_number("（2023）甘06执恢12号"));  // intermediate court
  EXPECT_TRUE(parse_case_number("（2023）甘执保3号"));     // high court
  EXPECT_TRUE(parse_case_number("〔2022〕京0105执异88号"));
  EXPECT_TRUE(parse_case_number("（2021）最高法执监100号"));
  auto n = parse_case_number("（2023）甘06执恢12号");
  EXPECT_EQ(n->type_code, "执恢");
}

TEST(CaseNumber, malformed_numbers_are_refused_with_the_reason) {
  struct Bad {
    const char* text;
    const char* reason;
  };
  const Bad cases[] = {
      {"2024甘0602执1234号", "filing year in brackets"},
      {"（24）甘0602执1234号", "four digits"},
      {"（2024）XX0602执1234号", "province abbreviation"},
      {"（2024）甘060执1234号", "0, 2 or 4 digits"},
      {"（2024）甘0602民初1234号", "enforcement type"},
      {"（2024）甘0602执号", "sequence number is missing"},
      {"（2024）甘0602执0123号", "must not start with 0"},
      {"（2024）甘0602执1234", "end with 号"},
      {"（2024）甘0602执1234号之一", "text after 号"},
      {"（1850）甘0602执1234号", "between 1990 and 2099"},
      {"", "filing year in brackets"},
  };
  for (const auto& bad : cases) {
    auto n = parse_case_number(bad.text);
    ASSERT_FALSE(n) << bad.text;
    EXPECT_EQ(n.error().rule, Rule::invalid_case_number);
    EXPECT_EQ(n.error().code(), "invalid_case_number");
    EXPECT_NE(n.error().message.find(bad.reason), std::string::npos)
        << bad.text << " → " << n.error().message;
    EXPECT_NE(n.error().message.find("（2024）甘0602执1234号"), std::string::npos);
  }
}

}  // namespace
}  // namespace courtcast::court
