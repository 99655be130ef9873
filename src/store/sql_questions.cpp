// Viewers' questions over SqlRepository (question.hpp): each change and its
// decision row are written in one transaction, so no decision is recorded
// for a change that did not happen, and two moderators acting on one
// question at once are serialised by the row lock.

#include "store/sql_repository.hpp"

#include "base/codes.hpp"

namespace courtcast::store {

constexpr base::CodeTable<QuestionState, 6> kQuestionStateCodes = {
    {{QuestionState::pending, "pending"},
     {QuestionState::approved, "approved"},
     {QuestionState::to_answer, "to_answer"},
     {QuestionState::answered, "answered"},
     {QuestionState::rejected, "rejected"},
     {QuestionState::merged, "merged"}}};

std::string_view question_state_code(QuestionState s) {
  return base::code_of(kQuestionStateCodes, s, "pending");
}

std::optional<QuestionState> question_state_from_code(std::string_view code) {
  return base::from_code(kQuestionStateCodes, code);
}

bool question_public(QuestionState s) {
  return s == QuestionState::approved || s == QuestionState::to_answer ||
         s == QuestionState::answered;
}

constexpr base::CodeTable<QuestionAction, 7> kQuestionActionCodes = {
    {{QuestionAction::approve, "approve"},
     {QuestionAction::reject, "reject"},
     {QuestionAction::to_answer, "to_answer"},
     {QuestionAction::answer, "answer"},
     {QuestionAction::pin, "pin"},
     {QuestionAction::unpin, "unpin"},
     {QuestionAction::merge, "merge"}}};

std::string_view question_action_code(QuestionAction a) {
  return base::code_of(kQuestionActionCodes, a, "approve");
}

std::optional<QuestionAction> question_action_from_code(std::string_view code) {
  return base::from_code(kQuestionActionCodes, code);
}

namespace {

constexpr const char* kColumns =
    "id, session_id, source, message_id, viewer, author, contact, text, masked_text, "
    "normalized_key, findings, verdict, state, reason, merged_into, repeats, pinned, answer, "
    "answered_by, created_ms, updated_ms, answered_ms";

Question question_from(const Row& r) {
  Question q;
  q.id = r.int64(0);
  q.session_id = r.int64(1);
  q.source = r.text(2);
  q.message_id = r.text(3);
  q.viewer = r.text(4);
  q.author = r.text(5);
  q.contact = r.text(6);
  q.text = r.text(7);
  q.masked_text = r.text(8);
  q.normalized_key = r.text(9);
  q.findings_json = r.text(10);
  q.verdict = r.text(11);
  q.state = question_state_from_code(r.text(12)).value_or(QuestionState::pending);
  q.reason = r.text(13);
  q.merged_into = r.opt_int64(14);
  q.repeats = static_cast<int>(r.int64(15));
  q.pinned = r.int64(16) != 0;
  q.answer = r.text(17);
  q.answered_by = r.text(18);
  q.created_ms = r.int64(19);
  q.updated_ms = r.int64(20);
  q.answered_ms = r.opt_int64(21);
  return q;
}

Param opt(const std::optional<std::int64_t>& v) {
  return v ? Param(*v) : Param(nullptr);
}

std::optional<Question> load(SqlTx& tx, Id id, bool lock) {
  const Rows rs = tx.query(std::string("SELECT ") + kColumns + " FROM questions WHERE id = $1" +
                               std::string(lock ? tx.for_update() : ""),
                           {id});
  if (rs.empty()) return std::nullopt;
  return question_from(rs.front());
}

void save(SqlTx& tx, const Question& q) {
  tx.exec(
      "UPDATE questions SET state = $2, reason = $3, merged_into = $4, repeats = $5, "
      "pinned = $6, answer = $7, answered_by = $8, updated_ms = $9, answered_ms = $10 "
      "WHERE id = $1",
      {q.id, std::string(question_state_code(q.state)), q.reason, opt(q.merged_into),
       std::int64_t{q.repeats}, std::int64_t{q.pinned ? 1 : 0}, q.answer, q.answered_by,
       q.updated_ms, opt(q.answered_ms)});
}

void decide(SqlTx& tx, Id question_id, const Actor& by, std::string_view action,
            const std::string& reason) {
  tx.exec(
      "INSERT INTO question_decisions (question_id, at_ms, actor, action, reason) "
      "VALUES ($1, $2, $3, $4, $5)",
      {question_id, by.at_ms, by.name, std::string(action), reason});
}

court::Unexpected<Error> refuse(std::string code, std::string message) {
  return fail(ErrorKind::rule, std::move(code), std::move(message));
}

std::string describe(const Question& q) {
  return "question " + std::to_string(q.id) + " (" + std::string(question_state_code(q.state)) +
         ")";
}

}  // namespace

Result<Question> SqlRepository::add_question(Question q, std::optional<Id> repeat_of,
                                             const Actor& by) {
  return in_tx<Question>(TxMode::write, [&](SqlTx& tx) -> Result<Question> {
    if (tx.query("SELECT id FROM sessions WHERE id = $1", {q.session_id}).empty())
      return fail_not_found("session " + std::to_string(q.session_id));
    if (!q.message_id.empty() &&
        !tx.query("SELECT id FROM questions WHERE session_id = $1 AND source = $2 AND "
                  "message_id = $3",
                  {q.session_id, q.source, q.message_id})
             .empty())
      return fail(ErrorKind::conflict, "duplicate_message",
                  "message " + q.message_id + " from " + q.source + " is already in the queue");
    std::optional<Question> target;
    if (repeat_of) {
      target = load(tx, *repeat_of, true);
      // A repeat of a question since rejected or merged stands on its own.
      if (target &&
          (target->session_id != q.session_id || target->state == QuestionState::rejected ||
           target->state == QuestionState::merged))
        target.reset();
    }
    q.created_ms = q.updated_ms = by.at_ms;
    q.repeats = 0;
    q.pinned = false;
    if (target) {
      q.state = QuestionState::merged;
      q.merged_into = target->id;
      q.reason = "same as question " + std::to_string(target->id);
    }
    q.id = tx.query(
                 "INSERT INTO questions (session_id, source, message_id, viewer, author, contact, "
                 "text, masked_text, normalized_key, findings, verdict, state, reason, "
                 "merged_into, repeats, pinned, answer, answered_by, created_ms, updated_ms, "
                 "answered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                 "$14, $15, $16, $17, $18, $19, $20, $21) RETURNING id",
                 {q.session_id,    q.source,           q.message_id,
                  q.viewer,        q.author,           q.contact,
                  q.text,          q.masked_text,      q.normalized_key,
                  q.findings_json, q.verdict,          std::string(question_state_code(q.state)),
                  q.reason,        opt(q.merged_into), std::int64_t{0},
                  std::int64_t{0}, std::string(),      std::string(),
                  q.created_ms,    q.updated_ms,       nullptr})
               .front()
               .int64(0);
    decide(tx, q.id, by, "received", q.verdict + ": " + q.reason);
    if (target) {
      target->repeats += 1;
      target->updated_ms = by.at_ms;
      save(tx, *target);
      decide(tx, target->id, by, "repeat", "question " + std::to_string(q.id) + " asks the same");
    }
    return q;
  });
}

Result<Question> SqlRepository::get_question(Id id) {
  return in_tx<Question>(TxMode::read, [&](SqlTx& tx) -> Result<Question> {
    auto q = load(tx, id, false);
    if (!q) return fail_not_found("question " + std::to_string(id));
    return *q;
  });
}

Result<std::vector<Question>> SqlRepository::list_questions(Id session_id) {
  using List = std::vector<Question>;
  return in_tx<List>(TxMode::read, [&](SqlTx& tx) -> Result<List> {
    List out;
    tx.query_each(
        std::string("SELECT ") + kColumns + " FROM questions WHERE session_id = $1 ORDER BY id",
        {session_id}, [&](const Row& r) { out.push_back(question_from(r)); });
    return out;
  });
}

Result<void> SqlRepository::add_audience_viewers(Id session_id,
                                                 const std::vector<std::int64_t>& viewers) {
  return db_->transact(TxMode::write, [&](SqlTx& tx) -> Result<void> {
    // Both backends take ON CONFLICT DO NOTHING (SQLite since 3.24).
    for (const std::int64_t v : viewers)
      tx.exec(
          "INSERT INTO audience_viewers (session_id, viewer) VALUES ($1, $2) "
          "ON CONFLICT DO NOTHING",
          {session_id, v});
    return {};
  });
}

Result<std::vector<std::int64_t>> SqlRepository::list_audience_viewers(Id session_id) {
  using List = std::vector<std::int64_t>;
  return in_tx<List>(TxMode::read, [&](SqlTx& tx) -> Result<List> {
    List out;
    tx.query_each("SELECT viewer FROM audience_viewers WHERE session_id = $1", {session_id},
                  [&](const Row& r) { out.push_back(r.int64(0)); });
    return out;
  });
}

Result<Question> SqlRepository::decide_question(Id id, const QuestionChange& change,
                                                const Actor& by) {
  return in_tx<Question>(TxMode::write, [&](SqlTx& tx) -> Result<Question> {
    auto found = load(tx, id, true);
    if (!found) return fail_not_found("question " + std::to_string(id));
    Question q = std::move(*found);
    const auto s = q.state;
    if (s == QuestionState::merged)
      return refuse("question_merged", describe(q) + " was merged into question " +
                                           std::to_string(q.merged_into.value_or(0)) +
                                           ": decide on that one");
    std::string reason = change.reason;
    switch (change.action) {
      case QuestionAction::approve:
        if (s != QuestionState::pending && s != QuestionState::rejected)
          return refuse("question_state", describe(q) + " cannot be approved again");
        q.state = QuestionState::approved;
        break;
      case QuestionAction::reject:
        if (reason.empty())
          return fail(ErrorKind::invalid, "invalid_field", "reason: needed to reject a question");
        if (s == QuestionState::rejected || s == QuestionState::answered)
          return refuse("question_state", describe(q) + " cannot be rejected");
        q.state = QuestionState::rejected;
        q.pinned = false;
        break;
      case QuestionAction::to_answer:
        if (s != QuestionState::pending && s != QuestionState::approved)
          return refuse("question_state", describe(q) + " cannot be marked to answer");
        q.state = QuestionState::to_answer;
        break;
      case QuestionAction::answer:
        if (change.answer.empty())
          return fail(ErrorKind::invalid, "invalid_field", "answer: needed to answer a question");
        if (s != QuestionState::approved && s != QuestionState::to_answer &&
            s != QuestionState::answered)
          return refuse("question_state", describe(q) + " must be approved before it is answered");
        if (s != QuestionState::answered) {
          q.answered_ms = by.at_ms;
          // The session's statistics count questions answered on air.
          tx.exec("UPDATE sessions SET questions_answered = questions_answered + 1 WHERE id = $1",
                  {q.session_id});
        }
        q.state = QuestionState::answered;
        q.answer = change.answer;
        q.answered_by = by.name;
        if (reason.empty()) reason = change.answer;
        break;
      case QuestionAction::pin:
      case QuestionAction::unpin:
        if (s == QuestionState::rejected)
          return refuse("question_state", describe(q) + " is rejected");
        q.pinned = change.action == QuestionAction::pin;
        break;
      case QuestionAction::merge: {
        if (!change.into || *change.into == q.id)
          return fail(ErrorKind::invalid, "invalid_field",
                      "into: the id of another question of the session");
        auto target = load(tx, *change.into, true);
        if (!target || target->session_id != q.session_id)
          return fail_not_found("question " + std::to_string(*change.into) + " of this session");
        if (target->state == QuestionState::merged || target->state == QuestionState::rejected)
          return refuse("question_state", describe(*target) + " cannot take repeats");
        if (s == QuestionState::answered)
          return refuse("question_state", describe(q) + " is answered");
        target->repeats += 1 + q.repeats;
        target->updated_ms = by.at_ms;
        save(tx, *target);
        decide(tx, target->id, by, "repeat",
               "question " + std::to_string(q.id) + " merged into it");
        q.state = QuestionState::merged;
        q.merged_into = target->id;
        q.pinned = false;
        if (reason.empty()) reason = "same as question " + std::to_string(target->id);
        break;
      }
    }
    q.reason = reason;
    q.updated_ms = by.at_ms;
    save(tx, q);
    decide(tx, q.id, by, question_action_code(change.action), reason);
    return q;
  });
}

Result<std::vector<QuestionDecision>> SqlRepository::list_question_decisions(Id question_id) {
  using List = std::vector<QuestionDecision>;
  return in_tx<List>(TxMode::read, [&](SqlTx& tx) -> Result<List> {
    List out;
    for (const auto& r : tx.query("SELECT id, question_id, at_ms, actor, action, reason FROM "
                                  "question_decisions WHERE question_id = $1 ORDER BY id",
                                  {question_id}))
      out.push_back(
          QuestionDecision{r.int64(0), r.int64(1), r.int64(2), r.text(3), r.text(4), r.text(5)});
    return out;
  });
}

}  // namespace courtcast::store
