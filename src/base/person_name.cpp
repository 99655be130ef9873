#include "base/person_name.hpp"

namespace courtcast::base {

namespace {

// Two-character surnames common enough to be kept whole.
constexpr std::string_view kCompoundSurnames[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "夏侯",
    "长孙", "宇文", "司徒", "轩辕", "端木", "独孤", "南宫", "西门", "澹台", "呼延"};

// Bytes of the UTF-8 sequence starting at s[0] (1 for a stray byte).
std::size_t first_char_bytes(std::string_view s) {
  const auto c = static_cast<unsigned char>(s[0]);
  const std::size_t n = c < 0x80           ? 1
                        : (c >> 5) == 0x6  ? 2
                        : (c >> 4) == 0xE  ? 3
                        : (c >> 3) == 0x1E ? 4
                                           : 1;
  return n <= s.size() ? n : 1;
}

bool compound(std::string_view name, std::string_view surname) {
  return name.size() > surname.size() && name.substr(0, surname.size()) == surname;
}

}  // namespace

std::size_t surname_bytes(std::string_view name) {
  if (name.empty()) return 0;
  for (auto surname : kCompoundSurnames)
    if (compound(name, surname)) return surname.size();
  return first_char_bytes(name);
}

std::size_t surname_chars(std::string_view name) {
  if (name.empty()) return 0;
  for (auto surname : kCompoundSurnames)
    if (compound(name, surname)) return 2;
  return 1;
}

std::string published_person_name(std::string_view name) {
  if (name.empty()) return {};
  return std::string(name.substr(0, surname_bytes(name))) + "某";
}

}  // namespace courtcast::base
