#pragma once
// The moderation pipeline's entry point: one question's text in, what may be
// shown of it, the key repeats are merged by, and the advice for the
// moderator out — every decision with its reason. Pure: no I/O, no clock,
// no shared state; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

#include "qa/finding.hpp"
#include "qa/word_list.hpp"

namespace courtcast::qa {

// The pipeline's advice; a moderator still approves what reaches the public.
enum class Verdict { accept, flag, reject };
std::string_view to_string(Verdict verdict);

// Occurrences of listed words written down as findings, at most: a long
// platform comment full of one word stays cheap.
inline constexpr std::size_t kMaxWordFindings = 64;

struct Review {
  // The text with personal data replaced by '*', one '*' per character, so
  // it keeps its shape ("138****5678"); what anyone but the moderator sees.
  // Valid UTF-8 (bad bytes become U+FFFD); bidi controls are dropped.
  std::string masked_text;
  // normalize() of the text without its personal data: equal keys are the
  // same question, and the key can be stored and compared (RepeatIndex).
  std::string normalized_key;
  // In the order they occur in the text; all personal data, and at most
  // kMaxWordFindings occurrences of listed words (the verdict and reason
  // count every one).
  std::vector<Finding> findings;
  Verdict verdict = Verdict::accept;
  // Why the verdict, in one line: "listed word 「赌博」 (违法, line 2 of the
  // list): reject; personal data masked: phone, id_number", or "nothing
  // found", or "no letters or digits".
  std::string reason;
};

Review review(std::string_view text, const WordList& words);

// The same, also masking `names` (WordList::of_names: the parties of the
// session the question is about) wherever they occur, spelled in any of the
// ways a listed word can be.
Review review(std::string_view text, const WordList& words, const WordList& names);

}  // namespace courtcast::qa
