#include "court/people.hpp"

#include "court/codes.hpp"

namespace courtcast::court {

namespace {

constexpr detail::CodeTable<PartyKind, 2> kPartyKinds = {
    {{PartyKind::person, "person"}, {PartyKind::organisation, "organisation"}}};

constexpr detail::CodeTable<OfficerRole, 6> kOfficerRoles = {
    {{OfficerRole::judge, "judge"},
     {OfficerRole::enforcement_officer, "enforcement_officer"},
     {OfficerRole::judicial_police, "judicial_police"},
     {OfficerRole::clerk, "clerk"},
     {OfficerRole::host, "host"},
     {OfficerRole::other, "other"}}};

// Two-character surnames common enough to be kept whole.
constexpr std::string_view kCompoundSurnames[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "公孙", "夏侯",
    "长孙", "宇文", "司徒", "轩辕", "端木", "独孤", "南宫", "西门", "澹台", "呼延"};

// Bytes of the UTF-8 sequence starting at s[i] (1 for a stray byte).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c < 0x80           ? 1
                        : (c >> 5) == 0x6  ? 2
                        : (c >> 4) == 0xE  ? 3
                        : (c >> 3) == 0x1E ? 4
                                           : 1;
  return i + n <= s.size() ? n : 1;
}

}  // namespace

std::string published_name(const Party& party) {
  if (party.kind == PartyKind::organisation || party.name.empty()) return party.name;
  const std::string_view name = party.name;
  for (auto surname : kCompoundSurnames)
    if (name.size() > surname.size() && name.substr(0, surname.size()) == surname)
      return std::string(surname) + "某";
  return std::string(name.substr(0, utf8_length(name, 0))) + "某";
}

std::string_view party_kind_code(PartyKind k) {
  return detail::code_of(kPartyKinds, k);
}
std::optional<PartyKind> party_kind_from_code(std::string_view code) {
  return detail::from_code(kPartyKinds, code);
}
std::string_view officer_role_code(OfficerRole r) {
  return detail::code_of(kOfficerRoles, r);
}
std::optional<OfficerRole> officer_role_from_code(std::string_view code) {
  return detail::from_code(kOfficerRoles, code);
}

}  // namespace courtcast::court
