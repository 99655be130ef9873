#include "court/session.hpp"

#include <algorithm>

#include "base/codes.hpp"

namespace courtcast::court {

namespace {

using base::CodeTable;

constexpr CodeTable<SessionState, 6> kStates = {{{SessionState::draft, "draft"},
                                                 {SessionState::submitted, "submitted"},
                                                 {SessionState::approved, "approved"},
                                                 {SessionState::rejected, "rejected"},
                                                 {SessionState::live, "live"},
                                                 {SessionState::ended, "ended"}}};

constexpr CodeTable<ViewKind, 3> kViewKinds = {{{ViewKind::watch_count, "watch_count"},
                                                {ViewKind::clicks, "clicks"},
                                                {ViewKind::visits, "visits"}}};

constexpr CodeTable<ViewKind, 3> kViewKindNames = {{{ViewKind::watch_count, "观看人次"},
                                                    {ViewKind::clicks, "点击量"},
                                                    {ViewKind::visits, "访问量"}}};

constexpr CodeTable<AudienceSource, 3> kSources = {{{AudienceSource::measured, "measured"},
                                                    {AudienceSource::entered, "entered"},
                                                    {AudienceSource::posted, "posted"}}};

std::string describe(const LiveSession& s) {
  return "session " + std::to_string(s.id) + " ('" + s.title + "')";
}

Unexpected<Error> not_allowed(const LiveSession& s, std::string_view action) {
  return fail(Rule::session_transition_not_allowed,
              describe(s) + " is " + std::string(session_state_code(s.state)) + "; it cannot " +
                  std::string(action) + " from there");
}

bool contains(const std::vector<Id>& ids, Id id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

Result<void> validate_session(const LiveSession& s) {
  if (s.title.empty()) return fail(Rule::invalid_input, "session title: must not be empty");
  if (s.scheduled_end_ms && *s.scheduled_end_ms < s.scheduled_start_ms) {
    return fail(Rule::invalid_input, "session schedule: the end must not be before the start");
  }
  if (s.delay_ms < 0 || s.delay_ms > 300'000)
    return fail(Rule::invalid_input, "session delay_ms: must be from 0 to 300000");
  if (auto ok = validate_air_format(s.air); !ok) return ok;
  for (std::size_t i = 0; i < s.inputs.size(); ++i) {
    const std::string& in = s.inputs[i];
    const bool name_ok =
        !in.empty() && in.size() <= 32 && in != "program" &&
        std::all_of(in.begin(), in.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        });
    if (!name_ok)
      return fail(
          Rule::invalid_input,
          "session inputs: '" + in + "' must be 1-32 of a-z, 0-9, _ and -, and not 'program'");
    if (std::find(s.inputs.begin(), s.inputs.begin() + i, in) != s.inputs.begin() + i)
      return fail(Rule::invalid_input, "session inputs: '" + in + "' is listed twice");
  }
  if (s.vehicles < 0 || s.questions_answered < 0) {
    return fail(Rule::invalid_input, "session vehicles and questions_answered: must be 0 or more");
  }
  for (Id id : s.plan.case_order) {
    if (!contains(s.case_ids, id)) {
      return fail(Rule::invalid_input, "session plan case_order: case " + std::to_string(id) +
                                           " is not one of the session's cases");
    }
  }
  return {};
}

Result<void> submit_session(LiveSession& s, std::string who, UtcMs at_ms) {
  if (s.state != SessionState::draft && s.state != SessionState::rejected) {
    return not_allowed(s, "be submitted");
  }
  if (s.case_ids.empty()) {
    return fail(Rule::session_needs_cases_to_submit,
                describe(s) + ": put at least one case on the session before submitting it");
  }
  if (s.plan.case_order.empty() || s.plan.host.empty()) {
    return fail(Rule::session_needs_plan_to_submit,
                describe(s) +
                    ": the plan (执行预案) needs the case order and a host before "
                    "it can be submitted for approval");
  }
  if (auto r = validate_session(s); !r) return r;
  s.state = SessionState::submitted;
  s.submitted_by = std::move(who);
  s.submitted_ms = at_ms;
  s.approved_by.clear();
  s.approved_ms.reset();
  s.rejection_reason.clear();
  return {};
}

Result<void> approve_session(LiveSession& s, std::string who, UtcMs at_ms,
                             const Settings& settings) {
  if (s.state != SessionState::submitted) return not_allowed(s, "be approved");
  if (who.empty()) return fail(Rule::invalid_input, "approval: say who approves");
  if (settings.require_distinct_approver && who == s.submitted_by) {
    return fail(
        Rule::approver_must_differ_from_submitter,
        describe(s) + " was submitted by " + who + "; another person must approve it (一案一审核)");
  }
  s.state = SessionState::approved;
  s.approved_by = std::move(who);
  s.approved_ms = at_ms;
  return {};
}

Result<void> reject_session(LiveSession& s, std::string who, UtcMs at_ms, std::string reason) {
  if (s.state != SessionState::submitted) return not_allowed(s, "be rejected");
  if (reason.empty()) {
    return fail(Rule::rejection_needs_reason,
                describe(s) + ": say why it is rejected so the plan can be fixed");
  }
  s.state = SessionState::rejected;
  s.approved_by = std::move(who);
  s.approved_ms = at_ms;
  s.rejection_reason = std::move(reason);
  return {};
}

Result<void> go_live(LiveSession& s, UtcMs at_ms, const Settings& settings) {
  switch (s.state) {
    case SessionState::approved:
      break;
    case SessionState::draft:
    case SessionState::submitted:
    case SessionState::rejected:
      if (!settings.allow_unapproved_live) {
        return fail(Rule::session_needs_approval_to_go_live,
                    describe(s) + " is " + std::string(session_state_code(s.state)) +
                        "; it goes live only once approved (training sessions need the "
                        "allow_unapproved_live setting)");
      }
      s.training = true;
      break;
    case SessionState::live:
      return not_allowed(s, "go live again");
    case SessionState::ended:
      return fail(Rule::session_already_ended,
                  describe(s) + " has ended; schedule a new session to broadcast again");
  }
  s.state = SessionState::live;
  s.actual_start_ms = at_ms;
  return {};
}

Result<void> end_session(LiveSession& s, UtcMs at_ms) {
  if (s.state == SessionState::ended) {
    return fail(Rule::session_already_ended, describe(s) + " has already ended");
  }
  if (s.state != SessionState::live) return not_allowed(s, "end");
  if (s.actual_start_ms && at_ms < *s.actual_start_ms) {
    return fail(Rule::invalid_input, describe(s) + ": it cannot end before it went live");
  }
  s.state = SessionState::ended;
  s.actual_end_ms = at_ms;
  return {};
}

Result<void> withdraw_session(LiveSession& s) {
  if (s.state != SessionState::submitted && s.state != SessionState::approved) {
    return not_allowed(s, "be withdrawn (only a submitted or approved session not yet live can)");
  }
  s.state = SessionState::draft;
  s.submitted_by.clear();
  s.submitted_ms.reset();
  s.approved_by.clear();
  s.approved_ms.reset();
  return {};
}

bool session_locked(const LiveSession& s) {
  return s.state != SessionState::draft && s.state != SessionState::rejected;
}

Result<void> check_session_edit(const LiveSession& stored, const LiveSession& edited) {
  // Players and platforms get one codec configuration for air's whole life.
  if ((stored.state == SessionState::live || stored.state == SessionState::ended) &&
      !(edited.air == stored.air))
    return fail(Rule::session_locked_after_submission,
                describe(stored) + " is " + std::string(session_state_code(stored.state)) +
                    ": air (its format and mode) is fixed once it has gone live");
  if (!session_locked(stored)) return {};
  std::vector<std::string_view> changed;
  if (edited.site != stored.site) changed.push_back("site");
  if (edited.scheduled_start_ms != stored.scheduled_start_ms)
    changed.push_back("scheduled_start_ms");
  if (edited.scheduled_end_ms != stored.scheduled_end_ms) changed.push_back("scheduled_end_ms");
  if (!(edited.plan == stored.plan)) changed.push_back("plan");
  if (!(edited.contingency == stored.contingency)) changed.push_back("contingency");
  if (edited.inputs != stored.inputs) changed.push_back("inputs");
  if (edited.destinations != stored.destinations) changed.push_back("destinations");
  if (edited.case_ids != stored.case_ids) changed.push_back("case_ids");
  if (edited.campaign_id != stored.campaign_id) changed.push_back("campaign_id");
  if (changed.empty()) return {};
  std::string fields;
  for (auto f : changed) fields += (fields.empty() ? "" : ", ") + std::string(f);
  const bool before_live =
      stored.state == SessionState::submitted || stored.state == SessionState::approved;
  return fail(Rule::session_locked_after_submission,
              describe(stored) + " is " + std::string(session_state_code(stored.state)) + ": " +
                  fields + (changed.size() == 1 ? " was" : " were") +
                  " approved with the plan (一案一审核) and cannot change" +
                  (before_live ? "; withdraw it (POST …/withdraw) or have it rejected, edit, and "
                                 "submit it again"
                               : " once it has gone live"));
}

Result<void> add_case_to_session(LiveSession& s, const Case& c) {
  if (auto r = check_broadcastable(c); !r) return r;
  if (contains(s.case_ids, c.id)) return {};
  if (s.state != SessionState::draft && s.state != SessionState::rejected) {
    return fail(Rule::session_locked_after_submission,
                describe(s) + " is " + std::string(session_state_code(s.state)) +
                    "; cases are approved with the plan, so add case " + c.number +
                    " to a new session or withdraw this one to draft first");
  }
  s.case_ids.push_back(c.id);
  return {};
}

Result<void> set_audience(LiveSession& s, AudienceFigure figure) {
  if (figure.platform.empty()) return fail(Rule::invalid_input, "audience platform: must be named");
  if (figure.count < 0) return fail(Rule::invalid_input, "audience count: must be 0 or more");
  for (auto& existing : s.audience) {
    if (existing.platform == figure.platform && existing.kind == figure.kind) {
      existing = std::move(figure);
      return {};
    }
  }
  s.audience.push_back(std::move(figure));
  return {};
}

std::string_view session_state_code(SessionState s) {
  return base::code_of(kStates, s);
}
std::optional<SessionState> session_state_from_code(std::string_view code) {
  return base::from_code(kStates, code);
}
std::string_view view_kind_code(ViewKind k) {
  return base::code_of(kViewKinds, k);
}
std::string_view view_kind_name_zh(ViewKind k) {
  return base::code_of(kViewKindNames, k);
}
std::optional<ViewKind> view_kind_from_code(std::string_view code) {
  auto k = base::from_code(kViewKinds, code);
  return k ? k : base::from_code(kViewKindNames, code);
}
std::string_view audience_source_code(AudienceSource s) {
  return base::code_of(kSources, s);
}
std::optional<AudienceSource> audience_source_from_code(std::string_view code) {
  return base::from_code(kSources, code);
}

}  // namespace courtcast::court
