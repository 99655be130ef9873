#pragma once
// The court's sensitive-word list, compiled into one Aho–Corasick automaton
// over normalised text. Immutable once built, so threads share it; a reload
// builds a new list and swaps the pointer (a failed parse keeps the old one).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "qa/finding.hpp"

namespace courtcast::qa {

struct WordEntry {
  std::string word;      // as written in the file
  std::string category;  // "general" when the line gives none
  Action action = Action::flag;
  int line = 0;  // 1-based, for messages about the file
  // Characters that stay when it is masked: its first, or a name's surname
  // (base/person_name: 欧阳娜娜 → 欧阳**).
  std::uint32_t keep = 1;
};

class WordList {
 public:
  // An empty list: nothing matches.
  WordList();

  // The court's file: one entry a line, `word<TAB>category<TAB>action`,
  // action `reject`, `flag` (the default) or `mask` (shown as '*' but its
  // first character, like a name), category default "general";
  // blank lines and lines starting with `#` are skipped. Words are
  // normalised like questions, so `法 院` and `法院` are one entry and a
  // traditional spelling matches a simplified one. An error names the line.
  static base::Result<WordList> parse(std::string_view text);

  // Names to hide, such as the parties of a session: every occurrence is
  // masked but its surname (张三 → 张*, 欧阳娜娜 → 欧阳**, as published
  // judgments keep it; the rule is base::surname_chars, the broadcast's
  // too). Names with no letters or digits are skipped.
  static WordList of_names(const std::vector<std::string>& names);

  const std::vector<WordEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

  // A match of entry `entry` ending at normalised character `last`
  // (inclusive) and `length` characters long.
  struct Match {
    std::uint32_t entry;
    std::uint32_t last;
    std::uint32_t length;
  };
  // Every occurrence of every entry in `text`, a sequence of folded,
  // noise-free characters; `out` is cleared first.
  void find_all(const std::vector<char32_t>& text, std::vector<Match>& out) const;

  // Entries of ASCII letters and digits only match at word boundaries (so
  // "ass" does not fire inside "class"); the caller knows where those are.
  bool needs_word_boundary(std::uint32_t entry) const { return ascii_word_[entry]; }

 private:
  void build(const std::vector<std::vector<char32_t>>& words);
  std::uint32_t step(std::uint32_t state, char32_t c) const;

  std::vector<WordEntry> entries_;
  std::vector<bool> ascii_word_;
  // Automaton, node 0 the root. Edges of node n are edge_cp_/edge_to_ at
  // [edge_begin_[n], edge_begin_[n + 1]), sorted by character.
  std::vector<std::uint32_t> edge_begin_;
  std::vector<char32_t> edge_cp_;
  std::vector<std::uint32_t> edge_to_;
  std::vector<std::uint32_t> fail_;
  std::vector<std::uint32_t> depth_;
  // Nearest node on the fail chain (itself included) that ends a word,
  // or 0; outputs of node n are out_entry_[out_begin_[n]..out_begin_[n+1]).
  std::vector<std::uint32_t> dict_link_;
  std::vector<std::uint32_t> out_begin_;
  std::vector<std::uint32_t> out_entry_;
};

}  // namespace courtcast::qa
