#include "court/step.hpp"

#include "base/codes.hpp"

namespace courtcast::court {

namespace {

constexpr base::CodeTable<DeadlineState, 3> kDeadlineStates = {{{DeadlineState::open, "open"},
                                                                {DeadlineState::met, "met"},
                                                                {DeadlineState::missed, "missed"}}};
// The outcomes recorded of an open deadline: the same codes, without open.
constexpr base::CodeTable<DeadlineState, 2> kDeadlineOutcomes = {
    {{DeadlineState::met, base::code_of(kDeadlineStates, DeadlineState::met)},
     {DeadlineState::missed, base::code_of(kDeadlineStates, DeadlineState::missed)}}};

constexpr base::CodeTable<PropertyKind, 2> kPropertyKinds = {
    {{PropertyKind::movables, "movables"}, {PropertyKind::real_estate, "real_estate"}}};

std::string describe(const EnforcementStep& step) {
  return "step " + std::to_string(step.id) + " (" + std::string(step_type_info(step.type).name_zh) +
         ")";
}

Result<void> check_resolvable(const EnforcementStep& step) {
  if (!step.deadline) {
    return fail(Rule::step_has_no_deadline, describe(step) + " has no deadline to record");
  }
  if (step.deadline->state != DeadlineState::open) {
    return fail(Rule::deadline_already_resolved,
                describe(step) + ": the deadline was already recorded as " +
                    std::string(deadline_state_code(step.deadline->state)));
  }
  return {};
}

}  // namespace

bool deadline_open(const EnforcementStep& step) {
  return step.deadline && step.deadline->state == DeadlineState::open;
}

Result<void> record_deadline_met(EnforcementStep& step, UtcMs met_at_ms) {
  if (auto r = check_resolvable(step); !r) return r;
  if (met_at_ms < step.start_ms) {
    return fail(Rule::invalid_input,
                describe(step) + ": the deadline cannot be met before the step started");
  }
  step.deadline->state =
      met_at_ms <= step.deadline->due_ms ? DeadlineState::met : DeadlineState::missed;
  step.deadline->resolved_ms = met_at_ms;
  return {};
}

Result<void> record_deadline_missed(EnforcementStep& step, UtcMs now_ms) {
  if (auto r = check_resolvable(step); !r) return r;
  if (now_ms <= step.deadline->due_ms) {
    const auto left_s = (step.deadline->due_ms - now_ms) / kMsPerSecond;
    return fail(Rule::deadline_not_yet_passed,
                describe(step) + ": the deadline has not passed yet (" + std::to_string(left_s) +
                    " s left); record it as missed after it passes");
  }
  step.deadline->state = DeadlineState::missed;
  step.deadline->resolved_ms = now_ms;
  return {};
}

std::string_view deadline_state_code(DeadlineState s) {
  return base::code_of(kDeadlineStates, s);
}
std::optional<DeadlineState> deadline_state_from_code(std::string_view code) {
  return base::from_code(kDeadlineStates, code);
}
std::optional<DeadlineState> deadline_outcome_from_code(std::string_view code) {
  return base::from_code(kDeadlineOutcomes, code);
}
const std::string& deadline_outcome_codes() {
  static const std::string codes = base::codes_list(kDeadlineOutcomes);
  return codes;
}
std::string_view property_kind_code(PropertyKind k) {
  return base::code_of(kPropertyKinds, k);
}
std::optional<PropertyKind> property_kind_from_code(std::string_view code) {
  return base::from_code(kPropertyKinds, code);
}

}  // namespace courtcast::court
