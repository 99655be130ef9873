// log_value: the one way a client's text reaches a log line.

#include <gtest/gtest.h>

#include <string>

#include "base/log_value.hpp"

namespace courtcast::base {
namespace {

using namespace std::string_literals;

TEST(LogValue, plain_values_stay_bare) {
  EXPECT_EQ(log_value("cam-a"), "cam-a");
  EXPECT_EQ(log_value("session-12.cam_b"), "session-12.cam_b");
  EXPECT_EQ(log_value("127.0.0.1:5000"), "127.0.0.1:5000");
}

TEST(LogValue, a_newline_cannot_start_a_forged_line) {
  const std::string forged = log_value("x\n2026-01-01 [info] event=login user=admin");
  EXPECT_EQ(forged.find('\n'), std::string::npos);
  EXPECT_EQ(forged, R"("x\x0a2026-01-01 [info] event=login user=admin")");
}

TEST(LogValue, spaces_quotes_and_equals_cannot_forge_a_field) {
  EXPECT_EQ(log_value("a b"), R"("a b")");
  EXPECT_EQ(log_value(R"(a" user=admin)"), R"("a\" user=admin")");
  EXPECT_EQ(log_value(R"(back\slash)"), R"("back\\slash")");
  EXPECT_EQ(log_value(""), R"("")");
}

TEST(LogValue, control_bytes_nul_and_invalid_utf8_become_hex) {
  EXPECT_EQ(log_value("a\0b"s), R"("a\x00b")");
  EXPECT_EQ(log_value("\r\t\x1b[31m\x7f"), R"("\x0d\x09\x1b[31m\x7f")");
  EXPECT_EQ(log_value("\xff\xc0\x80"), R"("\xff\xc0\x80")");
  EXPECT_EQ(log_value("\xed\xa0\x80"), R"("\xed\xa0\x80")") << "a surrogate is not UTF-8";
}

TEST(LogValue, readable_utf8_stays_and_invisible_code_points_are_escaped) {
  EXPECT_EQ(log_value("法庭一"), R"("法庭一")");
  EXPECT_EQ(log_value("a\u202Eb"), R"("a\u202eb")") << "right-to-left override";
  EXPECT_EQ(log_value("a\u2028b"), R"("a\u2028b")") << "line separator";
  EXPECT_EQ(log_value("a\u200Bb\uFEFF"), R"("a\u200bb\ufeff")");
  EXPECT_EQ(log_value("\xc2\x85"), R"("\u0085")") << "next line, a C1 control";
  EXPECT_EQ(log_value("\U000E0041"), R"("\U000e0041")") << "a tag character";
}

TEST(LogValue, long_values_are_cut_with_a_marker) {
  const std::string big(120 * 1024, 'a');
  const std::string out = log_value(big);
  EXPECT_LE(out.size(), kLogValueMaxBytes + 32);
  EXPECT_EQ(out.front(), '"');
  EXPECT_NE(out.find("...(+" + std::to_string(big.size() - (kLogValueMaxBytes - 1)) + " bytes)"),
            std::string::npos)
      << out;
  const std::string escaped = log_value(std::string(10'000, '\n'));
  EXPECT_LE(escaped.size(), kLogValueMaxBytes + 32);
}

}  // namespace
}  // namespace courtcast::base
