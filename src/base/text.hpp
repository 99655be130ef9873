#pragma once
// The pieces of a request target (its query string and its path) and of a
// Cookie header.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace courtcast::base {

// `%XX` decoded and `+` read as a space; a `%` not followed by two hex
// digits stays as it is.
std::string percent_decode(std::string_view text);

// The value of `name` in a URL query string ("a=1&key=x"), percent-decoded;
// nullopt when the name is absent or has no `=`.
std::optional<std::string> query_value(std::string_view query, std::string_view name);

// The value of cookie `name` in a Cookie header ("a=1; name=v"), as sent
// (not decoded); "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

// "/a//b/c" → {"a", "b", "c"}: the non-empty segments, pointing into `path`.
std::vector<std::string_view> path_segments(std::string_view path);

}  // namespace courtcast::base
