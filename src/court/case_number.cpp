#include "court/case_number.hpp"

#include <array>
#include <optional>

namespace courtcast::court {

namespace {

constexpr std::string_view kExample = "（2024）甘0602执1234号";

// Court codes begin with the province-level abbreviation of the 2016 standard;
// 兵 is the Xinjiang Production and Construction Corps, 军 the military courts.
constexpr std::array<std::string_view, 33> kProvinces = {
    "京", "津", "冀", "晋", "内", "辽", "吉", "黑", "沪", "苏", "浙",
    "皖", "闽", "赣", "鲁", "豫", "鄂", "湘", "粤", "桂", "琼", "渝",
    "川", "黔", "云", "藏", "陕", "甘", "青", "宁", "新", "兵", "军"};

// Enforcement case types; longer codes first so 执恢 is not read as 执.
constexpr std::array<std::string_view, 9> kTypeCodes = {"执恢", "执保", "执异", "执复", "执监",
                                                        "执协", "执他", "执配", "执"};

// Reads the code points of a UTF-8 string one at a time.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool at_end() const { return pos_ >= s_.size(); }
  std::string_view rest() const { return s_.substr(pos_); }

  bool eat(std::string_view token) {
    if (rest().substr(0, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  template <std::size_t N>
  bool eat_any(const std::array<std::string_view, N>& tokens, std::string* out) {
    for (std::string_view t : tokens) {
      if (eat(t)) {
        if (out) *out = std::string(t);
        return true;
      }
    }
    return false;
  }
  // One ASCII or full-width (０-９) digit.
  std::optional<int> digit() {
    if (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') return s_[pos_++] - '0';
    // Full-width digits are U+FF10..U+FF19: EF BC 90..99.
    if (rest().size() >= 3 && static_cast<unsigned char>(s_[pos_]) == 0xEF &&
        static_cast<unsigned char>(s_[pos_ + 1]) == 0xBC) {
      const auto third = static_cast<unsigned char>(s_[pos_ + 2]);
      if (third >= 0x90 && third <= 0x99) {
        pos_ += 3;
        return third - 0x90;
      }
    }
    return std::nullopt;
  }
  std::string digits(std::size_t max) {
    std::string out;
    while (out.size() < max + 1) {
      auto d = digit();
      if (!d) break;
      out.push_back(static_cast<char>('0' + *d));
    }
    return out;
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Unexpected<Error> bad(std::string_view text, std::string_view what) {
  return fail(Rule::invalid_case_number, "case number '" + std::string(text) +
                                             "': " + std::string(what) + "; expected the form " +
                                             std::string(kExample));
}

}  // namespace

std::string CaseNumber::to_string() const {
  return "（" + std::to_string(year) + "）" + court_code + type_code + std::to_string(sequence) +
         "号";
}

Result<CaseNumber> parse_case_number(std::string_view text) {
  const std::string_view input = trim(text);
  Cursor c(input);
  CaseNumber n;

  if (!c.eat("（") && !c.eat("(") && !c.eat("〔")) {
    return bad(text, "it must start with the filing year in brackets");
  }
  const std::string year = c.digits(4);
  if (year.size() != 4) return bad(text, "the year must have four digits");
  n.year = std::stoi(year);
  if (n.year < 1990 || n.year > 2099) return bad(text, "the year must be between 1990 and 2099");
  if (!c.eat("）") && !c.eat(")") && !c.eat("〕")) {
    return bad(text, "the year must be followed by a closing bracket");
  }

  if (c.eat("最高法")) {
    n.court_code = "最高法";
  } else {
    if (!c.eat_any(kProvinces, &n.court_code)) {
      return bad(text, "the court code must start with a province abbreviation such as 甘");
    }
    const std::string court_digits = c.digits(4);
    if (court_digits.size() != 0 && court_digits.size() != 2 && court_digits.size() != 4) {
      return bad(text, "the court code must have 0, 2 or 4 digits after the province");
    }
    n.court_code += court_digits;
  }

  if (!c.eat_any(kTypeCodes, &n.type_code)) {
    return bad(text, "the case type must be an enforcement type such as 执, 执恢 or 执保");
  }

  const std::string seq = c.digits(8);
  if (seq.empty()) return bad(text, "the sequence number is missing");
  if (seq.size() > 8) return bad(text, "the sequence number has more than 8 digits");
  if (seq.front() == '0') return bad(text, "the sequence number must not start with 0");
  n.sequence = std::stoll(seq);

  if (!c.eat("号")) return bad(text, "it must end with 号 right after the sequence number");
  if (!c.at_end()) return bad(text, "there is text after 号");
  return n;
}

}  // namespace courtcast::court
