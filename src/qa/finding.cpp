#include "qa/finding.hpp"

#include "base/codes.hpp"

namespace courtcast::qa {

constexpr base::CodeTable<FindingKind, 8> kFindingKindCodes = {
    {{FindingKind::phone, "phone"},
     {FindingKind::id_number, "id_number"},
     {FindingKind::bank_card, "bank_card"},
     {FindingKind::number, "number"},
     {FindingKind::plate, "plate"},
     {FindingKind::email, "email"},
     {FindingKind::name, "name"},
     {FindingKind::word, "word"}}};

std::string_view to_string(FindingKind kind) {
  return base::code_of(kFindingKindCodes, kind, "word");
}

constexpr base::CodeTable<Action, 3> kActionCodes = {
    {{Action::mask, "mask"}, {Action::flag, "flag"}, {Action::reject, "reject"}}};

std::string_view to_string(Action action) {
  return base::code_of(kActionCodes, action, "flag");
}

constexpr base::CodeTable<Confidence, 3> kConfidenceCodes = {
    {{Confidence::high, "high"}, {Confidence::medium, "medium"}, {Confidence::low, "low"}}};

std::string_view to_string(Confidence confidence) {
  return base::code_of(kConfidenceCodes, confidence, "low");
}

}  // namespace courtcast::qa
