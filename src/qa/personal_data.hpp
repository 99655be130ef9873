#pragma once
// Finding personal data in a question: mainland mobile and landline numbers,
// resident ID numbers, bank card numbers, other long numbers, licence plates
// and e-mail addresses. Works on folded characters (so full-width digits and
// traditional province names count) and says which characters to mask.

#include <cstdint>
#include <string>
#include <vector>

#include "qa/finding.hpp"

namespace courtcast::qa {

struct PersonalData {
  FindingKind kind = FindingKind::phone;
  Confidence confidence = Confidence::high;
  std::uint32_t first = 0;  // character indices, inclusive
  std::uint32_t last = 0;
  std::vector<std::uint32_t> masked;  // character indices to show as '*'
  std::string reason;
};

// `folded` holds fold() of each character of the text, in order.
std::vector<PersonalData> find_personal_data(const std::vector<char32_t>& folded);

// ISO 7064 MOD 11-2 check character of the first 17 digits of an 18-digit
// resident ID number ('0'–'9' or 'X'); `digits` holds at least 17 digits.
char id_check_character(std::string_view digits);

// Luhn (mod 10) check over all of `digits`.
bool luhn_valid(std::string_view digits);

}  // namespace courtcast::qa
