#pragma once
// The catalogue of enforcement step types (执行措施/环节) and what each one
// implies: whether it is coercive, needs witnesses, is a notice, carries a
// deadline, moves money or counts people. Rules read these flags instead of
// listing types, so adding a type is one line in step_type.cpp.

#include <optional>
#include <span>
#include <string_view>

namespace courtcast::court {

enum class StepType {
  arrival,           // 到达现场
  summon,            // 通知到场 (with a deadline, e.g. within 20 minutes)
  order_to_perform,  // 责令限期履行 / 限期腾退公告 (with a deadline)
  explain_law,       // 释法说理 / 普法
  mediation,         // 调解
  settlement,        // 执行和解
  payment_on_spot,   // 当场履行 (paid on the spot)
  property_inquiry,  // 财产调查 (property leads checked)
  search,            // 搜查
  seal,              // 查封
  seize,             // 扣押
  freeze,            // 冻结
  deduct,            // 扣划 (frozen funds taken)
  appraisal,         // 评估
  online_auction,    // 网络司法拍卖
  payout,            // 案款发放
  forced_unlock,     // 强制开锁
  vacate_handover,   // 腾退交付
  fine,              // 罚款
  detention,         // 拘留
  refusal_referral,  // 移送拒执 (referral for refusal to enforce a judgment)
  closure,           // 结案
  other,             // 其他
};

// What the step's amount_fen means, if anything.
enum class AmountKind {
  none,
  recovered,  // money reaches the court for the applicant
  paid_out,   // money leaves the court to the applicant
  fine,       // a fine on the respondent, not the applicant's money
};

// Which statistics column the step's people_count adds to.
enum class PeopleKind { none, summoned, detained };

struct StepTypeInfo {
  StepType type;
  std::string_view code;     // stable, stored and spoken by the API
  std::string_view name_zh;  // as officers say it
  bool coercive;             // needs prior notice and two recorders
  bool needs_witnesses;
  bool is_notice;  // satisfies "prior notice" for coercive steps
  bool needs_deadline;
  AmountKind amount;
  PeopleKind people;
};

const StepTypeInfo& step_type_info(StepType type);
std::span<const StepTypeInfo> step_catalogue();
std::optional<StepType> step_type_from_code(std::string_view code);  // code or 中文 name

}  // namespace courtcast::court
