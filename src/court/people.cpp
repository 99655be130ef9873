#include "court/people.hpp"

#include "base/codes.hpp"
#include "base/person_name.hpp"

namespace courtcast::court {

namespace {

constexpr base::CodeTable<PartyKind, 2> kPartyKinds = {
    {{PartyKind::person, "person"}, {PartyKind::organisation, "organisation"}}};

constexpr base::CodeTable<OfficerRole, 6> kOfficerRoles = {
    {{OfficerRole::judge, "judge"},
     {OfficerRole::enforcement_officer, "enforcement_officer"},
     {OfficerRole::judicial_police, "judicial_police"},
     {OfficerRole::clerk, "clerk"},
     {OfficerRole::host, "host"},
     {OfficerRole::other, "other"}}};

}  // namespace

std::string published_name(const Party& party) {
  if (party.kind == PartyKind::organisation) return party.name;
  return base::published_person_name(party.name);
}

std::string_view party_kind_code(PartyKind k) {
  return base::code_of(kPartyKinds, k);
}
std::optional<PartyKind> party_kind_from_code(std::string_view code) {
  return base::from_code(kPartyKinds, code);
}
std::string_view officer_role_code(OfficerRole r) {
  return base::code_of(kOfficerRoles, r);
}
std::optional<OfficerRole> officer_role_from_code(std::string_view code) {
  return base::from_code(kOfficerRoles, code);
}

}  // namespace courtcast::court
