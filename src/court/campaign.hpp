#pragma once
// A campaign (执行行动) such as 陇原风暴: a named period with its key tasks
// (重点工作) and how many live sessions it should hold each month.

#include <string>
#include <vector>

#include "court/error.hpp"
#include "court/id.hpp"
#include "court/time.hpp"

namespace courtcast::court {

struct Campaign {
  Id id = 0;
  std::string name;
  UtcMs start_ms = 0;
  UtcMs end_ms = 0;  // exclusive
  std::vector<std::string> key_tasks;
  int target_sessions_per_month = 2;  // 每月至少2次
};

Result<void> validate_campaign(const Campaign& campaign);

}  // namespace courtcast::court
