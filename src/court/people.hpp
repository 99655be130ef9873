#pragma once
// The people around an enforcement: the parties of a case, the officers who
// act and the witnesses who watch. Names are what the case file records;
// what may be shown on air is decided by the privacy rules, not here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace courtcast::court {

enum class PartyKind { person, organisation };

struct Party {
  std::string name;
  PartyKind kind = PartyKind::person;
  bool is_minor = false;  // a minor party bars the case from broadcast
};

// A party's name as a broadcast may show it (court publicity rules): a
// person by surname + 某 (张三 → 张某, 欧阳娜娜 → 欧阳某); an
// organisation by its name.
std::string published_name(const Party& party);

// 申请执行人: the party who won and asks for enforcement.
using Applicant = Party;
// 被执行人: the party the judgment is enforced against.
using Respondent = Party;

enum class OfficerRole {
  judge,                // 执行法官 / 承办人
  enforcement_officer,  // 执行员
  judicial_police,      // 法警
  clerk,                // 书记员
  host,                 // 主持人 of the broadcast
  other,
};

struct Officer {
  std::string name;
  OfficerRole role = OfficerRole::enforcement_officer;

  bool operator==(const Officer&) const = default;
};

// 见证人: a person or body attending so the step is supervised, e.g. the
// procuratorate (检察院) or the grassroots organisation (基层组织, 村委会).
struct Witness {
  std::string name;
  std::string organisation;
};

std::string_view party_kind_code(PartyKind k);
std::optional<PartyKind> party_kind_from_code(std::string_view code);
std::string_view officer_role_code(OfficerRole r);
std::optional<OfficerRole> officer_role_from_code(std::string_view code);

}  // namespace courtcast::court
