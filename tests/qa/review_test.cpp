#include "qa/review.hpp"

#include <gtest/gtest.h>

namespace courtcast::qa {
namespace {

WordList court_list() {
  auto list = WordList::parse(
      "# word\tcategory\taction\n"
      "赌博\t违法\treject\n"
      "傻逼\t辱骂\treject\n"
      "黑社会\t违法\tflag\n"
      "法院不公\t攻击司法\tflag\n"
      "ass\t辱骂\tflag\n");
  if (!list) throw std::runtime_error(list.error().message);
  return std::move(*list);
}

struct WordCase {
  const char* input;
  const char* verdict;
  const char* matched;  // the listed word's span in the input, "" for none
};

std::ostream& operator<<(std::ostream& os, const WordCase& c) {
  return os << c.input;
}

class WordTable : public testing::TestWithParam<WordCase> {};

TEST_P(WordTable, listed_words_are_found_through_disguises) {
  static const WordList list = court_list();
  const auto& c = GetParam();
  const std::string text = c.input;
  const auto r = review(text, list);
  EXPECT_EQ(to_string(r.verdict), c.verdict) << r.reason;
  std::string matched;
  for (const auto& f : r.findings) {
    if (f.kind == FindingKind::word) {
      matched = text.substr(f.span.begin, f.span.end - f.span.begin);
      break;
    }
  }
  EXPECT_EQ(matched, c.matched) << r.reason;
}

INSTANTIATE_TEST_SUITE_P(
    qa, WordTable,
    testing::Values(WordCase{"请问网上赌博怎么举报", "reject", "赌博"},
                    WordCase{"請問網上賭博怎麼舉報", "reject", "賭博"},  // traditional
                    WordCase{"网上赌*博", "reject", "赌*博"},            // noise between
                    WordCase{"网上赌 博", "reject", "赌 博"},            // space
                    WordCase{"网上赌\u200b博", "reject", "赌\u200b博"},  // zero-width
                    WordCase{"网上賭．博", "reject", "賭．博"},  // traditional + full-width dot
                    WordCase{"黑 社 会 怎么处理", "flag", "黑 社 会"},
                    WordCase{"我觉得法院不公", "flag", "法院不公"},
                    WordCase{"我觉得法 院-不·公", "flag", "法 院-不·公"},
                    WordCase{"what an ASS", "flag", "ASS"}, WordCase{"a s s!", "flag", "a s s"},
                    WordCase{"first class service", "accept", ""},  // no match inside a word
                    WordCase{"请问执行款什么时候到账", "accept", ""},
                    WordCase{"赌\n博", "reject", "赌\n博"}));

TEST(Review, reject_wins_over_flag_and_each_reason_is_given) {
  const auto r = review("黑社会赌博", court_list());
  EXPECT_EQ(r.verdict, Verdict::reject);
  EXPECT_NE(r.reason.find("赌博"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("黑社会"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("reject"), std::string::npos) << r.reason;
  for (const auto& f : r.findings) EXPECT_FALSE(f.reason.empty());
}

TEST(Review, a_text_full_of_listed_words_keeps_its_findings_bounded) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "黑社会，";
  text += "赌博";
  const auto r = review(text, court_list());
  EXPECT_EQ(r.verdict, Verdict::reject);  // the word past the bound still counts
  EXPECT_EQ(r.findings.size(), kMaxWordFindings);
  EXPECT_NE(r.reason.find("and 1 more listed words"), std::string::npos) << r.reason;
}

TEST(Review, personal_data_flags_and_says_what_was_masked) {
  const auto r = review("我的电话13812345678，身份证320583197506153026", court_list());
  EXPECT_EQ(r.verdict, Verdict::flag);
  EXPECT_EQ(r.masked_text, "我的电话138****5678，身份证320583********3026");
  EXPECT_NE(r.reason.find("phone"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("id_number"), std::string::npos) << r.reason;
}

// The broadcast's rule (base/person_name, court::published_name): the
// surname stays, a compound one whole.
TEST(Review, names_to_hide_keep_their_surname_in_any_spelling) {
  const auto names = WordList::of_names({"张三", "欧阳娜娜", "", "李 四"});
  ASSERT_EQ(names.size(), 3u);  // the empty name is skipped
  const auto r = review("請問張三和欧阳 娜娜还钱了吗？李四呢，歐陽娜娜呢", court_list(), names);
  EXPECT_EQ(r.masked_text, "請問張*和欧阳 **还钱了吗？李*呢，歐陽**呢");
  EXPECT_EQ(r.verdict, Verdict::flag);
  ASSERT_EQ(r.findings.size(), 4u);
  for (const auto& f : r.findings) {
    EXPECT_EQ(f.kind, FindingKind::name);
    EXPECT_EQ(f.action, Action::mask);
    EXPECT_TRUE(f.word.empty()) << "a finding must not carry the name it hides";
    EXPECT_EQ(r.reason.find("张三"), std::string::npos) << r.reason;
  }
  EXPECT_EQ(r.normalized_key, "请问和还钱了吗呢呢");
}

TEST(Review, word_list_entry_can_ask_for_masking) {
  auto list = WordList::parse("王五\t当事人\tmask\n");
  ASSERT_TRUE(list) << list.error().message;
  const auto r = review("王五在吗", *list);
  EXPECT_EQ(r.masked_text, "王*在吗");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::word);
  EXPECT_TRUE(r.findings[0].word.empty());
  EXPECT_EQ(r.verdict, Verdict::flag);
}

TEST(Review, clean_question_is_accepted_with_a_reason) {
  const auto r = review("请问执行款多久能到账？", court_list());
  EXPECT_EQ(r.verdict, Verdict::accept);
  EXPECT_EQ(r.reason, "nothing found");
  EXPECT_EQ(r.masked_text, "请问执行款多久能到账？");
  EXPECT_EQ(r.normalized_key, "请问执行款多久能到账");
}

TEST(Review, text_of_only_noise_is_rejected) {
  const auto r = review("？？？ ……😀", court_list());
  EXPECT_EQ(r.verdict, Verdict::reject);
  EXPECT_EQ(r.reason, "no letters or digits");
}

TEST(Review, key_leaves_personal_data_out) {
  const auto a = review("我的电话13812345678请回电", WordList{});
  const auto b = review("我的电话 139 8765 4321 请回电", WordList{});
  EXPECT_EQ(a.normalized_key, "我的电话请回电");
  EXPECT_EQ(a.normalized_key, b.normalized_key);
}

TEST(Review, masked_text_is_valid_utf8_without_bidi_controls) {
  const auto r = review("ab\xff\xfe\u202e cd", WordList{});
  EXPECT_EQ(r.masked_text, "ab\uFFFD\uFFFD cd");
}

TEST(Review, masked_characters_keep_their_count) {
  const auto r = review("电话１３８１２３４５６７８", WordList{});
  EXPECT_EQ(r.masked_text, "电话１３８****５６７８");
}

}  // namespace
}  // namespace courtcast::qa
