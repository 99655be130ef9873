#pragma once
// Enum ↔ stable text code tables. The codes are what the store writes and
// the API speaks, so renaming an enumerator never changes stored data.

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace courtcast::court::detail {

template <typename E, std::size_t N>
using CodeTable = std::array<std::pair<E, std::string_view>, N>;

template <typename E, std::size_t N>
constexpr std::string_view code_of(const CodeTable<E, N>& table, E value) {
  for (const auto& [e, code] : table) {
    if (e == value) return code;
  }
  return "unknown";
}

template <typename E, std::size_t N>
constexpr std::optional<E> from_code(const CodeTable<E, N>& table, std::string_view code) {
  for (const auto& [e, c] : table) {
    if (c == code) return e;
  }
  return std::nullopt;
}

}  // namespace courtcast::court::detail
