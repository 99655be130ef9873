#include "court/campaign.hpp"

namespace courtcast::court {

Result<void> validate_campaign(const Campaign& campaign) {
  if (campaign.name.empty()) return fail(Rule::invalid_input, "campaign name: must not be empty");
  if (campaign.end_ms <= campaign.start_ms) {
    return fail(Rule::invalid_input, "campaign period: the end must be after the start");
  }
  if (campaign.target_sessions_per_month < 0) {
    return fail(Rule::invalid_input,
                "campaign target_sessions_per_month: must be 0 or more sessions a month");
  }
  for (const auto& task : campaign.key_tasks) {
    if (task.empty()) return fail(Rule::invalid_input, "campaign key task: must not be empty");
  }
  return {};
}

}  // namespace courtcast::court
