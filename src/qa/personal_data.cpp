#include "qa/personal_data.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

#include "qa/text.hpp"

namespace courtcast::qa {
namespace {

// Province abbreviations on plates, in simplified form (fold() has already
// turned 粵, 滬, 遼… into these).
constexpr std::u32string_view kProvinces =
    U"京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
// The character after four serial characters on special plates: police,
// driving school, trailer, Hong Kong and Macau cross-border, consulate,
// test and over-size vehicles.
constexpr std::u32string_view kPlateSuffixes = U"警学挂港澳领试超";
constexpr char32_t kEmbassy = U'使';

bool is_digit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char32_t c) {
  return c >= 'a' && c <= 'z';
}
bool is_alnum(char32_t c) {
  return is_digit(c) || is_letter(c);
}

// What may sit between the digits of one number: "138 1234 5678",
// "138 - 1234 - 5678", "(010) 6234 5678", the dashes of Unicode and the
// katakana prolonged mark that Chinese input methods offer as a dash,
// zero-width characters slipped in (full-width forms are folded already).
bool is_number_separator(char32_t c) {
  return c == ' ' || c == '-' || c == '.' || c == '\t' || c == '(' || c == ')' ||
         (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x30FC || is_invisible(c);
}

// The dot of "京A·12345" in its common spellings, and the plain separators.
bool is_plate_separator(char32_t c) {
  return c == 0xB7 || c == 0x2022 || c == 0x2027 || c == 0x22C5 || c == 0x30FB || c == 0xFF65 ||
         c == '.' || c == '-' || c == ' ';
}

bool is_email_local(char32_t c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool is_domain_char(char32_t c) {
  return is_alnum(c) || c == '.' || c == '-';
}

// What a run of digits is, with the positions (into the digit string) to mask.
struct NumberClass {
  FindingKind kind;
  Confidence confidence;
  std::size_t mask_begin;
  std::size_t mask_end;
  std::size_t length;  // digits used (an 'x' after a non-ID is left out)
  std::string reason;
};

bool is_mobile(std::string_view d) {
  return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

bool valid_region(std::string_view d) {
  const int p = (d[0] - '0') * 10 + (d[1] - '0');
  return (p >= 11 && p <= 15) || (p >= 21 && p <= 23) || (p >= 31 && p <= 37) ||
         (p >= 41 && p <= 46) || (p >= 50 && p <= 54) || (p >= 61 && p <= 65) || p == 71 ||
         (p >= 81 && p <= 83);
}

int number_at(std::string_view d, std::size_t pos, std::size_t len) {
  int v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) v = v * 10 + (d[i] - '0');
  return v;
}

// No clock here (the module is pure): any year from 1900 to 2099 is a year.
bool valid_date(int year, int month, int day) {
  if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool all_digits(std::string_view d) {
  for (char c : d) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<NumberClass> classify(std::string_view d) {
  using K = FindingKind;
  using C = Confidence;
  const bool x_last = !d.empty() && d.back() == 'x';
  if (d.size() == 18 && all_digits(d.substr(0, 17)) && valid_region(d) &&
      valid_date(number_at(d, 6, 4), number_at(d, 10, 2), number_at(d, 12, 2))) {
    const char expected = id_check_character(d);
    const char given = x_last ? 'X' : d[17];
    if (given == expected) {
      return NumberClass{
          K::id_number, C::high, 6, 14, 18, "ID number (region, birth date and check digit valid)"};
    }
    return NumberClass{K::id_number,
                       C::low,
                       6,
                       14,
                       18,
                       std::string("ID number with a wrong check digit (") + given + ", expected " +
                           expected + "): masked, as its region and birth date are valid"};
  }
  if (x_last) d.remove_suffix(1);  // only an ID ends in X
  const std::size_t n = d.size();
  if (is_mobile(d)) return NumberClass{K::phone, C::high, 3, 7, n, "mobile number"};
  if (n == 13 && d.substr(0, 2) == "86" && is_mobile(d.substr(2))) {
    return NumberClass{K::phone, C::high, 5, 9, n, "mobile number with +86"};
  }
  if (n == 15 && d.substr(0, 4) == "0086" && is_mobile(d.substr(4))) {
    return NumberClass{K::phone, C::high, 7, 11, n, "mobile number with 0086"};
  }
  if (n >= 10 && n <= 12 && d[0] == '0' && d[1] != '0') {
    // 010 and 02x are three-digit area codes, the rest four.
    const std::size_t area = d[1] == '1' || d[1] == '2' ? 3 : 4;
    const std::size_t subscriber = n - area;
    if ((d[1] != '1' || d[2] == '0') && (subscriber == 7 || subscriber == 8) && d[area] >= '2') {
      return NumberClass{K::phone, C::medium, area, n - 4, n, "landline number (area code kept)"};
    }
  }
  if (n == 15 && valid_region(d) &&
      valid_date(1900 + number_at(d, 6, 2), number_at(d, 8, 2), number_at(d, 10, 2))) {
    return NumberClass{K::id_number, C::medium, 6, 12, n, "first-generation 15-digit ID number"};
  }
  if (n >= 16 && n <= 19) {
    if (luhn_valid(d)) {
      return NumberClass{K::bank_card, C::high, 4, n - 4, n, "bank card number (passes Luhn)"};
    }
    return NumberClass{K::bank_card,
                       C::medium,
                       4,
                       n - 4,
                       n,
                       std::to_string(n) +
                           " digits failing Luhn: masked as a bank card, as some real cards fail "
                           "it"};
  }
  return std::nullopt;
}

class Finder {
 public:
  explicit Finder(const std::vector<char32_t>& f) : f_(f), taken_(f.size(), false) {}

  std::vector<PersonalData> run() {
    find_emails();
    find_plates();
    find_numbers();
    std::sort(out_.begin(), out_.end(),
              [](const PersonalData& a, const PersonalData& b) { return a.first < b.first; });
    return std::move(out_);
  }

 private:
  std::uint32_t size() const { return static_cast<std::uint32_t>(f_.size()); }
  bool free(std::uint32_t i) const { return i < size() && !taken_[i]; }
  char32_t at(std::uint32_t i) const { return i < size() ? f_[i] : 0; }

  void take(PersonalData pd) {
    for (auto i = pd.first; i <= pd.last; ++i) taken_[i] = true;
    out_.push_back(std::move(pd));
  }

  void find_emails() {
    for (std::uint32_t at_sign = 0; at_sign < size(); ++at_sign) {
      if (f_[at_sign] != '@' || taken_[at_sign]) continue;
      std::uint32_t l = at_sign;
      while (l > 0 && free(l - 1) && is_email_local(f_[l - 1])) --l;
      while (l < at_sign && f_[l] == '.') ++l;
      if (l == at_sign) continue;
      std::uint32_t r = at_sign;
      while (free(r + 1) && is_domain_char(f_[r + 1])) ++r;
      while (r > at_sign && (f_[r] == '.' || f_[r] == '-')) --r;
      // A domain has a dot with a label before it and a top-level label of
      // two or more letters after the last one.
      std::uint32_t last_dot = 0;
      for (auto i = at_sign + 1; i <= r; ++i) {
        if (f_[i] == '.') last_dot = i;
      }
      if (last_dot <= at_sign + 1 || r - last_dot < 2) continue;
      bool tld_letters = true;
      for (auto i = last_dot + 1; i <= r; ++i) tld_letters = tld_letters && is_letter(f_[i]);
      if (!tld_letters) continue;
      PersonalData pd{FindingKind::email, Confidence::high, l, r, {}, "e-mail address"};
      // The first character of the name stays, unless it is all there is.
      for (auto i = at_sign - l == 1 ? l : l + 1; i < at_sign; ++i) pd.masked.push_back(i);
      take(std::move(pd));
      at_sign = r;
    }
  }

  void find_plates() {
    for (std::uint32_t i = 0; i < size(); ++i) {
      if (taken_[i]) continue;
      if (f_[i] == kEmbassy) {
        embassy_plate(i);
      } else if (kProvinces.find(f_[i]) != std::u32string_view::npos) {
        province_plate(i);
      }
    }
  }

  // 使014·578: the embassy character and six digits.
  void embassy_plate(std::uint32_t i) {
    std::vector<std::uint32_t> serial;
    std::uint32_t j = i + 1;
    bool separated = false;
    while (free(j) && serial.size() < 7) {
      if (is_digit(f_[j])) {
        serial.push_back(j++);
      } else if (!separated && serial.size() == 3 && is_plate_separator(f_[j])) {
        separated = true;
        ++j;
      } else {
        break;
      }
    }
    if (serial.size() != 6 || is_alnum(at(j))) return;
    PersonalData pd{FindingKind::plate, Confidence::high, i, serial.back(), {}, "embassy plate"};
    pd.masked.assign(serial.begin(), serial.end() - 1);
    take(std::move(pd));
  }

  // 京A·12345, 京A·D12345 / 京A·12345D (new energy), 粤Z·1234港 (suffix).
  void province_plate(std::uint32_t i) {
    if (!free(i + 1) || !is_letter(f_[i + 1])) return;
    std::uint32_t j = i + 2;
    if (free(j) && is_plate_separator(f_[j]) && free(j + 1) && is_alnum(f_[j + 1])) ++j;
    std::vector<std::uint32_t> serial;
    while (free(j) && is_alnum(f_[j]) && serial.size() < 7) serial.push_back(j++);
    std::size_t digits = 0;
    for (auto k : serial) digits += is_digit(f_[k]) ? 1 : 0;
    const auto s = [&](std::size_t k) { return f_[serial[k]]; };
    const auto energy = [](char32_t c) { return c == 'd' || c == 'f'; };

    PersonalData pd{FindingKind::plate, Confidence::high, i, 0, {}, {}};
    if (serial.size() == 6 && !is_alnum(at(j)) &&
        ((energy(s(0)) && digits >= 4 && is_digit(s(2)) && is_digit(s(3)) && is_digit(s(4)) &&
          is_digit(s(5))) ||
         (energy(s(5)) && digits == 5))) {
      pd.reason = "new-energy licence plate";
    } else if (serial.size() == 4 && free(j) &&
               kPlateSuffixes.find(f_[j]) != std::u32string_view::npos && digits >= 3 &&
               !is_alnum(at(j + 1))) {
      pd.reason = "licence plate with a special suffix";
      pd.last = j;
    } else if (serial.size() == 5 && !is_alnum(at(j)) && digits >= 3) {
      pd.reason = "licence plate";
    } else {
      return;
    }
    if (pd.last == 0) pd.last = serial.back();
    pd.masked.assign(serial.begin(), serial.end() - 1);
    take(std::move(pd));
  }

  struct Group {
    std::vector<std::uint32_t> idx;  // characters of the digits (and a final 'x')
  };

  void find_numbers() {
    std::uint32_t i = 0;
    while (i < size()) {
      if (taken_[i] || !is_digit(f_[i])) {
        ++i;
        continue;
      }
      std::vector<Group> groups;
      std::uint32_t j = i;
      for (;;) {
        Group g;
        while (free(j) && is_digit(f_[j])) g.idx.push_back(j++);
        const bool x_follows = free(j) && f_[j] == 'x' && !is_alnum(at(j + 1));
        if (x_follows) g.idx.push_back(j++);
        groups.push_back(std::move(g));
        if (x_follows) break;
        // Up to three separator characters may join this group to the next.
        std::uint32_t k = j;
        while (k < j + 3 && free(k) && is_number_separator(f_[k])) ++k;
        if (k == j || !free(k) || !is_digit(f_[k])) break;
        j = k;
      }
      segment(groups);
      i = j;
    }
  }

  // The longest run of whole groups from each start that is something; a
  // lone long group that is nothing known is masked as a number.
  void segment(const std::vector<Group>& groups) {
    constexpr std::size_t kLongest = 19;
    std::size_t g = 0;
    while (g < groups.size()) {
      std::size_t end = g;
      std::size_t total = 0;
      while (end < groups.size() && total + groups[end].idx.size() <= kLongest) {
        total += groups[end].idx.size();
        ++end;
      }
      bool found = false;
      for (std::size_t last = end; last > g && !found; --last) {
        std::vector<std::uint32_t> idx;
        std::string digits;
        for (std::size_t k = g; k < last; ++k) {
          for (auto c : groups[k].idx) {
            idx.push_back(c);
            digits.push_back(static_cast<char>(f_[c]));
          }
        }
        if (auto cls = classify(digits)) {
          emit(idx, *cls);
          g = last;
          found = true;
        }
      }
      if (found) continue;
      const auto& lone = groups[g].idx;
      if (lone.size() >= 12) {
        std::size_t n = lone.size();
        if (f_[lone.back()] == 'x') --n;
        emit(lone, NumberClass{FindingKind::number, Confidence::low, 0, n - 4, n,
                               std::to_string(n) +
                                   "-digit number of no known kind: masked in case it is an "
                                   "account"});
      }
      ++g;
    }
  }

  void emit(const std::vector<std::uint32_t>& idx, const NumberClass& cls) {
    PersonalData pd{cls.kind, cls.confidence, idx.front(), idx[cls.length - 1], {}, cls.reason};
    for (auto k = cls.mask_begin; k < cls.mask_end; ++k) pd.masked.push_back(idx[k]);
    take(std::move(pd));
  }

  const std::vector<char32_t>& f_;
  std::vector<bool> taken_;
  std::vector<PersonalData> out_;
};

}  // namespace

char id_check_character(std::string_view d) {
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (d[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

bool luhn_valid(std::string_view d) {
  int sum = 0;
  bool twice = false;
  for (auto it = d.rbegin(); it != d.rend(); ++it) {
    int v = *it - '0';
    if (twice) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    twice = !twice;
  }
  return !d.empty() && sum % 10 == 0;
}

std::vector<PersonalData> find_personal_data(const std::vector<char32_t>& folded) {
  return Finder(folded).run();
}

}  // namespace courtcast::qa
