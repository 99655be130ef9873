#include "qa/word_list.hpp"

#include <gtest/gtest.h>

namespace courtcast::qa {
namespace {

TEST(WordList, parses_the_courts_file_with_comments_and_defaults) {
  auto list = WordList::parse(
      "\xEF\xBB\xBF# 本院敏感词表\n"
      "赌博\t违法\treject\r\n"
      "\n"
      "  # indented comment\n"
      "傻瓜\t辱骂\tflag\n"
      "代办\n"
      "办证\t\treject\n");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 4u);
  EXPECT_EQ(list->entries()[0].word, "赌博");
  EXPECT_EQ(list->entries()[0].category, "违法");
  EXPECT_EQ(list->entries()[0].action, Action::reject);
  EXPECT_EQ(list->entries()[0].line, 2);
  EXPECT_EQ(list->entries()[1].action, Action::flag);
  EXPECT_EQ(list->entries()[2].category, "general");
  EXPECT_EQ(list->entries()[2].action, Action::flag);
  EXPECT_EQ(list->entries()[3].category, "general");
  EXPECT_EQ(list->entries()[3].action, Action::reject);
}

TEST(WordList, unknown_action_is_refused_with_its_line) {
  auto list = WordList::parse("赌博\t违法\treject\n傻瓜\t辱骂\tblock\n");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("line 2"), std::string::npos) << list.error().message;
  EXPECT_NE(list.error().message.find("block"), std::string::npos);
}

TEST(WordList, word_without_letters_is_refused) {
  auto list = WordList::parse("***\tx\tflag\n");
  ASSERT_FALSE(list);
  EXPECT_NE(list.error().message.find("line 1"), std::string::npos);
}

TEST(WordList, too_many_fields_are_refused) {
  EXPECT_FALSE(WordList::parse("a\tb\tflag\textra\n"));
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> ends(const WordList& list,
                                                          std::u32string_view text) {
  std::vector<WordList::Match> matches;
  list.find_all(std::vector<char32_t>(text.begin(), text.end()), matches);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
  for (const auto& m : matches) out.emplace_back(m.entry, m.last);
  return out;
}

TEST(WordList, automaton_finds_overlapping_and_nested_words) {
  auto list = WordList::parse("he\nshe\nhis\nhers\n");
  ASSERT_TRUE(list);
  using P = std::pair<std::uint32_t, std::uint32_t>;
  // "ushers": she ends at 3, he at 3, hers at 5.
  EXPECT_EQ(ends(*list, U"ushers"), (std::vector<P>{{1, 3}, {0, 3}, {3, 5}}));
  EXPECT_TRUE(ends(*list, U"xyz").empty());
}

TEST(WordList, entries_are_normalised_like_questions) {
  auto list = WordList::parse("法 院\n執行\nＡＢＣ\n");
  ASSERT_TRUE(list);
  using P = std::pair<std::uint32_t, std::uint32_t>;
  EXPECT_EQ(ends(*list, U"法院执行abc"), (std::vector<P>{{0, 1}, {1, 3}, {2, 6}}));
}

TEST(WordList, empty_list_matches_nothing) {
  WordList list;
  EXPECT_TRUE(ends(list, U"anything").empty());
}

}  // namespace
}  // namespace courtcast::qa
