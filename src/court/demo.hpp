#pragma once
// The report's scenario as data, so a newcomer sees something real on an
// empty database: the 陇原风暴 campaign, the 8 August session at 武威市凉州区
// and its two cases with their steps as the report tells them. Ids are local
// to the demo (1, 2, …); the store gives rows their own ids when it loads it.

#include <vector>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "court/step.hpp"

namespace courtcast::court {

struct DemoData {
  Campaign campaign;
  LiveSession session;
  std::vector<Case> cases;
  std::vector<EnforcementStep> steps;  // in the order they happened
  std::vector<InputSpan> input_spans;  // of the session's two field cameras
};

DemoData make_demo_data();

}  // namespace courtcast::court
