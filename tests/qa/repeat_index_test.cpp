#include "qa/repeat_index.hpp"

#include <gtest/gtest.h>

#include "qa/review.hpp"

namespace courtcast::qa {
namespace {

std::string key(std::string_view text) {
  return review(text, WordList{}).normalized_key;
}

TEST(RepeatIndex, same_question_in_another_dress_is_a_repeat) {
  RepeatIndex index;
  EXPECT_FALSE(index.add(key("请问法院如何执行老赖的财产？"), 1));
  const auto r = index.add(key("請問，法院如何執行老賴的財產"), 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 1u);
  EXPECT_DOUBLE_EQ(r->similarity, 1.0);
  EXPECT_EQ(index.size(), 1u);
}

TEST(RepeatIndex, near_duplicate_over_the_threshold_merges) {
  RepeatIndex index(0.8);
  index.add(key("请问法院如何执行老赖的财产"), 1);
  const auto r = index.add(key("请问法院如何执行老赖的财产啊"), 2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 1u);
  EXPECT_GE(r->similarity, 0.8);
  EXPECT_LT(r->similarity, 1.0);
}

TEST(RepeatIndex, different_question_is_new) {
  RepeatIndex index;
  index.add(key("请问法院如何执行老赖的财产"), 1);
  EXPECT_FALSE(index.add(key("执行款什么时候能打到我的账户上"), 2));
  EXPECT_EQ(index.size(), 2u);
}

TEST(RepeatIndex, questions_differing_only_in_personal_data_merge) {
  RepeatIndex index;
  index.add(key("我的电话13812345678，执行款什么时候到"), 7);
  const auto r = index.add(key("我的电话13987654321，执行款什么时候到"), 8);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 7u);
}

TEST(RepeatIndex, questions_of_nothing_but_personal_data_do_not_merge) {
  RepeatIndex index;
  EXPECT_EQ(key("13812345678"), "");
  EXPECT_FALSE(index.add(key("13812345678"), 1));
  EXPECT_FALSE(index.add(key("13987654321"), 2));
  EXPECT_EQ(index.size(), 2u);
}

TEST(RepeatIndex, short_keys_merge_only_when_equal) {
  RepeatIndex index;
  index.add("你好", 1);
  EXPECT_FALSE(index.find("你们"));
  ASSERT_TRUE(index.find("你好"));
}

TEST(RepeatIndex, the_most_similar_earlier_question_is_chosen) {
  RepeatIndex index(0.6);
  index.add("abcdefghij", 1);
  index.add("abcdefghxy", 2);
  const auto r = index.find("abcdefghiz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 1u);
}

TEST(RepeatIndex, erased_question_attracts_no_repeats) {
  RepeatIndex index;
  index.add("请问法院如何执行老赖的财产", 1);
  index.erase(1);
  EXPECT_FALSE(index.find("请问法院如何执行老赖的财产"));
  EXPECT_FALSE(index.find("请问法院如何执行老赖的财产啊"));
  EXPECT_EQ(index.size(), 0u);
}

TEST(RepeatIndex, many_questions_still_find_their_repeat) {
  RepeatIndex index;
  for (std::uint64_t i = 0; i < 5000; ++i) {
    index.insert("第" + std::to_string(i) + "个问题关于执行案件的进度查询", i);
  }
  const auto r = index.find("第4321个问题关于执行案件的进度查询呢");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, 4321u);
}

}  // namespace
}  // namespace courtcast::qa
