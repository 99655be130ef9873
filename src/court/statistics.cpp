#include "court/statistics.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "court/deadlines.hpp"

namespace courtcast::court {

namespace {

// Sums of counts and amounts saturate: a figure entered far too large makes
// a total "as large as it gets", never negative (nor undefined behaviour).
// The API bounds each figure (docs/api.md); this holds whatever the store has.
template <typename T>
void add_to(T& total, T value) {
  if (__builtin_add_overflow(total, value, &total))
    total = value < 0 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max();
}

std::optional<double> ratio(double num, double den) {
  if (den <= 0) return std::nullopt;
  return num / den;
}

bool counts_as_held(const LiveSession& s) {
  return s.actual_start_ms && !s.training &&
         (s.state == SessionState::live || s.state == SessionState::ended);
}

void add_step(ActivityStats& a, const StepFigures& s) {
  const StepTypeInfo& info = step_type_info(s.type);
  ++a.steps;
  if (info.coercive) ++a.coercive_steps;
  const int people = std::max(1, s.people_count);
  if (info.people == PeopleKind::summoned) add_to(a.people_summoned, people);
  if (info.people == PeopleKind::detained) add_to(a.people_detained, people);
  switch (info.amount) {
    case AmountKind::recovered:
      add_to(a.recovered_fen, s.amount_fen);
      if (s.type == StepType::payment_on_spot) add_to(a.paid_on_spot_fen, s.amount_fen);
      break;
    case AmountKind::paid_out:
      add_to(a.paid_out_fen, s.amount_fen);
      break;
    case AmountKind::fine:
      add_to(a.fines_fen, s.amount_fen);
      break;
    case AmountKind::none:
      break;
  }
  if (s.type == StepType::vacate_handover) a.area_vacated_m2 += s.area_m2;
  if (s.type == StepType::refusal_referral) ++a.refusal_referrals;
  if (s.deadline == DeadlineState::met) ++a.deadlines_met;
  if (s.deadline == DeadlineState::missed) ++a.deadlines_missed;
}

std::vector<StepFigures> figures_of(std::span<const EnforcementStep> steps) {
  std::vector<StepFigures> out;
  out.reserve(steps.size());
  for (const auto& s : steps) out.push_back(step_figures(s));
  return out;
}

void merge_audience(AudienceTotals& into, const AudienceTotals& from) {
  for (const auto& p : from.platforms) {
    for (auto [kind, count] :
         {std::pair{ViewKind::watch_count, p.watch_count}, std::pair{ViewKind::clicks, p.clicks},
          std::pair{ViewKind::visits, p.visits}}) {
      if (count) into.add(AudienceFigure{p.platform, kind, count, AudienceSource::entered, 0});
    }
  }
}

SessionStats session_header(const LiveSession& s, const Settings& settings) {
  SessionStats out;
  out.session_id = s.id;
  out.title = s.title;
  out.site = s.site;
  out.start_ms = s.actual_start_ms;
  if (s.actual_start_ms) out.date = local_date(*s.actual_start_ms, settings.utc_offset_minutes);
  if (s.actual_start_ms && s.actual_end_ms) out.duration_ms = *s.actual_end_ms - *s.actual_start_ms;
  out.platforms = s.destinations;
  for (const auto& f : s.audience) out.audience.add(f);
  out.officers = static_cast<int>(s.officers.size());
  out.vehicles = s.vehicles;
  out.witnesses = static_cast<int>(s.witnesses.size());
  out.activity.questions_answered = s.questions_answered;
  return out;
}

void add_held_session(PeriodStats& p, const SessionStats& s) {
  ++p.sessions_held;
  add_to(p.live_ms, s.duration_ms);
  merge_audience(p.audience, s.audience);
  add_to(p.activity.questions_answered, s.activity.questions_answered);
  add_to(p.activity.cases_handled, s.activity.cases_handled);
}

void add_closed_case(PeriodStats& p, const Case& c, const Settings& settings) {
  ++p.cases_closed;
  if (c.outcome != EnforcementOutcome::none) ++p.cases_actually_enforced;
  if (closed_within_deadline(c, settings)) ++p.closures_within_deadline;
  add_to(p.closed_claimed_fen, c.claimed_fen);
  add_to(p.closed_recovered_fen, c.recovered_fen);
}

struct PairHash {
  std::size_t operator()(const std::pair<std::size_t, Id>& k) const {
    return std::hash<Id>{}(k.second) * 31 + k.first;
  }
};

int month_index(YearMonth ym) {
  return ym.year * 12 + (ym.month - 1);
}

// Month buckets of a campaign, created on first use; indices stay stable.
class Months {
 public:
  explicit Months(const Settings& settings) : offset_(settings.utc_offset_minutes) {}
  std::size_t at(UtcMs t) { return at(local_year_month(t, offset_)); }
  std::size_t at(YearMonth ym) {
    auto [it, inserted] = index_.try_emplace(month_index(ym), months_.size());
    if (inserted) months_.push_back(MonthStats{ym, {}});
    return it->second;
  }
  MonthStats& operator[](std::size_t i) { return months_[i]; }
  std::vector<MonthStats> take_sorted() {
    std::sort(months_.begin(), months_.end(),
              [](const auto& a, const auto& b) { return a.month < b.month; });
    return std::move(months_);
  }

 private:
  int offset_;
  std::unordered_map<int, std::size_t> index_;
  std::vector<MonthStats> months_;
};

}  // namespace

StepFigures step_figures(const EnforcementStep& step) {
  StepFigures f;
  f.id = step.id;
  f.case_id = step.case_id;
  f.session_id = step.session_id;
  f.type = step.type;
  f.start_ms = step.start_ms;
  f.amount_fen = step.amount_fen;
  f.people_count = step.people_count;
  f.area_m2 = step.area_m2;
  if (step.deadline) f.deadline = step.deadline->state;
  return f;
}

void AudienceTotals::add(const AudienceFigure& figure) {
  auto it = std::find_if(platforms.begin(), platforms.end(),
                         [&](const auto& p) { return p.platform == figure.platform; });
  if (it == platforms.end())
    it = platforms.insert(platforms.end(), PlatformAudience{figure.platform});
  switch (figure.kind) {
    case ViewKind::watch_count:
      add_to(it->watch_count, figure.count);
      add_to(watch_count, figure.count);
      break;
    case ViewKind::clicks:
      add_to(it->clicks, figure.count);
      add_to(clicks, figure.count);
      break;
    case ViewKind::visits:
      add_to(it->visits, figure.count);
      add_to(visits, figure.count);
      break;
  }
}

std::optional<double> PeriodStats::closure_rate() const {
  return ratio(cases_closed, cases_received);
}
std::optional<double> PeriodStats::actual_enforcement_rate() const {
  return ratio(cases_actually_enforced, cases_closed);
}
std::optional<double> PeriodStats::amount_recovery_rate() const {
  return ratio(static_cast<double>(closed_recovered_fen), static_cast<double>(closed_claimed_fen));
}
std::optional<double> PeriodStats::closure_within_deadline_rate() const {
  return ratio(closures_within_deadline, cases_closed);
}

SessionStats compute_session_stats(const LiveSession& session,
                                   std::span<const EnforcementStep> steps,
                                   const Settings& settings) {
  return compute_session_stats(session, figures_of(steps), settings);
}

SessionStats compute_session_stats(const LiveSession& session, std::span<const StepFigures> steps,
                                   const Settings& settings) {
  SessionStats out = session_header(session, settings);
  std::unordered_set<Id> cases(session.case_ids.begin(), session.case_ids.end());
  std::unordered_set<Id> settled;
  for (const auto& step : steps) {
    if (step.session_id != session.id) continue;
    add_step(out.activity, step);
    cases.insert(step.case_id);
    if (step.type == StepType::settlement) settled.insert(step.case_id);
  }
  out.activity.cases_handled = static_cast<int>(cases.size());
  out.activity.cases_settled = static_cast<int>(settled.size());
  return out;
}

CampaignStats compute_campaign_stats(const Campaign& campaign,
                                     std::span<const LiveSession> sessions,
                                     std::span<const Case> cases,
                                     std::span<const EnforcementStep> steps,
                                     const Settings& settings) {
  return compute_campaign_stats(campaign, sessions, cases, figures_of(steps), settings);
}

CampaignStats compute_campaign_stats(const Campaign& campaign,
                                     std::span<const LiveSession> sessions,
                                     std::span<const Case> cases,
                                     std::span<const StepFigures> steps, const Settings& settings) {
  CampaignStats out;
  out.campaign_id = campaign.id;
  Months months(settings);

  // Every month of the period exists, so a month without sessions shows 0 of target.
  if (campaign.end_ms > campaign.start_ms) {
    const YearMonth last = local_year_month(campaign.end_ms - 1, settings.utc_offset_minutes);
    for (YearMonth ym = local_year_month(campaign.start_ms, settings.utc_offset_minutes);
         ym <= last; ym = next_month(ym)) {
      months[months.at(ym)].stats.sessions_target = campaign.target_sessions_per_month;
    }
  }

  std::unordered_map<Id, std::size_t> session_index;
  std::vector<std::unordered_set<Id>> session_cases(sessions.size());
  std::vector<std::unordered_set<Id>> session_settled(sessions.size());
  out.sessions.reserve(sessions.size());
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    session_index.emplace(sessions[i].id, i);
    out.sessions.push_back(session_header(sessions[i], settings));
    session_cases[i].insert(sessions[i].case_ids.begin(), sessions[i].case_ids.end());
  }

  std::unordered_set<std::pair<std::size_t, Id>, PairHash> settled_in_month;
  std::unordered_set<Id> settled_total;
  for (const auto& step : steps) {
    const std::size_t m = months.at(step.start_ms);
    add_step(months[m].stats.activity, step);
    add_step(out.total.activity, step);
    if (step.type == StepType::settlement) {
      settled_in_month.emplace(m, step.case_id);
      settled_total.insert(step.case_id);
    }
    if (!step.session_id) continue;
    const auto it = session_index.find(*step.session_id);
    if (it == session_index.end()) continue;
    add_step(out.sessions[it->second].activity, step);
    session_cases[it->second].insert(step.case_id);
    if (step.type == StepType::settlement) session_settled[it->second].insert(step.case_id);
  }
  for (const auto& [m, case_id] : settled_in_month) ++months[m].stats.activity.cases_settled;
  out.total.activity.cases_settled = static_cast<int>(settled_total.size());

  for (std::size_t i = 0; i < sessions.size(); ++i) {
    SessionStats& s = out.sessions[i];
    s.activity.cases_handled = static_cast<int>(session_cases[i].size());
    s.activity.cases_settled = static_cast<int>(session_settled[i].size());
    if (!counts_as_held(sessions[i])) continue;
    add_held_session(months[months.at(*sessions[i].actual_start_ms)].stats, s);
    add_held_session(out.total, s);
  }

  for (const auto& c : cases) {
    ++months[months.at(c.filed_ms)].stats.cases_received;
    ++out.total.cases_received;
    if (c.state == CaseState::closed && c.closed_ms) {
      add_closed_case(months[months.at(*c.closed_ms)].stats, c, settings);
      add_closed_case(out.total, c, settings);
    }
  }

  out.months = months.take_sorted();
  for (const auto& m : out.months) add_to(out.total.sessions_target, m.stats.sessions_target);
  return out;
}

}  // namespace courtcast::court
