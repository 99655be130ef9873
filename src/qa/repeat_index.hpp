#pragma once
// Merging repeated questions (同问): a question is a repeat of an earlier
// one when their normalised keys are equal or their character bigrams
// overlap enough (Jaccard similarity at or above a threshold). Candidates
// come from a prefix-filtered inverted index (each key indexed under its
// rarest bigrams, rarity re-measured each time the index doubles), so common
// bigrams such as 请问 or 法院 do not make every question a candidate; a
// candidate's check stops as soon as it cannot reach the threshold.
// Not thread-safe: one owner (the session's question store) adds and asks.

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

  // The earlier question `key` repeats, if any (the most similar one). An
  // empty key repeats nothing and nothing repeats it.
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
  // The grams a key is indexed and probed under: its `prefix_length`
  // rarest by the last measured frequencies (ties and new grams by hash).
  std::vector<std::uint64_t> prefix_of(const std::vector<std::uint64_t>& grams) const;
  void index(std::uint32_t entry);
  void reindex();

  double threshold_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::uint32_t> exact_;
  std::unordered_map<std::uint64_t, std::uint32_t> by_id_;
  // Bigram → entries with that bigram in their prefix.
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings_;
  // How many entries hold each gram now, and as measured at the last reindex.
  std::unordered_map<std::uint64_t, std::uint32_t> frequency_;
  std::unordered_map<std::uint64_t, std::uint32_t> measured_;
  std::size_t next_reindex_ = 64;
  std::size_t live_ = 0;
};

}  // namespace courtcast::qa
