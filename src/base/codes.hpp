#pragma once
// Enum ↔ stable text code tables: the one way an enum is written as text and
// read back (docs/architecture.md, Style). Its to_string / *_code function,
// its parser and any "one of …" message are lookups in one table, so they
// cannot drift apart, and the codes are what the store writes and the API
// speaks: renaming an enumerator never changes stored data. Codes are string
// literals, so a code's data() is NUL-terminated.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace courtcast::base {

template <typename E, std::size_t N>
using CodeTable = std::array<std::pair<E, std::string_view>, N>;

// `otherwise` only for a value outside the table (a cast from a number).
template <typename E, std::size_t N>
constexpr std::string_view code_of(const CodeTable<E, N>& table, E value,
                                   std::string_view otherwise = "unknown") {
  for (const auto& [e, code] : table)
    if (e == value) return code;
  return otherwise;
}

template <typename E, std::size_t N>
constexpr std::optional<E> from_code(const CodeTable<E, N>& table, std::string_view code) {
  for (const auto& [e, c] : table)
    if (c == code) return e;
  return std::nullopt;
}

// "a, b, c": the codes for a "one of …" message.
template <typename E, std::size_t N>
std::string codes_list(const CodeTable<E, N>& table) {
  std::string out;
  for (const auto& [e, c] : table) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

}  // namespace courtcast::base
