#pragma once
// What a username and a password must be, checked wherever one is made
// (the users API; the store refuses a bad username too).

#include <optional>
#include <string>
#include <string_view>

namespace courtcast::store {

inline constexpr std::size_t kMinUsernameChars = 2;
inline constexpr std::size_t kMaxUsernameChars = 32;
inline constexpr std::size_t kMinPasswordChars = 10;

// Why `name` cannot be a username, nullopt when it can: 2 to 32 of ASCII
// letters and digits, CJK ideographs, '.', '_' and '-', beginning and ending
// with a letter or digit; never one of the names the audit log gives to
// what is not a user ("api-token", "token:NAME", "system", "demo"), nor one
// that reads like them ("API_Token", "token-ci", "System").
std::optional<std::string> username_problem(std::string_view name);

// Why `password` is too weak for `username`, nullopt when it is not: at
// least 10 characters, not one character repeated, not holding the username,
// not one of the most common passwords (common_passwords.cpp), in any case.
std::optional<std::string> password_problem(std::string_view password, std::string_view username);

// Whether `password` (in lower case) is on the shipped list.
bool is_common_password(std::string_view lower_case_password);

}  // namespace courtcast::store
