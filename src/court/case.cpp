#include "court/case.hpp"

#include "base/codes.hpp"
#include "court/case_number.hpp"

namespace courtcast::court {

namespace {

using base::CodeTable;

constexpr CodeTable<CaseState, 4> kStates = {{{CaseState::filed, "filed"},
                                              {CaseState::in_progress, "in_progress"},
                                              {CaseState::suspended, "suspended"},
                                              {CaseState::closed, "closed"}}};

constexpr CodeTable<ClosureMode, 6> kModes = {
    {{ClosureMode::fully_enforced, "fully_enforced"},
     {ClosureMode::ended_for_now, "ended_for_now"},
     {ClosureMode::terminated, "terminated"},
     {ClosureMode::withdrawn, "withdrawn"},
     {ClosureMode::not_enforced, "not_enforced"},
     {ClosureMode::application_rejected, "application_rejected"}}};

constexpr CodeTable<ClosureMode, 6> kModeNames = {
    {{ClosureMode::fully_enforced, "执行完毕"},
     {ClosureMode::ended_for_now, "终结本次执行程序"},
     {ClosureMode::terminated, "终结执行"},
     {ClosureMode::withdrawn, "销案"},
     {ClosureMode::not_enforced, "不予执行"},
     {ClosureMode::application_rejected, "驳回申请"}}};

constexpr CodeTable<EnforcementOutcome, 4> kOutcomes = {
    {{EnforcementOutcome::none, "none"},
     {EnforcementOutcome::forced, "forced"},
     {EnforcementOutcome::voluntary, "voluntary"},
     {EnforcementOutcome::settled, "settled"}}};

constexpr CodeTable<BarReason, 6> kBarReasons = {{{BarReason::party_objection, "party_objection"},
                                                  {BarReason::state_secret, "state_secret"},
                                                  {BarReason::trade_secret, "trade_secret"},
                                                  {BarReason::privacy, "privacy"},
                                                  {BarReason::minor, "minor"},
                                                  {BarReason::other, "other"}}};

Result<void> validate_parties(const std::vector<Party>& parties, std::string_view field) {
  for (const auto& p : parties) {
    if (p.name.empty()) {
      return fail(Rule::invalid_input, "case " + std::string(field) + ": a party has no name");
    }
  }
  return {};
}

}  // namespace

Result<void> validate_case(Case& c) {
  auto number = parse_case_number(c.number);
  if (!number) return Unexpected<Error>{number.error()};
  c.number = number->to_string();

  if (c.cause.empty()) return fail(Rule::invalid_input, "case cause (案由): must not be empty");
  if (c.applicants.empty() || c.respondents.empty()) {
    return fail(Rule::case_needs_applicant_and_respondent,
                "case " + c.number +
                    ": name at least one applicant (申请执行人) and one respondent (被执行人)");
  }
  if (auto r = validate_parties(c.applicants, "applicants"); !r) return r;
  if (auto r = validate_parties(c.respondents, "respondents"); !r) return r;
  if (c.claimed_fen < 0 || c.recovered_fen < 0 || c.paid_out_fen < 0) {
    return fail(
        Rule::invalid_input,
        "case " + c.number + ": amounts claimed, recovered and paid out must not be negative");
  }
  if (c.paid_out_fen > c.recovered_fen) {
    return fail(Rule::payout_exceeds_recovered,
                "case " + c.number + ": paid out (" + std::to_string(c.paid_out_fen) +
                    " fen) exceeds recovered (" + std::to_string(c.recovered_fen) + " fen)");
  }
  if ((c.state == CaseState::closed) != (c.closure_mode && c.closed_ms)) {
    return fail(Rule::invalid_input, "case " + c.number +
                                         ": a closed case needs its closure mode and date, and "
                                         "only a closed case has them");
  }
  if (c.closed_ms && *c.closed_ms < c.filed_ms) {
    return fail(Rule::invalid_input, "case " + c.number + ": closed before it was filed");
  }
  if (c.broadcast_bar && c.broadcast_bar->reason == BarReason::other &&
      c.broadcast_bar->note.empty()) {
    return fail(Rule::broadcast_bar_needs_reason,
                "case " + c.number + ": say why the case may not be broadcast");
  }

  bool has_minor = false;
  for (const auto* parties : {&c.applicants, &c.respondents}) {
    for (const auto& p : *parties) has_minor = has_minor || p.is_minor;
  }
  if (has_minor && !c.broadcast_bar) {
    c.broadcast_bar = BroadcastBar{BarReason::minor, "a party is a minor"};
  }
  return {};
}

Result<void> bar_from_broadcast(Case& c, BarReason reason, std::string note) {
  if (reason == BarReason::other && note.empty()) {
    return fail(Rule::broadcast_bar_needs_reason,
                "case " + c.number + ": say why the case may not be broadcast");
  }
  c.broadcast_bar = BroadcastBar{reason, std::move(note)};
  return {};
}

Result<void> check_broadcastable(const Case& c) {
  if (!c.broadcast_bar) return {};
  std::string why(bar_reason_code(c.broadcast_bar->reason));
  if (!c.broadcast_bar->note.empty()) why += ": " + c.broadcast_bar->note;
  return fail(Rule::case_barred_from_broadcast,
              "case " + c.number + " may not be broadcast (" + why +
                  "); take it off the session or lift the bar first");
}

std::string_view case_state_code(CaseState s) {
  return base::code_of(kStates, s);
}
std::string_view closure_mode_code(ClosureMode m) {
  return base::code_of(kModes, m);
}
std::string_view closure_mode_name_zh(ClosureMode m) {
  return base::code_of(kModeNames, m);
}
std::string_view outcome_code(EnforcementOutcome o) {
  return base::code_of(kOutcomes, o);
}
std::string_view bar_reason_code(BarReason r) {
  return base::code_of(kBarReasons, r);
}

std::optional<CaseState> case_state_from_code(std::string_view code) {
  return base::from_code(kStates, code);
}
std::optional<ClosureMode> closure_mode_from_code(std::string_view code) {
  auto m = base::from_code(kModes, code);
  return m ? m : base::from_code(kModeNames, code);
}
std::optional<EnforcementOutcome> outcome_from_code(std::string_view code) {
  return base::from_code(kOutcomes, code);
}
std::optional<BarReason> bar_reason_from_code(std::string_view code) {
  return base::from_code(kBarReasons, code);
}

}  // namespace courtcast::court
