#include "store/credential_rules.hpp"

#include <algorithm>
#include <vector>

#include "base/unicode.hpp"

namespace courtcast::store {

namespace {

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::optional<std::string> username_problem(std::string_view name) {
  const std::string allowed = "ASCII letters, digits, Chinese characters, '.', '_' and '-'";
  std::vector<char32_t> chars;
  for (std::string_view rest = name; !rest.empty();) {
    const char32_t c = base::next_code_point(rest);
    if (!base::username_letter(c) && c != '.' && c != '_' && c != '-')
      return base::code_point_name(c) + " is not allowed (allowed: " + allowed + ")";
    chars.push_back(c);
    if (chars.size() > kMaxUsernameChars) break;
  }
  if (chars.size() < kMinUsernameChars || chars.size() > kMaxUsernameChars)
    return std::to_string(kMinUsernameChars) + " to " + std::to_string(kMaxUsernameChars) +
           " characters";
  if (!base::username_letter(chars.front()) || !base::username_letter(chars.back()))
    return "must begin and end with a letter or digit";
  // The audit log names the bootstrap token "api-token", API tokens
  // "token:NAME", start-up "system" and the demo data "demo": a user so
  // named could pass for them.
  std::string folded;
  for (char c : ascii_lower(name))
    if (c != '.' && c != '_' && c != '-') folded.push_back(c);
  if (folded == "apitoken" || folded == "system" || folded == "demo" || folded.starts_with("token"))
    return "'" + std::string(name) +
           "' reads like a name the audit log gives to tokens or the system "
           "(api-token, token:…, system, demo)";
  return std::nullopt;
}

std::optional<std::string> password_problem(std::string_view password, std::string_view username) {
  std::size_t chars = 0;
  char32_t first = 0;
  bool one_char = true;
  for (std::string_view rest = password; !rest.empty();) {
    const char32_t c = base::next_code_point(rest);
    if (chars++ == 0) first = c;
    one_char = one_char && c == first;
  }
  if (chars < kMinPasswordChars)
    return "at least " + std::to_string(kMinPasswordChars) + " characters";
  if (one_char) return "must not be one character repeated";
  const std::string lower = ascii_lower(password);
  if (!username.empty() && lower.find(ascii_lower(username)) != std::string::npos)
    return "must not contain the username";
  if (is_common_password(lower)) return "is one of the most common passwords; choose another";
  return std::nullopt;
}

}  // namespace courtcast::store
