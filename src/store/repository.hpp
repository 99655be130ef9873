#pragma once
// The one persistence interface: campaigns, live sessions, cases,
// enforcement steps, users and the audit log. Implemented over SQLite and
// PostgreSQL by SqlRepository; open one with open_repository(url).
//
// Changes that read before they write (marking a step updates the case's
// money; a transition reads the state) run in one transaction with the rows
// locked, apply the court:: rules to what is stored now, and append their
// audit entry in the same transaction. So two clients marking steps at once
// both land, and the log never records a change that did not happen.
//
// Thread-safe: one Repository may be shared by every thread of the server.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "court/settings.hpp"
#include "court/statistics.hpp"
#include "court/step.hpp"
#include "store/audit.hpp"
#include "store/destination.hpp"
#include "store/error.hpp"
#include "store/export_job.hpp"
#include "store/question.hpp"
#include "store/user.hpp"

namespace courtcast::store {

class SecretBox;

using court::Id;

enum class SessionAction { submit, withdraw, approve, reject, go_live, end };

struct CaseFilter {
  std::optional<Id> campaign_id;
};

struct SessionFilter {
  std::optional<Id> campaign_id;
};

// At most one field set: the steps of a case, of a session, or of a
// campaign (its cases' steps and its sessions' steps).
struct StepFilter {
  std::optional<Id> case_id;
  std::optional<Id> session_id;
  std::optional<Id> campaign_id;

  static StepFilter of_case(Id id) { return {id, std::nullopt, std::nullopt}; }
  static StepFilter of_session(Id id) { return {std::nullopt, id, std::nullopt}; }
  static StepFilter of_campaign(Id id) { return {std::nullopt, std::nullopt, id}; }
};

class Repository {
 public:
  virtual ~Repository() = default;

  virtual std::string_view backend() const = 0;  // "sqlite" or "postgresql"
  // Whether concurrent writes share commits (store/open.cpp decides which
  // stores group them), so that running more of them at once pays.
  virtual bool groups_writes() const = 0;
  virtual Result<int> schema_version() = 0;

  // Campaigns.
  virtual Result<court::Campaign> create_campaign(court::Campaign c, const Actor& by) = 0;
  virtual Result<court::Campaign> update_campaign(const court::Campaign& c, const Actor& by) = 0;
  virtual Result<court::Campaign> get_campaign(Id id) = 0;
  virtual Result<std::vector<court::Campaign>> list_campaigns() = 0;

  // Cases. Money and state change only through steps and close_case; an
  // update keeps the stored amounts, state and closure.
  virtual Result<court::Case> create_case(court::Case c, const Actor& by) = 0;
  virtual Result<court::Case> update_case(const court::Case& c, const Actor& by) = 0;
  virtual Result<court::Case> get_case(Id id) = 0;
  virtual Result<court::Case> find_case(std::string_view number) = 0;
  virtual Result<std::vector<court::Case>> list_cases(const CaseFilter& filter) = 0;
  virtual Result<court::Case> close_case(Id case_id, court::ClosureMode mode,
                                         court::EnforcementOutcome outcome, const Actor& by) = 0;

  // Live sessions. An update replaces the plan, inputs, destinations and
  // people, but never the state or the approval (use transition_session).
  virtual Result<court::LiveSession> create_session(court::LiveSession s, const Actor& by) = 0;
  virtual Result<court::LiveSession> update_session(const court::LiveSession& s,
                                                    const Actor& by) = 0;
  virtual Result<court::LiveSession> get_session(Id id) = 0;
  virtual Result<std::vector<court::LiveSession>> list_sessions(const SessionFilter& filter) = 0;
  virtual Result<court::LiveSession> add_case_to_session(Id session_id, Id case_id,
                                                         const Actor& by) = 0;
  // `reason` is needed to reject; the actor is who submits or approves.
  virtual Result<court::LiveSession> transition_session(Id session_id, SessionAction action,
                                                        std::string reason,
                                                        const court::Settings& settings,
                                                        const Actor& by) = 0;
  virtual Result<court::LiveSession> record_audience(Id session_id, court::AudienceFigure figure,
                                                     const Actor& by) = 0;
  // The delay the director set on the session's program while live, kept so
  // that a restart resumes it.
  virtual Result<court::LiveSession> keep_session_delay(Id session_id, std::int64_t delay_ms,
                                                        const Actor& by) = 0;
  // Inputs going live and dropping out, for the two-recorder rule.
  virtual Result<void> open_input_span(Id session_id, std::string input, court::UtcMs start_ms) = 0;
  virtual Result<void> close_input_span(Id session_id, std::string_view input,
                                        court::UtcMs end_ms) = 0;
  virtual Result<std::vector<court::InputSpan>> list_input_spans(Id session_id) = 0;

  // Enforcement steps, checked against the rules with what is stored now.
  virtual Result<court::EnforcementStep> mark_step(court::EnforcementStep step,
                                                   const court::Settings& settings,
                                                   const Actor& by) = 0;
  // Edits a step (its end, notes, clips, …); the rules are checked again.
  virtual Result<court::EnforcementStep> update_step(const court::EnforcementStep& step,
                                                     const court::Settings& settings,
                                                     const Actor& by) = 0;
  // Met at `met_at_ms` (late counts as missed), or, without it, missed as of by.at_ms.
  virtual Result<court::EnforcementStep> record_deadline(Id step_id,
                                                         std::optional<court::UtcMs> met_at_ms,
                                                         const Actor& by) = 0;
  virtual Result<court::EnforcementStep> get_step(Id id) = 0;
  virtual Result<std::vector<court::EnforcementStep>> list_steps(const StepFilter& filter) = 0;

  // Statistics, computed by court/ over what one read transaction sees.
  virtual Result<court::CampaignStats> campaign_stats(Id campaign_id,
                                                      const court::Settings& settings) = 0;
  virtual Result<court::SessionStats> session_stats(Id session_id,
                                                    const court::Settings& settings) = 0;

  // Users.
  virtual Result<User> create_user(User u, const Actor& by) = 0;
  virtual Result<User> update_user(const User& u, const Actor& by) = 0;
  virtual Result<User> get_user(Id id) = 0;
  virtual Result<User> find_user(std::string_view username) = 0;
  virtual Result<std::vector<User>> list_users() = 0;
  virtual Result<std::int64_t> count_users() = 0;

  // API tokens; revoking is final (the row stays, for the audit trail).
  virtual Result<ApiToken> create_api_token(ApiToken t, const Actor& by) = 0;
  virtual Result<ApiToken> find_api_token(std::string_view token_hash) = 0;
  virtual Result<std::vector<ApiToken>> list_api_tokens() = 0;
  virtual Result<ApiToken> revoke_api_token(Id id, const Actor& by) = 0;

  // Console logins, by the SHA-256 of their cookie. Ending is final; expired
  // rows are purged by `purge_login_sessions` (idle since before
  // `idle_before_ms`, or past their expiry at `now_ms`).
  virtual Result<void> create_login_session(const LoginSession& s) = 0;
  virtual Result<LoginSession> find_login_session(std::string_view id_hash) = 0;
  virtual Result<void> touch_login_session(std::string_view id_hash, court::UtcMs last_seen_ms) = 0;
  virtual Result<void> end_login_session(std::string_view id_hash) = 0;
  virtual Result<void> end_login_sessions_of(Id user_id) = 0;
  virtual Result<std::int64_t> purge_login_sessions(court::UtcMs idle_before_ms,
                                                    court::UtcMs now_ms) = 0;

  // Destinations made through the API, replaced as a whole after each change.
  virtual Result<std::vector<StoredDestination>> list_destinations() = 0;
  virtual Result<void> replace_destinations(const std::vector<StoredDestination>& all) = 0;

  // Viewers' questions (question.hpp). add_question stores a new one with
  // the pipeline's decision as its first; with `repeat_of` it is merged at
  // once into that question of the same session, whose count grows. A
  // platform's message id seen before for the session and source is
  // refused: conflict "duplicate_message".
  virtual Result<Question> add_question(Question q, std::optional<Id> repeat_of,
                                        const Actor& by) = 0;
  virtual Result<Question> get_question(Id id) = 0;
  // Oldest first.
  virtual Result<std::vector<Question>> list_questions(Id session_id) = 0;
  // A moderator's or officer's decision, checked against the state stored
  // now and kept with its reason. Answering counts into the session's
  // questions_answered.
  virtual Result<Question> decide_question(Id id, const QuestionChange& change,
                                           const Actor& by) = 0;
  virtual Result<std::vector<QuestionDecision>> list_question_decisions(Id question_id) = 0;

  // The watch page's unique viewers of a session (a 64-bit key from each
  // browser's identity cookie), kept so that a restart does not forget who
  // was counted. Adding a key already there changes nothing.
  virtual Result<void> add_audience_viewers(Id session_id,
                                            const std::vector<std::int64_t>& viewers) = 0;
  virtual Result<std::vector<std::int64_t>> list_audience_viewers(Id session_id) = 0;

  // Clip exports: created with a new id (never one used before), updated as
  // they run, expire and are listed oldest first. Rows are never deleted.
  virtual Result<ExportJob> create_export(ExportJob job) = 0;
  virtual Result<void> update_export(const ExportJob& job) = 0;
  virtual Result<ExportJob> get_export(Id id) = 0;
  virtual Result<std::vector<ExportJob>> list_exports() = 0;

  // The audit log, for control actions outside the store (take, cut, delay,
  // destinations, Q&A decisions); the store's own writes log themselves.
  virtual Result<AuditEntry> append_audit(std::string action, std::string details_json,
                                          const Actor& by) = 0;
  virtual Result<std::vector<AuditEntry>> list_audit(std::int64_t after_seq, int limit) = 0;
  virtual Result<AuditVerification> verify_audit() = 0;
};

// "sqlite:PATH" (created if missing) or "postgresql://user:pw@host:port/db"
// ("postgres://" too). Migrations are applied before it returns.
// With `secrets`, platforms' stream keys are sealed with it (secret_box.hpp),
// and any stored in plain text or sealed by another key of its keyring are
// sealed again by its first key before it returns.
Result<std::unique_ptr<Repository>> open_repository(
    std::string_view url, std::shared_ptr<const SecretBox> secrets = nullptr);

}  // namespace courtcast::store
