#pragma once
// The numbers campaigns report (domain.md, "What campaigns report"), per
// session, per month and per campaign, computed in one pass over the data so
// that a campaign with 100,000 steps takes milliseconds.
//
// Where a figure is counted: sessions, hours live and audience by the month
// the session went live; money, people and settlements by the month of the
// step (on air or not); cases received by filing month and closed by closing
// month. The amount-recovery rate is over the cases closed in the period.
// Training sessions (live without approval) are not counted as held.
//
// Steps are read through StepFigures, the few fields the figures come from,
// so the store can load a campaign's steps without their people, notes and
// evidence; a full EnforcementStep is reduced with step_figures().

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "court/settings.hpp"
#include "court/step.hpp"

namespace courtcast::court {

// What statistics read of an enforcement step, and nothing more but its id,
// which orders steps that start at the same moment.
struct StepFigures {
  Id id = 0;
  Id case_id = 0;
  std::optional<Id> session_id;
  StepType type = StepType::other;
  UtcMs start_ms = 0;
  std::int64_t amount_fen = 0;
  int people_count = 0;
  double area_m2 = 0;
  std::optional<DeadlineState> deadline;  // the state of its deadline, if it has one

  bool operator==(const StepFigures&) const = default;
};

StepFigures step_figures(const EnforcementStep& step);

// Kinds are summed separately, never into one another.
struct PlatformAudience {
  std::string platform;
  std::int64_t watch_count = 0;  // 观看人次
  std::int64_t clicks = 0;       // 点击量
  std::int64_t visits = 0;       // 访问量

  bool operator==(const PlatformAudience&) const = default;
};

struct AudienceTotals {
  std::vector<PlatformAudience> platforms;
  std::int64_t watch_count = 0;
  std::int64_t clicks = 0;
  std::int64_t visits = 0;

  void add(const AudienceFigure& figure);
  bool operator==(const AudienceTotals&) const = default;
};

// What enforcement steps and sessions add up to.
struct ActivityStats {
  int questions_answered = 0;
  int cases_handled = 0;  // cases on air; a case on two sessions counts twice
  int people_summoned = 0;
  int people_detained = 0;
  std::int64_t paid_on_spot_fen = 0;
  int cases_settled = 0;
  std::int64_t recovered_fen = 0;
  std::int64_t paid_out_fen = 0;
  std::int64_t fines_fen = 0;
  double area_vacated_m2 = 0;
  int refusal_referrals = 0;
  int steps = 0;
  int coercive_steps = 0;
  int deadlines_met = 0;
  int deadlines_missed = 0;

  bool operator==(const ActivityStats&) const = default;
};

struct SessionStats {
  Id session_id = 0;
  std::string title;
  std::string site;
  std::optional<LocalDate> date;  // local date it went live
  std::optional<UtcMs> start_ms;
  std::int64_t duration_ms = 0;
  std::vector<std::string> platforms;  // its destinations
  AudienceTotals audience;
  int officers = 0;
  int vehicles = 0;
  int witnesses = 0;
  ActivityStats activity;

  bool operator==(const SessionStats&) const = default;
};

struct PeriodStats {
  int sessions_held = 0;
  int sessions_target = 0;
  std::int64_t live_ms = 0;
  AudienceTotals audience;
  ActivityStats activity;
  int cases_received = 0;
  int cases_closed = 0;
  int cases_actually_enforced = 0;  // closed forced, voluntary or settled
  int closures_within_deadline = 0;
  std::int64_t closed_claimed_fen = 0;
  std::int64_t closed_recovered_fen = 0;

  double hours_live() const { return static_cast<double>(live_ms) / kMsPerHour; }
  // Rates are absent when their denominator is zero.
  std::optional<double> closure_rate() const;             // closed ÷ received
  std::optional<double> actual_enforcement_rate() const;  // enforced ÷ closed
  std::optional<double> amount_recovery_rate() const;     // recovered ÷ claimed
  std::optional<double> closure_within_deadline_rate() const;
  bool operator==(const PeriodStats&) const = default;
};

struct MonthStats {
  YearMonth month;
  PeriodStats stats;

  bool operator==(const MonthStats&) const = default;
};

struct CampaignStats {
  Id campaign_id = 0;
  PeriodStats total;
  std::vector<MonthStats> months;  // every month of the period, in order
  std::vector<SessionStats> sessions;

  bool operator==(const CampaignStats&) const = default;
};

// Steps not on this session are ignored. Areas are summed in the order the
// steps come in; the store gives them by start, then id.
SessionStats compute_session_stats(const LiveSession& session, std::span<const StepFigures> steps,
                                   const Settings& settings);
SessionStats compute_session_stats(const LiveSession& session,
                                   std::span<const EnforcementStep> steps,
                                   const Settings& settings);

// Sessions, cases and steps are those of the campaign, as the store loads them.
CampaignStats compute_campaign_stats(const Campaign& campaign,
                                     std::span<const LiveSession> sessions,
                                     std::span<const Case> cases,
                                     std::span<const StepFigures> steps, const Settings& settings);
CampaignStats compute_campaign_stats(const Campaign& campaign,
                                     std::span<const LiveSession> sessions,
                                     std::span<const Case> cases,
                                     std::span<const EnforcementStep> steps,
                                     const Settings& settings);

}  // namespace courtcast::court
