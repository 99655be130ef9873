#include "store/demo_loader.hpp"

#include <map>

#include "court/demo.hpp"

namespace courtcast::store {

namespace {

constexpr std::string_view kLoader = "demo";

template <typename T>
Result<void> check(const Result<T>& r) {
  if (!r) return court::Unexpected<Error>{r.error()};
  return {};
}

#define COURTCAST_TRY(expr)                                                      \
  do {                                                                           \
    if (auto r_ = check(expr); !r_) return court::Unexpected<Error>{r_.error()}; \
  } while (false)

}  // namespace

Result<bool> load_demo_if_empty(Repository& repo, const court::Settings& settings) {
  auto existing = repo.list_campaigns();
  if (!existing) return court::Unexpected<Error>{existing.error()};
  if (!existing->empty()) return false;

  const court::DemoData demo = court::make_demo_data();
  const Actor setup{std::string(kLoader), demo.campaign.start_ms};

  auto campaign = repo.create_campaign(demo.campaign, setup);
  if (!campaign) return court::Unexpected<Error>{campaign.error()};

  std::map<Id, Id> case_ids;  // demo id → stored id
  for (court::Case c : demo.cases) {
    // Entered as they stood before the broadcast; closure comes after it.
    c.campaign_id = campaign->id;
    c.state = court::CaseState::in_progress;
    c.closure_mode.reset();
    c.closed_ms.reset();
    c.outcome = court::EnforcementOutcome::none;
    auto stored = repo.create_case(c, Actor{std::string(kLoader), c.filed_ms});
    if (!stored) return court::Unexpected<Error>{stored.error()};
    case_ids[c.id] = stored->id;
  }

  court::LiveSession s = demo.session;
  s.campaign_id = campaign->id;
  for (Id& id : s.case_ids) id = case_ids.at(id);
  for (Id& id : s.plan.case_order) id = case_ids.at(id);
  const auto audience = std::exchange(s.audience, {});
  auto session = repo.create_session(s, Actor{s.submitted_by, *s.submitted_ms});
  if (!session) return court::Unexpected<Error>{session.error()};
  const Id sid = session->id;

  COURTCAST_TRY(repo.transition_session(sid, SessionAction::submit, "", settings,
                                        Actor{s.submitted_by, *s.submitted_ms}));
  COURTCAST_TRY(repo.transition_session(sid, SessionAction::approve, "", settings,
                                        Actor{s.approved_by, *s.approved_ms}));
  COURTCAST_TRY(repo.transition_session(sid, SessionAction::go_live, "", settings,
                                        Actor{s.approved_by, *s.actual_start_ms}));
  for (const auto& span : demo.input_spans) {
    COURTCAST_TRY(repo.open_input_span(sid, span.input, span.start_ms));
    if (span.end_ms) COURTCAST_TRY(repo.close_input_span(sid, span.input, *span.end_ms));
  }

  for (court::EnforcementStep step : demo.steps) {
    step.case_id = case_ids.at(step.case_id);
    step.session_id = sid;
    const auto deadline = step.deadline;
    const Actor officer{step.officers.front().name, step.start_ms};
    auto marked = repo.mark_step(step, settings, officer);
    if (!marked) return court::Unexpected<Error>{marked.error()};
    if (deadline && deadline->resolved_ms) {
      COURTCAST_TRY(repo.record_deadline(marked->id, deadline->resolved_ms,
                                         Actor{officer.name, *deadline->resolved_ms}));
    }
  }

  for (const auto& figure : audience) {
    COURTCAST_TRY(repo.record_audience(sid, figure, Actor{s.plan.host, figure.reported_ms}));
  }
  COURTCAST_TRY(repo.transition_session(sid, SessionAction::end, "", settings,
                                        Actor{s.approved_by, *s.actual_end_ms}));

  for (const court::Case& c : demo.cases) {
    if (c.state != court::CaseState::closed) continue;
    COURTCAST_TRY(repo.close_case(case_ids.at(c.id), *c.closure_mode, c.outcome,
                                  Actor{c.handler, *c.closed_ms}));
  }
  return true;
}

#undef COURTCAST_TRY

}  // namespace courtcast::store
