#include "qa/finding.hpp"

namespace courtcast::qa {

std::string_view to_string(FindingKind kind) {
  switch (kind) {
    case FindingKind::phone:
      return "phone";
    case FindingKind::id_number:
      return "id_number";
    case FindingKind::bank_card:
      return "bank_card";
    case FindingKind::number:
      return "number";
    case FindingKind::plate:
      return "plate";
    case FindingKind::email:
      return "email";
    case FindingKind::name:
      return "name";
    case FindingKind::word:
      return "word";
  }
  return "word";
}

std::string_view to_string(Action action) {
  switch (action) {
    case Action::mask:
      return "mask";
    case Action::flag:
      return "flag";
    case Action::reject:
      return "reject";
  }
  return "flag";
}

std::string_view to_string(Confidence confidence) {
  switch (confidence) {
    case Confidence::high:
      return "high";
    case Confidence::medium:
      return "medium";
    case Confidence::low:
      return "low";
  }
  return "low";
}

}  // namespace courtcast::qa
