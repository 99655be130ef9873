// The read-modify-write operations: each locks the rows it changes, applies
// the court:: rules to what is stored now and logs itself, all in one
// transaction, so concurrent clients queue up instead of losing writes.

#include <boost/json.hpp>

#include "court/rules.hpp"
#include "store/sql_queries.hpp"
#include "store/sql_repository.hpp"

namespace courtcast::store {

namespace json = boost::json;
using court::Unexpected;

namespace {

json::object step_details(const court::EnforcementStep& s) {
  json::object o{{"step_id", s.id},
                 {"case_id", s.case_id},
                 {"type", court::step_type_info(s.type).code},
                 {"start_ms", s.start_ms}};
  if (s.session_id) o["session_id"] = *s.session_id;
  if (s.end_ms) o["end_ms"] = *s.end_ms;
  if (s.amount_fen) o["amount_fen"] = s.amount_fen;
  if (s.deadline) o["deadline"] = court::deadline_state_code(s.deadline->state);
  return o;
}

// A step on air must be on a case the session carries: otherwise a case
// barred from broadcast could reach the air through its steps.
Result<void> check_on_session(SqlTx& tx, const court::EnforcementStep& step) {
  if (!step.session_id) return {};
  auto session = queries::load_session(tx, *step.session_id, false);
  if (!session) return fail_not_found("session", *step.session_id);
  for (Id id : session->case_ids) {
    if (id == step.case_id) return {};
  }
  return fail(ErrorKind::invalid, "invalid_input",
              "case " + std::to_string(step.case_id) + " is not on session " +
                  std::to_string(*step.session_id) + "; add it to the session's plan first");
}

// Checks the step against the stored case, its other steps and the session's
// recording inputs; fills in the recording range when the officer gave none.
Result<void> check_and_fill(SqlTx& tx, court::EnforcementStep& step, const court::Case& c,
                            const court::Settings& settings) {
  if (auto r = check_on_session(tx, step); !r) return r;
  // Only what the rules read: a case's notices, and only for a coercive
  // step. Loading every step of the case made each mark cost more as the
  // case grew (hundreds of rows parsed per mark).
  const auto case_steps = court::step_rules_read_notices(step.type)
                              ? queries::load_notice_steps(tx, step.case_id)
                              : std::vector<court::EnforcementStep>{};
  const auto spans =
      step.session_id ? queries::load_spans(tx, *step.session_id) : std::vector<court::InputSpan>{};
  if (auto r = court::check_step(step, c, case_steps, spans, settings); !r) return fail(r.error());
  if (!step.recording && step.session_id) {
    const court::UtcMs end = step.end_ms.value_or(step.start_ms);
    step.recording = court::RecordingRange{step.start_ms, end,
                                           court::covering_inputs(spans, step.start_ms, end)};
  }
  return {};
}

}  // namespace

Result<court::EnforcementStep> SqlRepository::mark_step(court::EnforcementStep marked,
                                                        const court::Settings& settings,
                                                        const Actor& by) {
  return in_tx<court::EnforcementStep>(
      TxMode::write, [&](SqlTx& tx) -> Result<court::EnforcementStep> {
        court::EnforcementStep step = marked;  // fresh on every attempt
        auto c = queries::load_case(tx, step.case_id, /*lock=*/true);
        if (!c) return fail_not_found("case", step.case_id);
        step.id = 0;
        // A new deadline is open; its outcome is recorded by record_deadline.
        if (step.deadline) {
          step.deadline->state = court::DeadlineState::open;
          step.deadline->resolved_ms.reset();
        }
        if (auto r = check_and_fill(tx, step, *c, settings); !r)
          return Unexpected<Error>{r.error()};
        if (auto r = court::apply_step_to_case(*c, step); !r) return fail(r.error());
        step.id = queries::insert_step(tx, step);
        queries::save_case(tx, *c);
        queries::log_audit(tx, by, "step.mark", json::serialize(step_details(step)));
        return step;
      });
}

Result<court::EnforcementStep> SqlRepository::update_step(const court::EnforcementStep& edited,
                                                          const court::Settings& settings,
                                                          const Actor& by) {
  return in_tx<court::EnforcementStep>(
      TxMode::write, [&](SqlTx& tx) -> Result<court::EnforcementStep> {
        auto stored = queries::load_step(tx, edited.id);
        if (!stored) return fail_not_found("step", edited.id);
        if (edited.case_id != stored->case_id) {
          return fail(ErrorKind::invalid, "invalid_input",
                      "step " + std::to_string(edited.id) +
                          ": a step cannot move to another case; mark it on that case instead");
        }
        auto c = queries::load_case(tx, stored->case_id, /*lock=*/true);
        if (!c) return fail_not_found("case", stored->case_id);
        court::EnforcementStep step = edited;
        // A deadline's outcome is recorded only through record_deadline.
        if (stored->deadline && step.deadline) {
          step.deadline->state = stored->deadline->state;
          step.deadline->resolved_ms = stored->deadline->resolved_ms;
          if (stored->deadline->state != court::DeadlineState::open) {
            step.deadline->due_ms = stored->deadline->due_ms;
          }
        }
        if (auto r = court::unapply_step_from_case(*c, *stored); !r) return fail(r.error());
        if (auto r = check_and_fill(tx, step, *c, settings); !r)
          return Unexpected<Error>{r.error()};
        if (auto r = court::apply_step_to_case(*c, step); !r) return fail(r.error());
        queries::save_step(tx, step);
        queries::save_case(tx, *c);
        queries::log_audit(tx, by, "step.update", json::serialize(step_details(step)));
        return step;
      });
}

Result<court::EnforcementStep> SqlRepository::record_deadline(Id step_id,
                                                              std::optional<court::UtcMs> met_at_ms,
                                                              const Actor& by) {
  return in_tx<court::EnforcementStep>(
      TxMode::write, [&](SqlTx& tx) -> Result<court::EnforcementStep> {
        auto probe = queries::load_step(tx, step_id);
        if (!probe) return fail_not_found("step", step_id);
        // Lock the case first, as every step operation does, then re-read the step.
        if (!queries::load_case(tx, probe->case_id, /*lock=*/true)) {
          return fail_not_found("case", probe->case_id);
        }
        auto step = queries::load_step(tx, step_id);
        auto r = met_at_ms ? court::record_deadline_met(*step, *met_at_ms)
                           : court::record_deadline_missed(*step, by.at_ms);
        if (!r) return fail(r.error());
        queries::save_step(tx, *step);
        queries::log_audit(tx, by, "step.deadline", json::serialize(step_details(*step)));
        return *step;
      });
}

Result<court::EnforcementStep> SqlRepository::get_step(Id id) {
  return in_tx<court::EnforcementStep>(TxMode::read,
                                       [&](SqlTx& tx) -> Result<court::EnforcementStep> {
                                         auto s = queries::load_step(tx, id);
                                         if (!s) return fail_not_found("step", id);
                                         return *s;
                                       });
}

Result<std::vector<court::EnforcementStep>> SqlRepository::list_steps(const StepFilter& filter) {
  using List = std::vector<court::EnforcementStep>;
  return in_tx<List>(TxMode::read,
                     [&](SqlTx& tx) -> Result<List> { return queries::load_steps(tx, filter); });
}

Result<court::Case> SqlRepository::close_case(Id case_id, court::ClosureMode mode,
                                              court::EnforcementOutcome outcome, const Actor& by) {
  return in_tx<court::Case>(TxMode::write, [&](SqlTx& tx) -> Result<court::Case> {
    auto c = queries::load_case(tx, case_id, /*lock=*/true);
    if (!c) return fail_not_found("case", case_id);
    const auto steps = queries::load_steps(tx, StepFilter::of_case(case_id));
    if (auto r = court::close_case(*c, mode, outcome, by.at_ms, steps); !r) return fail(r.error());
    queries::save_case(tx, *c);
    queries::log_audit(tx, by, "case.close",
                       json::serialize(json::object{{"case_id", c->id},
                                                    {"number", c->number},
                                                    {"mode", court::closure_mode_code(mode)},
                                                    {"outcome", court::outcome_code(outcome)}}));
    return *c;
  });
}

Result<court::LiveSession> SqlRepository::add_case_to_session(Id session_id, Id case_id,
                                                              const Actor& by) {
  return in_tx<court::LiveSession>(TxMode::write, [&](SqlTx& tx) -> Result<court::LiveSession> {
    auto s = queries::load_session(tx, session_id, /*lock=*/true);
    if (!s) return fail_not_found("session", session_id);
    auto c = queries::load_case(tx, case_id, false);
    if (!c) return fail_not_found("case", case_id);
    const std::size_t before = s->case_ids.size();
    if (auto r = court::add_case_to_session(*s, *c); !r) return fail(r.error());
    if (s->case_ids.size() == before) return *s;  // already on it
    queries::add_session_case(tx, s->id, case_id, static_cast<int>(before));
    queries::log_audit(tx, by, "session.add_case",
                       json::serialize(json::object{
                           {"session_id", s->id}, {"case_id", c->id}, {"number", c->number}}));
    return *s;
  });
}

Result<court::LiveSession> SqlRepository::transition_session(Id session_id, SessionAction action,
                                                             std::string reason,
                                                             const court::Settings& settings,
                                                             const Actor& by) {
  return in_tx<court::LiveSession>(TxMode::write, [&](SqlTx& tx) -> Result<court::LiveSession> {
    auto s = queries::load_session(tx, session_id, /*lock=*/true);
    if (!s) return fail_not_found("session", session_id);
    court::Result<void> r;
    std::string_view name;
    switch (action) {
      case SessionAction::submit:
        name = "session.submit";
        r = court::submit_session(*s, by.name, by.at_ms);
        break;
      case SessionAction::withdraw:
        name = "session.withdraw";
        r = court::withdraw_session(*s);
        break;
      case SessionAction::approve:
        name = "session.approve";
        r = court::approve_session(*s, by.name, by.at_ms, settings);
        break;
      case SessionAction::reject:
        name = "session.reject";
        r = court::reject_session(*s, by.name, by.at_ms, reason);
        break;
      case SessionAction::go_live:
        name = "session.go_live";
        // A case may have been barred after the plan was approved.
        for (Id case_id : s->case_ids) {
          auto c = queries::load_case(tx, case_id, false);
          if (!c) return fail_not_found("case", case_id);
          if (auto barred = court::check_broadcastable(*c); !barred) return fail(barred.error());
        }
        r = court::go_live(*s, by.at_ms, settings);
        break;
      case SessionAction::end:
        name = "session.end";
        r = court::end_session(*s, by.at_ms);
        break;
    }
    if (!r) return fail(r.error());
    queries::save_session(tx, *s);
    json::object details{{"session_id", s->id}, {"state", court::session_state_code(s->state)}};
    if (!reason.empty()) details["reason"] = reason;
    if (s->training) details["training"] = true;
    queries::log_audit(tx, by, std::string(name), json::serialize(details));
    return *s;
  });
}

Result<court::LiveSession> SqlRepository::keep_session_delay(Id session_id, std::int64_t delay_ms,
                                                             const Actor& by) {
  return in_tx<court::LiveSession>(TxMode::write, [&](SqlTx& tx) -> Result<court::LiveSession> {
    auto s = queries::load_session(tx, session_id, /*lock=*/true);
    if (!s) return fail_not_found("session", session_id);
    if (s->delay_ms == delay_ms) return *s;
    const std::int64_t before_ms = s->delay_ms;
    s->delay_ms = delay_ms;
    if (auto r = court::validate_session(*s); !r) return fail(r.error());
    queries::save_session(tx, *s);
    queries::log_audit(
        tx, by, "session.delay",
        json::serialize(
            json::object{{"session_id", s->id}, {"delay_ms", delay_ms}, {"before_ms", before_ms}}));
    return *s;
  });
}

Result<court::LiveSession> SqlRepository::record_audience(Id session_id,
                                                          court::AudienceFigure figure,
                                                          const Actor& by) {
  return in_tx<court::LiveSession>(TxMode::write, [&](SqlTx& tx) -> Result<court::LiveSession> {
    auto s = queries::load_session(tx, session_id, /*lock=*/true);
    if (!s) return fail_not_found("session", session_id);
    const bool by_person = figure.source == court::AudienceSource::entered;
    json::object details{{"session_id", s->id},
                         {"platform", figure.platform},
                         {"kind", court::view_kind_code(figure.kind)},
                         {"count", figure.count}};
    if (auto r = court::set_audience(*s, std::move(figure)); !r) return fail(r.error());
    queries::save_session(tx, *s);
    // Figures typed in by a person are logged; machine-posted counts would flood the log.
    if (by_person) queries::log_audit(tx, by, "session.audience", json::serialize(details));
    return *s;
  });
}

Result<void> SqlRepository::open_input_span(Id session_id, std::string input,
                                            court::UtcMs start_ms) {
  if (input.empty()) return fail(ErrorKind::invalid, "invalid_input", "input: must be named");
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    if (!queries::load_session(tx, session_id, false)) {
      return fail_not_found("session", session_id);
    }
    // A reconnect closes the span a lost connection left open.
    tx.exec(
        "UPDATE input_spans SET end_ms = $3 WHERE session_id = $1 AND input = $2 "
        "AND end_ms IS NULL",
        {session_id, input, start_ms});
    tx.exec("INSERT INTO input_spans (session_id, input, start_ms) VALUES ($1, $2, $3)",
            {session_id, input, start_ms});
    return {};
  });
}

Result<void> SqlRepository::close_input_span(Id session_id, std::string_view input,
                                             court::UtcMs end_ms) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    tx.exec(
        "UPDATE input_spans SET end_ms = $3 WHERE session_id = $1 AND input = $2 "
        "AND end_ms IS NULL",
        {session_id, std::string(input), end_ms});
    return {};
  });
}

Result<std::vector<court::InputSpan>> SqlRepository::list_input_spans(Id session_id) {
  using List = std::vector<court::InputSpan>;
  return in_tx<List>(
      TxMode::read, [&](SqlTx& tx) -> Result<List> { return queries::load_spans(tx, session_id); });
}

}  // namespace courtcast::store
