#pragma once
// An enforcement case (执行案件): its number, parties, money and where it
// stands, and whether it may be broadcast at all. Money is in fen (分) as
// integers so sums are exact.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "court/error.hpp"
#include "court/id.hpp"
#include "court/people.hpp"
#include "court/time.hpp"

namespace courtcast::court {

enum class CaseState {
  filed,        // 立案, nothing done yet
  in_progress,  // 执行中
  suspended,    // 中止执行
  closed,       // 结案
};

// 结案方式.
enum class ClosureMode {
  fully_enforced,        // 执行完毕
  ended_for_now,         // 终结本次执行程序
  terminated,            // 终结执行
  withdrawn,             // 销案
  not_enforced,          // 不予执行
  application_rejected,  // 驳回申请
};

// How the judgment came to be performed; forced, voluntary and settled cases
// are the numerator of the actual enforcement rate (实际执结率).
enum class EnforcementOutcome {
  none,
  forced,     // 强制执行到位
  voluntary,  // 自动履行
  settled,    // 执行和解并履行
};

// Why a case may not be shown on air.
enum class BarReason {
  party_objection,  // a party objects for good reason
  state_secret,     // 涉及国家秘密
  trade_secret,     // 涉及商业秘密
  privacy,          // 涉及个人隐私
  minor,            // 涉及未成年人
  other,
};

struct BroadcastBar {
  BarReason reason = BarReason::other;
  std::string note;
};

struct Case {
  Id id = 0;
  std::optional<Id> campaign_id;
  std::string number;   // canonical form, see case_number.hpp
  std::string cause;    // 案由: 借款合同纠纷, 腾退交付土地, …
  std::string handler;  // 承办人
  std::vector<Applicant> applicants;
  std::vector<Respondent> respondents;
  std::int64_t claimed_fen = 0;    // 申请执行标的
  std::int64_t recovered_fen = 0;  // 执行到位
  std::int64_t paid_out_fen = 0;   // 案款发放
  bool has_property = true;        // the six-month closure deadline applies to cases with property
  CaseState state = CaseState::filed;
  std::optional<ClosureMode> closure_mode;
  EnforcementOutcome outcome = EnforcementOutcome::none;
  UtcMs filed_ms = 0;
  std::optional<UtcMs> closed_ms;
  std::optional<BroadcastBar> broadcast_bar;
};

// Checks a new or edited case and rewrites its number into canonical form.
// A minor among the parties bars the case from broadcast by itself.
Result<void> validate_case(Case& c);

Result<void> bar_from_broadcast(Case& c, BarReason reason, std::string note);
Result<void> check_broadcastable(const Case& c);

std::string_view case_state_code(CaseState s);
std::string_view closure_mode_code(ClosureMode m);
std::string_view closure_mode_name_zh(ClosureMode m);
std::string_view outcome_code(EnforcementOutcome o);
std::string_view bar_reason_code(BarReason r);
std::optional<CaseState> case_state_from_code(std::string_view code);
std::optional<ClosureMode> closure_mode_from_code(std::string_view code);
std::optional<EnforcementOutcome> outcome_from_code(std::string_view code);
std::optional<BarReason> bar_reason_from_code(std::string_view code);

}  // namespace courtcast::court
