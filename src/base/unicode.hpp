#pragma once
// What a name or text from a client may contain. Control, format and bidi
// characters make a name look like another or reorder a line when shown
// (an RTL override turns "txt.exe" around); they have no place in a court's
// records, so the API refuses them at the edge rather than escape them later.

#include <optional>
#include <string>
#include <string_view>

namespace courtcast::base {

// The code points of `utf8` one by one; an invalid sequence reads as U+FFFD.
// (JSON bodies are valid UTF-8 already; this only has to be safe.)
char32_t next_code_point(std::string_view& utf8);

// "U+202E" for 0x202E.
std::string code_point_name(char32_t c);

// Why `utf8` may not be stored as text — the first control (C0 but tab,
// line feed and carriage return; DEL; C1), bidi control (U+200E/F, U+061C,
// U+202A–U+202E, U+2066–U+2069), line or paragraph separator, or invalid
// UTF-8 — as "U+202E (a bidi control) at character 4"; nullopt when it is
// all right.
std::optional<std::string> unsafe_text(std::string_view utf8);

// Letters and digits a username may hold: ASCII letters and digits and the
// CJK ideographs. Other scripts are left out on purpose: many of their
// letters look like Latin ones (Cyrillic "а", Greek "ο"), and a court's
// logins are pinyin or Chinese.
bool username_letter(char32_t c);

}  // namespace courtcast::base
