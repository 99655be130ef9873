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

// Jaccard similarity of two sorted sets, or -1 as soon as it is clear it
// stays below `t`: J >= t needs at least t/(1+t)·(|a|+|b|) common elements.
double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b, double t) {
  const auto need = static_cast<std::size_t>(
      std::ceil(t / (1 + t) * static_cast<double>(a.size() + b.size()) - 1e-9));
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (common + std::min(a.size() - i, b.size() - j) < need) return -1;
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
  // Nothing left after normalising (a question that was only a phone
  // number, or only punctuation) says nothing to be the same as.
  if (key.empty()) return std::nullopt;
  if (auto it = exact_.find(std::string(key)); it != exact_.end()) {
    return Repeat{entries_[it->second].id, 1.0};
  }
  const auto grams = grams_of(key);
  if (grams.empty()) return std::nullopt;
  std::vector<std::uint32_t> candidates;
  for (auto g : prefix_of(grams)) {
    if (auto it = postings_.find(g); it != postings_.end()) {
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
    const double s = jaccard(grams, e.grams, threshold_);
    if (s + 1e-9 >= threshold_ && (!best || s > best->similarity)) best = Repeat{e.id, s};
  }
  return best;
}

void RepeatIndex::insert(std::string_view key, std::uint64_t id) {
  erase(id);
  const auto entry = static_cast<std::uint32_t>(entries_.size());
  auto grams = grams_of(key);
  for (auto g : grams) ++frequency_[g];
  entries_.push_back(Entry{id, std::string(key), std::move(grams), true});
  if (!key.empty()) exact_.try_emplace(std::string(key), entry);
  by_id_[id] = entry;
  ++live_;
  if (entries_.size() >= next_reindex_) {
    reindex();
  } else {
    index(entry);
  }
}

std::vector<std::uint64_t> RepeatIndex::prefix_of(const std::vector<std::uint64_t>& grams) const {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> ranked;
  ranked.reserve(grams.size());
  for (auto g : grams) {
    const auto it = measured_.find(g);
    ranked.emplace_back(it == measured_.end() ? 0 : it->second, g);
  }
  const auto p = std::min(grams.size(), prefix_length(grams.size(), threshold_));
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(p), ranked.end());
  std::vector<std::uint64_t> prefix;
  prefix.reserve(p);
  for (std::size_t i = 0; i < p; ++i) prefix.push_back(ranked[i].second);
  return prefix;
}

void RepeatIndex::index(std::uint32_t entry) {
  for (auto g : prefix_of(entries_[entry].grams)) postings_[g].push_back(entry);
}

// Rarity changes as questions come in; measuring it again when the index
// has doubled keeps the prefixes made of rare grams at an amortised cost of
// a constant per insert. Erased entries leave the postings here.
void RepeatIndex::reindex() {
  measured_ = frequency_;
  postings_.clear();
  for (std::uint32_t e = 0; e < entries_.size(); ++e) {
    if (entries_[e].live) index(e);
  }
  next_reindex_ = std::max<std::size_t>(64, 2 * entries_.size());
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
  for (auto g : e.grams) {
    if (auto f = frequency_.find(g); f != frequency_.end() && --f->second == 0) frequency_.erase(f);
  }
  if (auto ex = exact_.find(e.key); ex != exact_.end() && ex->second == it->second) {
    exact_.erase(ex);
  }
  by_id_.erase(it);
  --live_;
}

}  // namespace courtcast::qa
