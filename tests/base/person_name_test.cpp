#include <gtest/gtest.h>

#include "base/person_name.hpp"

namespace courtcast::base {
namespace {

TEST(PersonName, a_surname_is_the_first_character_or_a_compound_surname_whole) {
  EXPECT_EQ(surname_chars("张三"), 1u);
  EXPECT_EQ(surname_bytes("张三"), 3u);
  EXPECT_EQ(surname_chars("欧阳娜娜"), 2u);
  EXPECT_EQ(surname_bytes("欧阳娜娜"), 6u);
  EXPECT_EQ(surname_chars("诸葛亮"), 2u);
  // A name that is only the compound surname is a one-character surname
  // with a given name (欧 + 阳).
  EXPECT_EQ(surname_chars("欧阳"), 1u);
  EXPECT_EQ(surname_chars(""), 0u);
  EXPECT_EQ(surname_bytes("Li Lei"), 1u);
}

TEST(PersonName, the_published_form_is_the_surname_and_mou) {
  EXPECT_EQ(published_person_name("张三"), "张某");
  EXPECT_EQ(published_person_name("李小龙"), "李某");
  EXPECT_EQ(published_person_name("欧阳娜娜"), "欧阳某");
  EXPECT_EQ(published_person_name("王某"), "王某");
  EXPECT_EQ(published_person_name(""), "");
}

TEST(PersonName, a_stray_byte_counts_as_one_character) {
  EXPECT_EQ(surname_bytes("\xE5"), 1u);
  EXPECT_EQ(published_person_name("\xFF\xFE"), "\xFF某");
}

}  // namespace
}  // namespace courtcast::base
