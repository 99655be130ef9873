#pragma once
// The workflow deadlines of practice (domain.md, "Rules and practice"):
// property leads checked within 5 days of filing, valuation started within
// 30 days of seizure, auctions announced 15 (movables) or 30 (real estate)
// days ahead with at least 24 h of bidding, case funds paid out within 30
// days of arrival, cases with property closed within 6 months of filing.
// The figures come from Settings.

#include <span>
#include <vector>

#include "court/case.hpp"
#include "court/error.hpp"
#include "court/settings.hpp"
#include "court/step.hpp"

namespace courtcast::court {

// Every workflow deadline of the case that was, or by `now_ms` is, missed.
// An item done late stays on the list: the list is what a supervisor reviews.
std::vector<Error> overdue_deadlines(const Case& c, std::span<const EnforcementStep> case_steps,
                                     UtcMs now_ms, const Settings& settings);

Result<void> check_auction_schedule(const AuctionSchedule& auction, const Settings& settings);

// When a case must close by, and whether it did. Cases without property have
// no such deadline and count as on time.
UtcMs closure_due_ms(const Case& c, const Settings& settings);
bool closed_within_deadline(const Case& c, const Settings& settings);

}  // namespace courtcast::court
