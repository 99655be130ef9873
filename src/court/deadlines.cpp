#include "court/deadlines.hpp"

#include <algorithm>
#include <optional>

namespace courtcast::court {

namespace {

std::optional<UtcMs> first_start(std::span<const EnforcementStep> steps, auto&& pred) {
  std::optional<UtcMs> first;
  for (const auto& s : steps) {
    if (pred(s) && (!first || s.start_ms < *first)) first = s.start_ms;
  }
  return first;
}

std::string days_text(int days) {
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

// Each recovery must be paid out in full within the limit; payouts are matched
// to recoveries in order of arrival.
void check_payouts(const Case& c, std::span<const EnforcementStep> steps, UtcMs now_ms,
                   const Settings& settings, std::vector<Error>& out) {
  std::vector<std::pair<UtcMs, std::int64_t>> recoveries;
  std::vector<std::pair<UtcMs, std::int64_t>> payouts;
  for (const auto& s : steps) {
    const AmountKind kind = step_type_info(s.type).amount;
    if (kind == AmountKind::recovered) recoveries.emplace_back(s.start_ms, s.amount_fen);
    if (kind == AmountKind::paid_out) payouts.emplace_back(s.start_ms, s.amount_fen);
  }
  std::sort(recoveries.begin(), recoveries.end());
  std::sort(payouts.begin(), payouts.end());
  const std::int64_t limit_ms = settings.payout_within_days * kMsPerDay;

  std::int64_t owed = 0;
  std::int64_t paid = 0;
  std::size_t next_payout = 0;
  for (const auto& [arrived_ms, amount] : recoveries) {
    owed += amount;
    const UtcMs due_ms = arrived_ms + limit_ms;
    while (next_payout < payouts.size() && payouts[next_payout].first <= due_ms) {
      paid += payouts[next_payout++].second;
    }
    if (paid < owed && now_ms > due_ms) {
      out.push_back(
          Error{Rule::payout_overdue, "case " + c.number + ": " + std::to_string(owed - paid) +
                                          " fen recovered were not paid out within " +
                                          days_text(settings.payout_within_days) + " of arrival"});
      return;
    }
  }
}

}  // namespace

std::vector<Error> overdue_deadlines(const Case& c, std::span<const EnforcementStep> case_steps,
                                     UtcMs now_ms, const Settings& settings) {
  std::vector<Error> out;

  const UtcMs leads_due = c.filed_ms + settings.property_leads_check_days * kMsPerDay;
  const auto inquiry =
      first_start(case_steps, [](const auto& s) { return s.type == StepType::property_inquiry; });
  if (inquiry ? *inquiry > leads_due : now_ms > leads_due && c.state != CaseState::closed) {
    out.push_back(Error{Rule::property_leads_check_overdue,
                        "case " + c.number + ": property leads were not checked within " +
                            days_text(settings.property_leads_check_days) + " of filing"});
  }

  const auto seizure = first_start(case_steps, [](const auto& s) {
    return s.type == StepType::seal || s.type == StepType::seize || s.type == StepType::freeze;
  });
  if (seizure) {
    const UtcMs valuation_due = *seizure + settings.valuation_start_days * kMsPerDay;
    const auto valuation =
        first_start(case_steps, [](const auto& s) { return s.type == StepType::appraisal; });
    if (valuation ? *valuation > valuation_due
                  : now_ms > valuation_due && c.state != CaseState::closed) {
      out.push_back(Error{Rule::valuation_overdue,
                          "case " + c.number + ": valuation was not started within " +
                              days_text(settings.valuation_start_days) + " of seizure"});
    }
  }

  for (const auto& s : case_steps) {
    if (s.type == StepType::online_auction && s.auction) {
      if (auto r = check_auction_schedule(*s.auction, settings); !r) out.push_back(r.error());
    }
  }

  check_payouts(c, case_steps, now_ms, settings, out);

  if (c.has_property && c.closed_ms.value_or(now_ms) > closure_due_ms(c, settings)) {
    out.push_back(Error{Rule::closure_overdue,
                        "case " + c.number + " (with property) was not closed within " +
                            std::to_string(settings.closure_within_months) + " months of filing"});
  }
  return out;
}

Result<void> check_auction_schedule(const AuctionSchedule& auction, const Settings& settings) {
  const int notice_days = auction.property == PropertyKind::real_estate
                              ? settings.auction_notice_real_estate_days
                              : settings.auction_notice_movables_days;
  if (auction.bidding_start_ms - auction.announced_ms < notice_days * kMsPerDay) {
    return fail(Rule::auction_notice_too_short,
                std::string("an auction of ") +
                    (auction.property == PropertyKind::real_estate ? "real estate" : "movables") +
                    " must be announced at least " + days_text(notice_days) +
                    " before bidding starts");
  }
  if (auction.bidding_end_ms - auction.bidding_start_ms <
      settings.auction_bidding_min_hours * kMsPerHour) {
    return fail(Rule::auction_bidding_too_short,
                "auction bidding must stay open at least " +
                    std::to_string(settings.auction_bidding_min_hours) + " hours");
  }
  return {};
}

UtcMs closure_due_ms(const Case& c, const Settings& settings) {
  return add_months(c.filed_ms, settings.closure_within_months, settings.utc_offset_minutes);
}

bool closed_within_deadline(const Case& c, const Settings& settings) {
  if (!c.closed_ms) return false;
  return !c.has_property || *c.closed_ms <= closure_due_ms(c, settings);
}

}  // namespace courtcast::court
