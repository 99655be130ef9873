#pragma once
// How much of a person's name a court may publish: the surname, and no more
// (张三 → 张某 on air, 张* in a viewer's question; 欧阳娜娜 → 欧阳某). The
// one rule for the broadcast (court::published_name) and for viewers'
// questions (qa's names to hide).

#include <cstddef>
#include <string>
#include <string_view>

namespace courtcast::base {

// Bytes of `name`'s surname: a common two-character surname (欧阳, 司马,
// 诸葛, …) whole, else its first character (one UTF-8 sequence; a stray
// byte counts as one). 0 for an empty name.
std::size_t surname_bytes(std::string_view name);

// Characters of the surname (1 or 2; 0 for an empty name).
std::size_t surname_chars(std::string_view name);

// The surname + 某 ("张某"); empty for an empty name.
std::string published_person_name(std::string_view name);

}  // namespace courtcast::base
