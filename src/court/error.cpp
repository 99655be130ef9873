#include "court/error.hpp"

namespace courtcast::court {

std::string_view rule_code(Rule rule) {
  switch (rule) {
#define COURTCAST_RULE(name) \
  case Rule::name:           \
    return #name;
    COURTCAST_RULE(invalid_input)
    COURTCAST_RULE(invalid_case_number)
    COURTCAST_RULE(session_transition_not_allowed)
    COURTCAST_RULE(session_needs_approval_to_go_live)
    COURTCAST_RULE(session_already_ended)
    COURTCAST_RULE(session_needs_cases_to_submit)
    COURTCAST_RULE(session_needs_plan_to_submit)
    COURTCAST_RULE(approver_must_differ_from_submitter)
    COURTCAST_RULE(rejection_needs_reason)
    COURTCAST_RULE(session_locked_after_submission)
    COURTCAST_RULE(case_barred_from_broadcast)
    COURTCAST_RULE(broadcast_bar_needs_reason)
    COURTCAST_RULE(step_needs_officer)
    COURTCAST_RULE(step_ends_before_it_starts)
    COURTCAST_RULE(step_on_closed_case)
    COURTCAST_RULE(coercive_step_needs_prior_notice)
    COURTCAST_RULE(coercive_step_before_notice_deadline)
    COURTCAST_RULE(coercive_step_needs_witness)
    COURTCAST_RULE(coercive_step_needs_two_recording_inputs)
    COURTCAST_RULE(notice_step_needs_deadline)
    COURTCAST_RULE(step_has_no_deadline)
    COURTCAST_RULE(deadline_already_resolved)
    COURTCAST_RULE(deadline_not_yet_passed)
    COURTCAST_RULE(step_needs_amount)
    COURTCAST_RULE(payout_exceeds_recovered)
    COURTCAST_RULE(case_needs_applicant_and_respondent)
    COURTCAST_RULE(case_has_open_deadline)
    COURTCAST_RULE(case_already_closed)
    COURTCAST_RULE(property_leads_check_overdue)
    COURTCAST_RULE(valuation_overdue)
    COURTCAST_RULE(auction_notice_too_short)
    COURTCAST_RULE(auction_bidding_too_short)
    COURTCAST_RULE(payout_overdue)
    COURTCAST_RULE(closure_overdue)
#undef COURTCAST_RULE
  }
  return "unknown_rule";
}

}  // namespace courtcast::court
