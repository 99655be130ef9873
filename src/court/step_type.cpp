#include "court/step_type.hpp"

#include <array>

namespace courtcast::court {

namespace {

using A = AmountKind;
using P = PeopleKind;

// Coercive types are those issue 6 and local rules name for two recorders and
// witnesses: search, seal, seize, freeze, forced unlocking, vacating/handover.
constexpr std::array<StepTypeInfo, 23> kCatalogue = {{
    // type, code, 中文, coercive, witnesses, notice, deadline, amount, people
    {StepType::arrival, "arrival", "到达现场", false, false, false, false, A::none, P::none},
    {StepType::summon, "summon", "通知到场", false, false, true, true, A::none, P::summoned},
    {StepType::order_to_perform, "order_to_perform", "责令限期履行", false, false, true, true,
     A::none, P::none},
    {StepType::explain_law, "explain_law", "释法说理", false, false, false, false, A::none,
     P::none},
    {StepType::mediation, "mediation", "调解", false, false, false, false, A::none, P::none},
    {StepType::settlement, "settlement", "执行和解", false, false, false, false, A::none, P::none},
    {StepType::payment_on_spot, "payment_on_spot", "当场履行", false, false, false, false,
     A::recovered, P::none},
    {StepType::property_inquiry, "property_inquiry", "财产调查", false, false, false, false,
     A::none, P::none},
    {StepType::search, "search", "搜查", true, true, false, false, A::none, P::none},
    {StepType::seal, "seal", "查封", true, true, false, false, A::none, P::none},
    {StepType::seize, "seize", "扣押", true, true, false, false, A::none, P::none},
    {StepType::freeze, "freeze", "冻结", true, true, false, false, A::none, P::none},
    {StepType::deduct, "deduct", "扣划", false, false, false, false, A::recovered, P::none},
    {StepType::appraisal, "appraisal", "评估", false, false, false, false, A::none, P::none},
    {StepType::online_auction, "online_auction", "网络司法拍卖", false, false, false, false,
     A::recovered, P::none},
    {StepType::payout, "payout", "案款发放", false, false, false, false, A::paid_out, P::none},
    {StepType::forced_unlock, "forced_unlock", "强制开锁", true, true, false, false, A::none,
     P::none},
    {StepType::vacate_handover, "vacate_handover", "腾退交付", true, true, false, false, A::none,
     P::none},
    {StepType::fine, "fine", "罚款", false, false, false, false, A::fine, P::none},
    {StepType::detention, "detention", "拘留", false, false, false, false, A::none, P::detained},
    {StepType::refusal_referral, "refusal_referral", "移送拒执", false, false, false, false,
     A::none, P::none},
    {StepType::closure, "closure", "结案", false, false, false, false, A::none, P::none},
    {StepType::other, "other", "其他", false, false, false, false, A::none, P::none},
}};

// The table is indexed by the enum; this catches an entry out of order.
constexpr bool catalogue_in_enum_order() {
  for (std::size_t i = 0; i < kCatalogue.size(); ++i) {
    if (static_cast<std::size_t>(kCatalogue[i].type) != i) return false;
  }
  return true;
}
static_assert(catalogue_in_enum_order());

}  // namespace

const StepTypeInfo& step_type_info(StepType type) {
  return kCatalogue[static_cast<std::size_t>(type)];
}

std::span<const StepTypeInfo> step_catalogue() {
  return kCatalogue;
}

std::optional<StepType> step_type_from_code(std::string_view code) {
  for (const auto& info : kCatalogue) {
    if (info.code == code || info.name_zh == code) return info.type;
  }
  return std::nullopt;
}

}  // namespace courtcast::court
