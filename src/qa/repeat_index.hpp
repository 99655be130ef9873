#pragma once
// Merging repeated questions (同问): a question is a repeat of an earlier
// one when their normalised keys are equal or their character bigrams
// overlap enough (Jaccard similarity at or above a threshold). Candidates
// come from a prefix-filtered inverted index, so adding stays fast with
// tens of thousands of questions. Not thread-safe: one owner (the session's
// question store) adds and asks.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace courtcast::qa {

class RepeatIndex {
 public:
  // Keys shorter than kMinSimilarChars characters only merge when equal:
  // two-character questions say too little to call them alike.
  static constexpr std::size_t kMinSimilarChars = 4;

  explicit RepeatIndex(double threshold = 0.8);

  struct Repeat {
    std::uint64_t id;   // the earlier question
    double similarity;  // 1.0 when the keys are equal
  };

  // The earlier question `key` repeats, if any (the most similar one).
  std::optional<Repeat> find(std::string_view key) const;

  // Makes `id` a question later keys can repeat. Ids are the caller's
  // (e.g. the store's question ids); inserting an id twice replaces it.
  void insert(std::string_view key, std::uint64_t id);

  // The question `key` repeats, or — when it repeats none — inserts it as
  // `new_id` and returns nullopt.
  std::optional<Repeat> add(std::string_view key, std::uint64_t new_id);

  // A rejected or deleted question stops attracting repeats.
  void erase(std::uint64_t id);

  std::size_t size() const { return live_; }

 private:
  struct Entry {
    std::uint64_t id;
    std::string key;
    std::vector<std::uint64_t> grams;  // sorted, distinct
    bool live;
  };
  std::vector<std::uint64_t> grams_of(std::string_view key) const;

  double threshold_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::uint32_t> exact_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_id_;
  // Bigram → entries with that bigram in their prefix.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings_;
  std::size_t live_ = 0;
};

}  // namespace courtcast::qa
