#pragma once
// The rules that tie steps, cases and recordings together: whether a step may
// be logged, what it does to the case's money, and when a case may close.
// Each refusal names its rule (see error.hpp).

#include <span>
#include <string>
#include <vector>

#include "court/case.hpp"
#include "court/error.hpp"
#include "court/session.hpp"
#include "court/settings.hpp"
#include "court/step.hpp"

namespace courtcast::court {

// Inputs whose live spans cover [from_ms, to_ms] without a gap; an input that
// dropped out and reconnected counts only if its spans join up.
std::vector<std::string> covering_inputs(std::span<const InputSpan> spans, UtcMs from_ms,
                                         UtcMs to_ms);

// Whether `step` may be logged (or updated) on case `c`. `case_steps` are the
// case's other steps (the step itself, matched by id, is ignored); only a
// coercive step reads them, and only their notices (step_rules_read_notices),
// so a caller may pass just those, or none for another step. And
// `input_spans` the live spans of its session's inputs. A coercive step needs
// a notice before it, witnesses, and two inputs live over its whole span (up
// to its start while it is still going on). Off air (no session), the
// recording devices the officers declare in `recording.inputs` count instead.
// Whether check_step reads the case's notice steps for a step of `type`.
bool step_rules_read_notices(StepType type);

Result<void> check_step(const EnforcementStep& step, const Case& c,
                        std::span<const EnforcementStep> case_steps,
                        std::span<const InputSpan> input_spans, const Settings& settings);

// Adds the step's money to the case (recovered or paid out) and moves a filed
// case to in progress. Refuses a payout beyond what was recovered.
Result<void> apply_step_to_case(Case& c, const EnforcementStep& step);
// The inverse, for editing or removing a step.
Result<void> unapply_step_from_case(Case& c, const EnforcementStep& step);

// Closes the case; refused while any of its steps has an open deadline.
Result<void> close_case(Case& c, ClosureMode mode, EnforcementOutcome outcome, UtcMs closed_ms,
                        std::span<const EnforcementStep> case_steps);

}  // namespace courtcast::court
