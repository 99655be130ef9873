#pragma once
// Small builders so each test states only what it is about.

#include "court/case.hpp"
#include "court/session.hpp"
#include "court/step.hpp"
#include "court/time.hpp"

namespace courtcast::court::testing {

inline constexpr int kBeijing = 8 * 60;

inline UtcMs t(int hour, int minute) {
  return utc_from_local(2024, 8, 8, hour, minute, kBeijing);
}

inline Case make_case(Id id = 1) {
  Case c;
  c.id = id;
  c.number = "（2024）甘0602执" + std::to_string(1000 + id) + "号";
  c.cause = "借款合同纠纷";
  c.applicants = {{"张某"}};
  c.respondents = {{"李某"}};
  c.claimed_fen = 100'000;
  c.filed_ms = utc_from_local(2024, 5, 1, 9, 0, kBeijing);
  c.state = CaseState::in_progress;
  return c;
}

inline EnforcementStep make_step(Id id, StepType type, UtcMs start, UtcMs end, Id case_id = 1) {
  EnforcementStep s;
  s.id = id;
  s.case_id = case_id;
  s.session_id = 1;
  s.type = type;
  s.start_ms = start;
  s.end_ms = end;
  s.officers = {{"王某", OfficerRole::judge}};
  if (step_type_info(type).needs_deadline)
    s.deadline = Deadline{end + 20 * kMsPerMinute, DeadlineState::open, std::nullopt};
  if (step_type_info(type).needs_witnesses) s.witnesses = {{"赵某", "凉州区人民检察院"}};
  if (step_type_info(type).amount != AmountKind::none) s.amount_fen = 1'000;
  return s;
}

inline LiveSession make_session(Id id = 1) {
  LiveSession s;
  s.id = id;
  s.title = "直击执行现场";
  s.site = "武威市凉州区";
  s.scheduled_start_ms = t(8, 30);
  s.scheduled_end_ms = t(11, 30);
  return s;
}

}  // namespace courtcast::court::testing
