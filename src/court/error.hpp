#pragma once
// The one error type of the domain: which rule refused the action and a
// message a person can act on. The rule's code is stable text that the API
// returns as `error.code`, so scripts can branch on it.

#include <string>
#include <string_view>

#include "court/expected.hpp"

namespace courtcast::court {

enum class Rule {
  // Input that is malformed rather than against a rule of practice.
  invalid_input,
  invalid_case_number,
  // Live sessions.
  session_transition_not_allowed,
  session_needs_approval_to_go_live,
  session_already_ended,
  session_needs_cases_to_submit,
  session_needs_plan_to_submit,
  approver_must_differ_from_submitter,
  rejection_needs_reason,
  session_locked_after_submission,
  case_barred_from_broadcast,
  broadcast_bar_needs_reason,
  // Enforcement steps.
  step_needs_officer,
  step_ends_before_it_starts,
  step_on_closed_case,
  coercive_step_needs_prior_notice,
  coercive_step_before_notice_deadline,
  coercive_step_needs_witness,
  coercive_step_needs_two_recording_inputs,
  notice_step_needs_deadline,
  step_has_no_deadline,
  deadline_already_resolved,
  deadline_not_yet_passed,
  step_needs_amount,
  payout_exceeds_recovered,
  // Cases.
  case_needs_applicant_and_respondent,
  case_has_open_deadline,
  case_already_closed,
  // Workflow deadlines of practice (domain.md, Rules and practice).
  property_leads_check_overdue,
  valuation_overdue,
  auction_notice_too_short,
  auction_bidding_too_short,
  payout_overdue,
  closure_overdue,
};

// The snake_case name of a rule, e.g. "coercive_step_needs_prior_notice".
std::string_view rule_code(Rule rule);

struct Error {
  Rule rule = Rule::invalid_input;
  std::string message;

  std::string_view code() const { return rule_code(rule); }
};

template <typename T>
using Result = Expected<T, Error>;

// Shorthand for `return fail(Rule::x, "...")` in functions returning Result.
inline Unexpected<Error> fail(Rule rule, std::string message) {
  return Unexpected<Error>{Error{rule, std::move(message)}};
}

}  // namespace courtcast::court
