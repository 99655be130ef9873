#pragma once
// One enforcement step as it happened: what, when, by whom, witnessed by
// whom, where, and the recording range that proves it. Steps with a deadline
// (通知到场 within 20 minutes) record whether it was met.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "court/error.hpp"
#include "court/id.hpp"
#include "court/people.hpp"
#include "court/step_type.hpp"
#include "court/time.hpp"

namespace courtcast::court {

enum class DeadlineState { open, met, missed };

struct Deadline {
  UtcMs due_ms = 0;
  DeadlineState state = DeadlineState::open;
  std::optional<UtcMs> resolved_ms;  // when it was met, or recorded as missed
};

// The span of evidence recording that shows the step, and which inputs
// (field cameras, body cameras) recorded it.
struct RecordingRange {
  UtcMs start_ms = 0;
  UtcMs end_ms = 0;
  std::vector<std::string> inputs;
};

enum class PropertyKind { movables, real_estate };

// The schedule of an online judicial auction (网络司法拍卖).
struct AuctionSchedule {
  PropertyKind property = PropertyKind::real_estate;
  UtcMs announced_ms = 0;
  UtcMs bidding_start_ms = 0;
  UtcMs bidding_end_ms = 0;
};

struct EnforcementStep {
  Id id = 0;
  Id case_id = 0;
  std::optional<Id> session_id;  // none for steps taken off air
  StepType type = StepType::other;
  UtcMs start_ms = 0;
  std::optional<UtcMs> end_ms;  // none while the step is still going on
  std::vector<Officer> officers;
  std::vector<Witness> witnesses;
  std::string place;
  std::string notes;
  std::optional<Deadline> deadline;
  std::optional<RecordingRange> recording;
  std::vector<std::string> clips;  // exported evidence clips, by id
  std::int64_t amount_fen = 0;     // meaning given by step_type_info(type).amount
  int people_count = 0;            // summoned or detained; 0 counts as one
  double area_m2 = 0;              // area vacated by 腾退交付
  std::optional<AuctionSchedule> auction;
};

bool deadline_open(const EnforcementStep& step);

// The person appeared / the act was done at `met_at_ms`: met if on time,
// missed if late. Either way the outcome is recorded once.
Result<void> record_deadline_met(EnforcementStep& step, UtcMs met_at_ms);
// Nobody came: only once the deadline has passed.
Result<void> record_deadline_missed(EnforcementStep& step, UtcMs now_ms);

std::string_view deadline_state_code(DeadlineState s);
std::optional<DeadlineState> deadline_state_from_code(std::string_view code);
// What an officer may record of an open deadline: met or missed, never open.
std::optional<DeadlineState> deadline_outcome_from_code(std::string_view code);
const std::string& deadline_outcome_codes();  // "met, missed": for "one of …"
std::string_view property_kind_code(PropertyKind k);
std::optional<PropertyKind> property_kind_from_code(std::string_view code);

}  // namespace courtcast::court
