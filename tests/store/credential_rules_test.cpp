// What a username and a password must be (store/credential_rules.hpp).

#include <gtest/gtest.h>

#include "store/credential_rules.hpp"

namespace courtcast::store {
namespace {

TEST(Username, letters_digits_cjk_and_dot_dash_underscore_pass) {
  for (const char* name : {"admin", "director1", "张三", "wang.wei", "li_na-2", "执行局01", "ab"})
    EXPECT_EQ(username_problem(name), std::nullopt) << name;
}

TEST(Username, other_characters_are_refused_and_named) {
  EXPECT_EQ(*username_problem("a b"),
            "U+0020 is not allowed (allowed: ASCII letters, digits, Chinese characters, '.', '_' "
            "and '-')");
  for (const char* name : {"evil\u202Etxt", "x\u200By", "\u0430dmin" /* Cyrillic а */,
                           "\uFF46ull" /* fullwidth */, "tab\tx", "a/b", "a:b"})
    EXPECT_TRUE(username_problem(name)) << name;
}

TEST(Username, length_and_ends_are_bounded) {
  EXPECT_TRUE(username_problem("x"));
  EXPECT_TRUE(username_problem(std::string(33, 'a')));
  EXPECT_EQ(username_problem(std::string(32, 'a')), std::nullopt);
  EXPECT_EQ(username_problem("张三李四王五赵六钱七孙八周九吴十郑一冯二陈三褚四卫五蒋六"),
            std::nullopt);
  EXPECT_TRUE(username_problem(".hidden"));
  EXPECT_TRUE(username_problem("trailing-"));
}

TEST(Username, names_that_read_like_audit_actors_are_refused) {
  for (const char* name : {"api-token", "API_Token", "apitoken", "api.token", "system", "SYSTEM",
                           "demo", "token", "token-ci", "Token_dashboard"})
    EXPECT_TRUE(username_problem(name)) << name;
  EXPECT_EQ(username_problem("systems-admin"), std::nullopt);
}

TEST(Password, length_repetition_username_and_common_list) {
  EXPECT_EQ(*password_problem("short", "wang"), "at least 10 characters");
  EXPECT_EQ(*password_problem("我我我我我我我我我", "wang"), "at least 10 characters");
  EXPECT_EQ(*password_problem("zzzzzzzzzzzz", "wang"), "must not be one character repeated");
  EXPECT_EQ(*password_problem("我我我我我我我我我我", "wang"),
            "must not be one character repeated");
  EXPECT_EQ(*password_problem("my-WangWei-pass", "wangwei"), "must not contain the username");
  EXPECT_EQ(*password_problem("Password123", "wang"),
            "is one of the most common passwords; choose another");
  EXPECT_TRUE(password_problem("WOAINI1314", "wang"));
  EXPECT_TRUE(password_problem("change-me-please", "wang"));
  EXPECT_EQ(password_problem("correct-horse-battery", "director1"), std::nullopt);
}

}  // namespace
}  // namespace courtcast::store
