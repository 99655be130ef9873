#include "qa/repeat_index.hpp"

#include <algorithm>
#include <cmath>

#include "qa/text.hpp"

namespace courtcast::qa {
namespace {

// splitmix64's finaliser: a bijection, so hashed bigrams stay distinct,
// and a fixed pseudo-random order of bigrams for the prefix filter.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// How many of a set's first tokens must be indexed (and probed) so that
// two sets with Jaccard similarity ≥ t share at least one of them.
std::size_t prefix_length(std::size_t size, double t) {
  const auto need = static_cast<std::size_t>(std::ceil(t * static_cast<double>(size) - 1e-9));
  return size - std::min(size, need) + 1;
}

double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      ++common, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  const auto all = a.size() + b.size() - common;
  return all == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(all);
}

}  // namespace

RepeatIndex::RepeatIndex(double threshold) : threshold_(std::clamp(threshold, 0.05, 1.0)) {}

std::vector<std::uint64_t> RepeatIndex::grams_of(std::string_view key) const {
  const auto chars = decode(key);
  std::vector<std::uint64_t> grams;
  if (chars.size() < kMinSimilarChars) return grams;
  grams.reserve(chars.size() - 1);
  for (std::size_t i = 0; i + 1 < chars.size(); ++i) {
    grams.push_back(mix((static_cast<std::uint64_t>(chars[i].cp) << 21) | chars[i + 1].cp));
  }
  std::sort(grams.begin(), grams.end());
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  return grams;
}

std::optional<RepeatIndex::Repeat> RepeatIndex::find(std::string_view key) const {
  if (auto it = exact_.find(std::string(key)); it != exact_.end()) {
    return Repeat{entries_[it->second].id, 1.0};
  }
  const auto grams = grams_of(key);
  if (grams.empty()) return std::nullopt;
  std::vector<std::uint32_t> candidates;
  const auto probe = prefix_length(grams.size(), threshold_);
  for (std::size_t i = 0; i < probe && i < grams.size(); ++i) {
    if (auto it = postings_.find(grams[i]); it != postings_.end()) {
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::optional<Repeat> best;
  const double size = static_cast<double>(grams.size());
  for (auto c : candidates) {
    const auto& e = entries_[c];
    const double other = static_cast<double>(e.grams.size());
    if (!e.live || other < threshold_ * size - 1e-9 || threshold_ * other > size + 1e-9) continue;
    const double s = jaccard(grams, e.grams);
    if (s + 1e-9 >= threshold_ && (!best || s > best->similarity)) best = Repeat{e.id, s};
  }
  return best;
}

void RepeatIndex::insert(std::string_view key, std::uint64_t id) {
  erase(id);
  const auto index = static_cast<std::uint32_t>(entries_.size());
  auto grams = grams_of(key);
  const auto prefix = std::min(grams.size(), prefix_length(grams.size(), threshold_));
  for (std::size_t i = 0; i < prefix; ++i) postings_[grams[i]].push_back(index);
  entries_.push_back(Entry{id, std::string(key), std::move(grams), true});
  exact_.try_emplace(std::string(key), index);
  by_id_[id] = index;
  ++live_;
}

std::optional<RepeatIndex::Repeat> RepeatIndex::add(std::string_view key, std::uint64_t new_id) {
  if (auto repeat = find(key)) return repeat;
  insert(key, new_id);
  return std::nullopt;
}

void RepeatIndex::erase(std::uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  auto& e = entries_[it->second];
  e.live = false;
  if (auto ex = exact_.find(e.key); ex != exact_.end() && ex->second == it->second) {
    exact_.erase(ex);
  }
  by_id_.erase(it);
  --live_;
}

}  // namespace courtcast::qa
