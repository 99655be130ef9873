#include "court/rules.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "court/deadlines.hpp"

namespace courtcast::court {

namespace {

std::string describe(const EnforcementStep& step) {
  return std::string(step_type_info(step.type).name_zh) + " step" +
         (step.id ? " " + std::to_string(step.id) : std::string());
}

Result<void> check_coercive(const EnforcementStep& step, const Case& c,
                            std::span<const EnforcementStep> case_steps,
                            std::span<const InputSpan> input_spans, const Settings& settings) {
  const bool noticed = std::any_of(case_steps.begin(), case_steps.end(), [&](const auto& other) {
    return other.id != step.id && other.case_id == step.case_id &&
           step_type_info(other.type).is_notice && other.start_ms < step.start_ms;
  });
  if (!noticed) {
    return fail(Rule::coercive_step_needs_prior_notice,
                describe(step) + " on case " + c.number +
                    " is coercive: log a notice step (通知到场 or 责令限期履行) before it");
  }

  // A notice gives the party until its deadline to comply (通知到场 within 20
  // minutes); coercion before then would take away the time the notice gave.
  // The window closes when the deadline passes (the step's own start is the
  // time passed in) or when the officer records it met or missed.
  for (const auto& notice : case_steps) {
    if (notice.id == step.id || notice.case_id != step.case_id ||
        !step_type_info(notice.type).is_notice || !notice.deadline ||
        notice.start_ms > step.start_ms)
      continue;
    const Deadline& d = *notice.deadline;
    const UtcMs window_end =
        d.state == DeadlineState::open ? d.due_ms : std::min(d.due_ms, d.resolved_ms.value_or(0));
    if (step.start_ms < window_end) {
      const auto left_min = (window_end - step.start_ms + kMsPerMinute - 1) / kMsPerMinute;
      return fail(Rule::coercive_step_before_notice_deadline,
                  describe(step) + " on case " + c.number + " starts while the deadline of " +
                      describe(notice) + " is still open (" + std::to_string(left_min) +
                      " min left); record the deadline as met when the party appears, or "
                      "wait until it passes");
    }
  }

  const UtcMs to_ms = step.end_ms.value_or(step.start_ms);
  std::size_t recorders = 0;
  if (step.session_id) {
    recorders = covering_inputs(input_spans, step.start_ms, to_ms).size();
  } else if (step.recording) {
    recorders = step.recording->inputs.size();
  }
  if (recorders < static_cast<std::size_t>(settings.coercive_min_recording_inputs)) {
    return fail(
        Rule::coercive_step_needs_two_recording_inputs,
        describe(step) + " on case " + c.number +
            " is coercive: " + std::to_string(settings.coercive_min_recording_inputs) +
            " recording inputs must be live for the whole step, but " +
            (recorders == 1 ? std::string("only 1 was") : std::to_string(recorders) + " were") +
            "; bring another camera up first");
  }
  return {};
}

}  // namespace

std::vector<std::string> covering_inputs(std::span<const InputSpan> spans, UtcMs from_ms,
                                         UtcMs to_ms) {
  std::map<std::string, std::vector<std::pair<UtcMs, UtcMs>>> by_input;
  for (const auto& s : spans) {
    by_input[s.input].emplace_back(s.start_ms,
                                   s.end_ms.value_or(std::numeric_limits<UtcMs>::max()));
  }
  std::vector<std::string> covering;
  for (auto& [input, intervals] : by_input) {
    std::sort(intervals.begin(), intervals.end());
    UtcMs reached = from_ms;  // covered without a gap from from_ms up to here
    bool started = false;
    for (const auto& [start, end] : intervals) {
      if (start > reached) break;
      if (end >= reached) {
        reached = end;
        started = true;
      }
      if (reached >= to_ms) break;
    }
    if (started && reached >= to_ms) covering.push_back(input);
  }
  return covering;
}

bool step_rules_read_notices(StepType type) {
  return step_type_info(type).coercive;
}

Result<void> check_step(const EnforcementStep& step, const Case& c,
                        std::span<const EnforcementStep> case_steps,
                        std::span<const InputSpan> input_spans, const Settings& settings) {
  const StepTypeInfo& info = step_type_info(step.type);
  if (step.case_id != c.id) {
    return fail(Rule::invalid_input, describe(step) + " belongs to another case");
  }
  if (c.state == CaseState::closed) {
    return fail(Rule::step_on_closed_case,
                "case " + c.number + " is closed; reopen it before logging " + describe(step));
  }
  if (step.officers.empty()) {
    return fail(Rule::step_needs_officer, describe(step) + ": name the officer(s) who took it");
  }
  if (step.end_ms && *step.end_ms < step.start_ms) {
    return fail(Rule::step_ends_before_it_starts, describe(step) + " ends before it starts");
  }
  if (info.needs_deadline && !step.deadline) {
    return fail(Rule::notice_step_needs_deadline,
                describe(step) + ": give the deadline by which the party must comply");
  }
  if (step.deadline && step.deadline->due_ms < step.start_ms) {
    return fail(Rule::invalid_input, describe(step) + ": the deadline is before the step");
  }
  if (info.needs_witnesses &&
      step.witnesses.size() < static_cast<std::size_t>(settings.coercive_min_witnesses)) {
    return fail(Rule::coercive_step_needs_witness,
                describe(step) + " on case " + c.number +
                    " needs a witness (e.g. the procuratorate or the village committee) present");
  }
  if (info.coercive) {
    if (auto r = check_coercive(step, c, case_steps, input_spans, settings); !r) return r;
  }
  if (info.amount != AmountKind::none && step.amount_fen <= 0) {
    return fail(Rule::step_needs_amount, describe(step) + ": give the amount in fen (above 0)");
  }
  if (info.amount == AmountKind::paid_out && c.paid_out_fen + step.amount_fen > c.recovered_fen) {
    return fail(Rule::payout_exceeds_recovered,
                "case " + c.number + ": paying out " + std::to_string(step.amount_fen) +
                    " fen would exceed what was recovered (" + std::to_string(c.recovered_fen) +
                    " fen recovered, " + std::to_string(c.paid_out_fen) + " fen paid out)");
  }
  if (step.type == StepType::online_auction) {
    if (!step.auction) {
      return fail(Rule::invalid_input,
                  describe(step) + ": give the auction's announcement and bidding times");
    }
    if (auto r = check_auction_schedule(*step.auction, settings); !r) return r;
  }
  if (step.people_count < 0 || step.area_m2 < 0) {
    return fail(Rule::invalid_input, describe(step) + ": people and area must not be negative");
  }
  return {};
}

Result<void> apply_step_to_case(Case& c, const EnforcementStep& step) {
  switch (step_type_info(step.type).amount) {
    case AmountKind::recovered:
      c.recovered_fen += step.amount_fen;
      break;
    case AmountKind::paid_out:
      if (c.paid_out_fen + step.amount_fen > c.recovered_fen) {
        return fail(Rule::payout_exceeds_recovered, "case " + c.number + ": paying out " +
                                                        std::to_string(step.amount_fen) +
                                                        " fen would exceed what was recovered");
      }
      c.paid_out_fen += step.amount_fen;
      break;
    case AmountKind::none:
    case AmountKind::fine:
      break;
  }
  if (c.state == CaseState::filed) c.state = CaseState::in_progress;
  return {};
}

Result<void> unapply_step_from_case(Case& c, const EnforcementStep& step) {
  switch (step_type_info(step.type).amount) {
    case AmountKind::recovered:
      if (c.recovered_fen - step.amount_fen < c.paid_out_fen) {
        return fail(Rule::payout_exceeds_recovered,
                    "case " + c.number +
                        ": without this recovery, more would have been paid "
                        "out than recovered; correct the payouts first");
      }
      c.recovered_fen -= step.amount_fen;
      break;
    case AmountKind::paid_out:
      c.paid_out_fen -= step.amount_fen;
      break;
    case AmountKind::none:
    case AmountKind::fine:
      break;
  }
  return {};
}

Result<void> close_case(Case& c, ClosureMode mode, EnforcementOutcome outcome, UtcMs closed_ms,
                        std::span<const EnforcementStep> case_steps) {
  if (c.state == CaseState::closed) {
    return fail(Rule::case_already_closed, "case " + c.number + " is already closed");
  }
  std::string open;
  for (const auto& step : case_steps) {
    if (step.case_id == c.id && deadline_open(step)) {
      open += (open.empty() ? "" : ", ") + describe(step);
    }
  }
  if (!open.empty()) {
    return fail(Rule::case_has_open_deadline, "case " + c.number +
                                                  " cannot close while a deadline is open (" +
                                                  open + "); record each as met or missed first");
  }
  if (closed_ms < c.filed_ms) {
    return fail(Rule::invalid_input, "case " + c.number + ": it cannot close before it was filed");
  }
  c.state = CaseState::closed;
  c.closure_mode = mode;
  c.outcome = outcome;
  c.closed_ms = closed_ms;
  return {};
}

}  // namespace courtcast::court
