#pragma once
// The one way a value from outside (a stream name, a query, a user name, a
// header, an error text that quotes them) reaches a log line: escaped so it
// cannot end the line, forge a field or hide behind terminal controls, and
// cut short so that one client cannot write kilobytes per line.

#include <cstddef>
#include <string>
#include <string_view>

namespace courtcast::base {

// Output bytes kept before the cut; the marker says how much was left out.
inline constexpr std::size_t kLogValueMaxBytes = 256;

// `value` as one logfmt value: bare when it is plain (letters, digits and
// printable punctuation other than `"`, `\` and `=`), otherwise in double
// quotes. Inside, `"` and `\` are backslash-escaped, control bytes and bytes
// that are not UTF-8 become \xNN, and invisible or line-breaking code points
// (C1 controls, bidi and zero-width marks, U+2028/9, U+FEFF) become \uNNNN (\UNNNNNNNN past
// U+FFFF). Printable UTF-8 (e.g. Chinese names) stays readable. Longer than kLogValueMaxBytes, it
// ends in `...(+N bytes)`, N counting input bytes.
std::string log_value(std::string_view value);

}  // namespace courtcast::base
