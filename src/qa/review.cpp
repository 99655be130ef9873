#include "qa/review.hpp"

#include <algorithm>

#include "base/codes.hpp"
#include "qa/personal_data.hpp"
#include "qa/text.hpp"

namespace courtcast::qa {
namespace {

bool is_ascii_alnum(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
}

// Digits written as Chinese numerals (一三八…, 幺 as phone numbers are read
// aloud, the financial 壹贰叁): personal data detection reads them as digits,
// so a number spelled out is masked too.
char32_t as_digit(char32_t c) {
  switch (c) {
    case U'〇':
    case U'零':
      return '0';
    case U'一':
    case U'幺':
    case U'壹':
      return '1';
    case U'二':
    case U'贰':
      return '2';
    case U'三':
    case U'叁':
      return '3';
    case U'四':
    case U'肆':
      return '4';
    case U'五':
    case U'伍':
      return '5';
    case U'六':
    case U'陆':
      return '6';
    case U'七':
    case U'柒':
      return '7';
    case U'八':
    case U'捌':
      return '8';
    case U'九':
    case U'玖':
      return '9';
    default:
      return c;
  }
}

void add_part(std::string& reason, std::string_view part) {
  if (reason.find(part) != std::string::npos) return;  // each reason once
  if (!reason.empty()) reason += "; ";
  reason += part;
}

}  // namespace

constexpr base::CodeTable<Verdict, 3> kVerdictCodes = {
    {{Verdict::accept, "accept"}, {Verdict::flag, "flag"}, {Verdict::reject, "reject"}}};

std::string_view to_string(Verdict verdict) {
  return base::code_of(kVerdictCodes, verdict, "flag");
}

Review review(std::string_view text, const WordList& words) {
  static const WordList kNoNames;
  return review(text, words, kNoNames);
}

Review review(std::string_view text, const WordList& words, const WordList& names) {
  Review out;
  const auto chars = decode(text);
  const std::size_t n = chars.size();
  std::vector<char32_t> folded(n);
  for (std::size_t i = 0; i < n; ++i) folded[i] = fold(chars[i].cp);

  // Personal data first: its characters are masked in what is shown and
  // left out of the key.
  std::vector<char32_t> digits(folded);
  for (auto& c : digits) c = as_digit(c);
  const auto personal = find_personal_data(digits);
  std::vector<bool> masked(n, false);
  std::vector<bool> in_personal(n, false);
  for (const auto& pd : personal) {
    for (auto i : pd.masked) masked[i] = true;
    for (auto i = pd.first; i <= pd.last; ++i) in_personal[i] = true;
    out.findings.push_back(Finding{pd.kind,
                                   Action::mask,
                                   pd.confidence,
                                   Span{chars[pd.first].begin, chars[pd.last].end},
                                   {},
                                   {},
                                   pd.reason});
  }

  // The normalised text: folded characters without noise, each remembering
  // where it came from and whether noise stood between it and the last.
  std::vector<char32_t> key;
  std::vector<std::uint32_t> origin;
  std::vector<bool> joined;
  key.reserve(n);
  origin.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (is_noise(folded[i])) continue;
    joined.push_back(!origin.empty() && origin.back() + 1 == i);
    key.push_back(folded[i]);
    origin.push_back(i);
  }

  bool reject = false;
  bool flag = !personal.empty();
  // Every match counts for the verdict; what is written down is bounded, so
  // a long text full of a listed word costs findings of a question's size.
  std::string word_reasons;
  std::size_t word_findings = 0;
  std::size_t undescribed = 0;
  std::vector<WordList::Match> matches;
  const auto scan = [&](const WordList& list, bool is_names) {
    list.find_all(key, matches);
    std::vector<bool> described(list.size(), false);
    for (const auto& m : matches) {
      const std::uint32_t first = m.last + 1 - m.length;
      if (list.needs_word_boundary(m.entry)) {
        const bool left = first == 0 || !joined[first] || !is_ascii_alnum(key[first - 1]);
        const bool right =
            m.last + 1 == key.size() || !joined[m.last + 1] || !is_ascii_alnum(key[m.last + 1]);
        if (!left || !right) continue;
      }
      const auto& entry = list.entries()[m.entry];
      if (entry.action == Action::mask) {
        // The first character (a name's surname) stays; the rest, noise
        // aside, is masked and, like personal data, left out of the key.
        for (auto k = first; k <= m.last; ++k) {
          in_personal[origin[k]] = true;
          if (k >= first + entry.keep) masked[origin[k]] = true;
        }
      }
      (entry.action == Action::reject ? reject : flag) = true;
      if (word_findings == kMaxWordFindings) {
        undescribed += described[m.entry] ? 0 : 1;
        described[m.entry] = true;
        continue;
      }
      ++word_findings;
      const bool hidden = entry.action == Action::mask;
      std::string reason =
          is_names ? "name " + std::to_string(entry.line) + " of the names to hide: masked"
          : hidden ? "listed word on line " + std::to_string(entry.line) + " (" + entry.category +
                         "): masked"
                   : "listed word 「" + entry.word + "」 (" + entry.category + ", line " +
                         std::to_string(entry.line) +
                         " of the list): " + std::string(to_string(entry.action));
      if (!described[m.entry]) {
        described[m.entry] = true;
        if (!word_reasons.empty()) word_reasons += "; ";
        word_reasons += reason;
      }
      out.findings.push_back(
          Finding{is_names ? FindingKind::name : FindingKind::word, entry.action, Confidence::high,
                  Span{chars[origin[first]].begin, chars[origin[m.last]].end},
                  hidden ? std::string() : entry.word, entry.category, std::move(reason)});
    }
  };
  scan(words, false);
  scan(names, true);
  if (undescribed > 0) {
    add_part(word_reasons, "and " + std::to_string(undescribed) + " more listed words");
  }
  for (std::size_t k = 0; k < key.size(); ++k) {
    if (!in_personal[origin[k]]) append_utf8(out.normalized_key, key[k]);
  }
  std::stable_sort(out.findings.begin(), out.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.span.begin < b.span.begin; });

  out.masked_text.reserve(text.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (is_bidi_control(chars[i].cp)) continue;
    if (masked[i]) {
      out.masked_text.push_back('*');
    } else if (chars[i].cp == 0xFFFD) {
      append_utf8(out.masked_text, 0xFFFD);
    } else {
      out.masked_text.append(text.substr(chars[i].begin, chars[i].end - chars[i].begin));
    }
  }

  std::string masked_reasons;
  for (const auto& pd : personal) {
    std::string what(to_string(pd.kind));
    add_part(masked_reasons, what);
  }
  if (key.empty()) {
    out.verdict = Verdict::reject;
    out.reason = "no letters or digits";
    return out;
  }
  out.verdict = reject ? Verdict::reject : flag ? Verdict::flag : Verdict::accept;
  out.reason = word_reasons;
  if (!masked_reasons.empty()) add_part(out.reason, "personal data masked: " + masked_reasons);
  if (out.reason.empty()) out.reason = "nothing found";
  return out;
}

}  // namespace courtcast::qa
