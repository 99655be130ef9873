#include "qa/word_list.hpp"

#include <algorithm>
#include <map>
#include <queue>

#include "base/person_name.hpp"
#include "qa/text.hpp"

namespace courtcast::qa {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<char32_t> normalized_chars(std::string_view text) {
  std::vector<char32_t> out;
  for (const auto& ch : decode(text)) {
    const char32_t f = fold(ch.cp);
    if (!is_noise(f)) out.push_back(f);
  }
  return out;
}

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

}  // namespace

WordList::WordList() : edge_begin_{0, 0}, fail_{0}, depth_{0}, dict_link_{0}, out_begin_{0, 0} {}

base::Result<WordList> WordList::parse(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  WordList list;
  std::vector<std::vector<char32_t>> words;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || trim(line).front() == '#') continue;

    std::vector<std::string_view> fields;
    for (std::size_t pos = 0;;) {
      const auto tab = line.find('\t', pos);
      fields.push_back(trim(line.substr(pos, tab == std::string_view::npos ? tab : tab - pos)));
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    const auto where = "word list line " + std::to_string(line_no) + ": ";
    if (fields.size() > 3) {
      return base::make_error(where + "expected word<TAB>category<TAB>action, found " +
                              std::to_string(fields.size()) + " fields");
    }
    WordEntry entry;
    entry.line = line_no;
    entry.word = std::string(fields[0]);
    entry.category = fields.size() > 1 && !fields[1].empty() ? std::string(fields[1]) : "general";
    if (fields.size() > 2 && !fields[2].empty()) {
      if (fields[2] == "reject") {
        entry.action = Action::reject;
      } else if (fields[2] == "flag") {
        entry.action = Action::flag;
      } else if (fields[2] == "mask") {
        entry.action = Action::mask;
      } else {
        return base::make_error(where + "action must be reject, flag or mask, not '" +
                                std::string(fields[2]) + "'");
      }
    }
    auto chars = normalized_chars(entry.word);
    if (chars.empty()) {
      return base::make_error(where + "the word '" + entry.word +
                              "' has no letters or digits, so it would never match");
    }
    list.ascii_word_.push_back(std::all_of(chars.begin(), chars.end(), is_ascii_alnum));
    words.push_back(std::move(chars));
    list.entries_.push_back(std::move(entry));
  }
  list.build(words);
  return list;
}

WordList WordList::of_names(const std::vector<std::string>& names) {
  WordList list;
  std::vector<std::vector<char32_t>> words;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto chars = normalized_chars(names[i]);
    if (chars.empty()) continue;
    list.ascii_word_.push_back(std::all_of(chars.begin(), chars.end(), is_ascii_alnum));
    // The surname as the normalised text spells it (歐陽 is 欧阳 there).
    std::string folded;
    for (char32_t c : chars) append_utf8(folded, c);
    const auto keep = static_cast<std::uint32_t>(base::surname_chars(folded));
    words.push_back(std::move(chars));
    list.entries_.push_back(
        WordEntry{names[i], "name", Action::mask, static_cast<int>(i + 1), keep});
  }
  list.build(words);
  return list;
}

void WordList::build(const std::vector<std::vector<char32_t>>& words) {
  WordList& list = *this;
  // Trie with ordered maps while building; flattened into sorted edge
  // arrays for the scan.
  std::vector<std::map<char32_t, std::uint32_t>> children(1);
  std::vector<std::vector<std::uint32_t>> ends(1);
  std::vector<std::uint32_t> depth(1, 0);
  for (std::uint32_t e = 0; e < words.size(); ++e) {
    std::uint32_t node = 0;
    for (char32_t c : words[e]) {
      auto [it, added] = children[node].try_emplace(c, static_cast<std::uint32_t>(children.size()));
      if (added) {
        children.emplace_back();
        ends.emplace_back();
        depth.push_back(depth[node] + 1);
      }
      node = it->second;
    }
    ends[node].push_back(e);
  }
  const std::size_t n = children.size();
  list.edge_begin_.assign(n + 1, 0);
  list.edge_cp_.clear();
  list.edge_to_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    list.edge_begin_[i] = static_cast<std::uint32_t>(list.edge_cp_.size());
    for (const auto& [c, to] : children[i]) {
      list.edge_cp_.push_back(c);
      list.edge_to_.push_back(to);
    }
  }
  list.edge_begin_[n] = static_cast<std::uint32_t>(list.edge_cp_.size());
  list.depth_ = std::move(depth);
  list.out_begin_.assign(n + 1, 0);
  list.out_entry_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    list.out_begin_[i] = static_cast<std::uint32_t>(list.out_entry_.size());
    list.out_entry_.insert(list.out_entry_.end(), ends[i].begin(), ends[i].end());
  }
  list.out_begin_[n] = static_cast<std::uint32_t>(list.out_entry_.size());

  // Fail and dictionary links, breadth first so a node's fail target is done.
  list.fail_.assign(n, 0);
  list.dict_link_.assign(n, 0);
  std::queue<std::uint32_t> queue;
  for (const auto& [c, child] : children[0]) {
    queue.push(child);
    list.dict_link_[child] = ends[child].empty() ? 0 : child;
  }
  while (!queue.empty()) {
    const auto node = queue.front();
    queue.pop();
    for (const auto& [c, child] : children[node]) {
      const auto f = list.step(list.fail_[node], c);
      list.fail_[child] = f;
      list.dict_link_[child] = ends[child].empty() ? list.dict_link_[f] : child;
      queue.push(child);
    }
  }
}

std::uint32_t WordList::step(std::uint32_t state, char32_t c) const {
  for (;;) {
    const auto first = edge_cp_.begin() + edge_begin_[state];
    const auto last = edge_cp_.begin() + edge_begin_[state + 1];
    const auto it = std::lower_bound(first, last, c);
    if (it != last && *it == c) return edge_to_[static_cast<std::size_t>(it - edge_cp_.begin())];
    if (state == 0) return 0;
    state = fail_[state];
  }
}

void WordList::find_all(const std::vector<char32_t>& text, std::vector<Match>& out) const {
  out.clear();
  if (entries_.empty()) return;
  std::uint32_t state = 0;
  for (std::uint32_t i = 0; i < text.size(); ++i) {
    state = step(state, text[i]);
    // Every word ending here: this node's own, then along the dictionary
    // links (the fail chain's nodes that end a word).
    for (auto node = dict_link_[state]; node != 0; node = dict_link_[fail_[node]]) {
      for (auto k = out_begin_[node]; k < out_begin_[node + 1]; ++k) {
        out.push_back({out_entry_[k], i, depth_[node]});
      }
    }
  }
}

}  // namespace courtcast::qa
