#pragma once
// Thresholds of practice, with the defaults domain.md ("Rules and practice")
// gives. A court changes them in its settings; none is hard-coded law.

#include <cstdint>

namespace courtcast::court {

struct Settings {
  // Training broadcasts may go live without approval; real ones never.
  bool allow_unapproved_live = false;
  // 一案一审核: the one who submits a broadcast plan does not approve it.
  bool require_distinct_approver = true;

  // Coercive steps (搜查, 查封, 扣押, 冻结, 强制开锁, 腾退交付).
  int coercive_min_witnesses = 1;
  int coercive_min_recording_inputs = 2;

  // Workflow deadlines.
  int property_leads_check_days = 5;         // leads checked after filing
  int valuation_start_days = 30;             // valuation started after seizure
  int auction_notice_movables_days = 15;     // auction announced ahead, movables
  int auction_notice_real_estate_days = 30;  // auction announced ahead, real estate
  int auction_bidding_min_hours = 24;        // bidding open at least
  int payout_within_days = 30;               // case funds paid out after arrival
  int closure_within_months = 6;             // cases with property closed after filing

  // The court's local time, for months and calendar deadlines (Beijing time).
  int utc_offset_minutes = 8 * 60;
};

}  // namespace courtcast::court
