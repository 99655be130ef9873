#pragma once
// What the moderation pipeline found in a question, with the codes the API
// and the store use for it.

#include <cstddef>
#include <string>
#include <string_view>

namespace courtcast::qa {

// `name`: a name given to review() to hide (a party of the session).
enum class FindingKind { phone, id_number, bank_card, number, plate, email, name, word };

// What a finding does to the question: personal data and names are masked;
// a listed word flags the question for a closer look or rejects it (or is
// masked, when the list says so).
enum class Action { mask, flag, reject };

// How sure the pipeline is that the finding is what its kind says (an ID
// number whose check digit is wrong is still masked, with low confidence).
enum class Confidence { high, medium, low };

// Byte offsets into the original text, end exclusive.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  friend bool operator==(const Span&, const Span&) = default;
};

struct Finding {
  FindingKind kind = FindingKind::word;
  Action action = Action::mask;
  Confidence confidence = Confidence::high;
  Span span;
  // For a listed word: the entry as written in the word list and its
  // category; empty for personal data, and `word` empty for anything masked
  // (a finding must not carry what its masking hides).
  std::string word;
  std::string category;
  // Why, in words a moderator reads ("mobile number with +86").
  std::string reason;
};

std::string_view to_string(FindingKind kind);
std::string_view to_string(Action action);
std::string_view to_string(Confidence confidence);

}  // namespace courtcast::qa
