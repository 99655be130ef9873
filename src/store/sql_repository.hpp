#pragma once
// Repository over any Database (SQLite or PostgreSQL): the operations are
// written once here; backends only run SQL in transactions.

#include <memory>

#include "store/repository.hpp"
#include "store/secret_box.hpp"
#include "store/sql.hpp"

namespace courtcast::store {

// Seals again every platform stream key and server URL not sealed by `secrets`' first key
// (plain ones from before sealing, or ones of a key being rotated out), in
// one transaction; returns how many.
Result<std::int64_t> reseal_secrets(Database& db, const SecretBox& secrets);

class SqlRepository final : public Repository {
 public:
  // `secrets`: seals platforms' stream keys (secret_box.hpp); without it
  // they are stored as given (tests, tools that never read them).
  explicit SqlRepository(std::unique_ptr<Database> db,
                         std::shared_ptr<const SecretBox> secrets = nullptr)
      : db_(std::move(db)), secrets_(std::move(secrets)) {}

  std::string_view backend() const override { return db_->backend(); }
  bool groups_writes() const override { return db_->groups_writes(); }
  Result<int> schema_version() override;

  Result<court::Campaign> create_campaign(court::Campaign c, const Actor& by) override;
  Result<court::Campaign> update_campaign(const court::Campaign& c, const Actor& by) override;
  Result<court::Campaign> get_campaign(Id id) override;
  Result<std::vector<court::Campaign>> list_campaigns() override;

  Result<court::Case> create_case(court::Case c, const Actor& by) override;
  Result<court::Case> update_case(const court::Case& c, const Actor& by) override;
  Result<court::Case> get_case(Id id) override;
  Result<court::Case> find_case(std::string_view number) override;
  Result<std::vector<court::Case>> list_cases(const CaseFilter& filter) override;
  Result<court::Case> close_case(Id case_id, court::ClosureMode mode,
                                 court::EnforcementOutcome outcome, const Actor& by) override;

  Result<court::LiveSession> create_session(court::LiveSession s, const Actor& by) override;
  Result<court::LiveSession> update_session(const court::LiveSession& s, const Actor& by) override;
  Result<court::LiveSession> get_session(Id id) override;
  Result<std::vector<court::LiveSession>> list_sessions(const SessionFilter& filter) override;
  Result<court::LiveSession> add_case_to_session(Id session_id, Id case_id,
                                                 const Actor& by) override;
  Result<court::LiveSession> transition_session(Id session_id, SessionAction action,
                                                std::string reason, const court::Settings& settings,
                                                const Actor& by) override;
  Result<court::LiveSession> keep_session_delay(Id session_id, std::int64_t delay_ms,
                                                const Actor& by) override;
  Result<court::LiveSession> record_audience(Id session_id, court::AudienceFigure figure,
                                             const Actor& by) override;
  Result<void> open_input_span(Id session_id, std::string input, court::UtcMs start_ms) override;
  Result<void> close_input_span(Id session_id, std::string_view input,
                                court::UtcMs end_ms) override;
  Result<std::vector<court::InputSpan>> list_input_spans(Id session_id) override;

  Result<court::EnforcementStep> mark_step(court::EnforcementStep step,
                                           const court::Settings& settings,
                                           const Actor& by) override;
  Result<court::EnforcementStep> update_step(const court::EnforcementStep& step,
                                             const court::Settings& settings,
                                             const Actor& by) override;
  Result<court::EnforcementStep> record_deadline(Id step_id, std::optional<court::UtcMs> met_at_ms,
                                                 const Actor& by) override;
  Result<court::EnforcementStep> get_step(Id id) override;
  Result<std::vector<court::EnforcementStep>> list_steps(const StepFilter& filter) override;

  Result<court::CampaignStats> campaign_stats(Id campaign_id,
                                              const court::Settings& settings) override;
  Result<court::SessionStats> session_stats(Id session_id,
                                            const court::Settings& settings) override;

  Result<User> create_user(User u, const Actor& by) override;
  Result<User> update_user(const User& u, const Actor& by) override;
  Result<User> get_user(Id id) override;
  Result<User> find_user(std::string_view username) override;
  Result<std::vector<User>> list_users() override;
  Result<std::int64_t> count_users() override;

  Result<ApiToken> create_api_token(ApiToken t, const Actor& by) override;
  Result<ApiToken> find_api_token(std::string_view token_hash) override;
  Result<std::vector<ApiToken>> list_api_tokens() override;
  Result<ApiToken> revoke_api_token(Id id, const Actor& by) override;

  Result<Question> add_question(Question q, std::optional<Id> repeat_of, const Actor& by) override;
  Result<Question> get_question(Id id) override;
  Result<std::vector<Question>> list_questions(Id session_id) override;
  Result<Question> decide_question(Id id, const QuestionChange& change, const Actor& by) override;
  Result<std::vector<QuestionDecision>> list_question_decisions(Id question_id) override;
  Result<void> add_audience_viewers(Id session_id,
                                    const std::vector<std::int64_t>& viewers) override;
  Result<std::vector<std::int64_t>> list_audience_viewers(Id session_id) override;

  Result<void> create_login_session(const LoginSession& s) override;
  Result<LoginSession> find_login_session(std::string_view id_hash) override;
  Result<void> touch_login_session(std::string_view id_hash, court::UtcMs last_seen_ms) override;
  Result<void> end_login_session(std::string_view id_hash) override;
  Result<void> end_login_sessions_of(Id user_id) override;
  Result<std::int64_t> purge_login_sessions(court::UtcMs idle_before_ms,
                                            court::UtcMs now_ms) override;
  Result<std::vector<StoredDestination>> list_destinations() override;
  Result<void> replace_destinations(const std::vector<StoredDestination>& all) override;

  Result<ExportJob> create_export(ExportJob job) override;
  Result<void> update_export(const ExportJob& job) override;
  Result<ExportJob> get_export(Id id) override;
  Result<std::vector<ExportJob>> list_exports() override;

  Result<AuditEntry> append_audit(std::string action, std::string details_json,
                                  const Actor& by) override;
  Result<std::vector<AuditEntry>> list_audit(std::int64_t after_seq, int limit) override;
  Result<AuditVerification> verify_audit() override;

 private:
  // Runs `fn(tx)` in a transaction and hands back what it produced.
  template <typename T, typename F>
  Result<T> in_tx(TxMode mode, F&& fn) {
    std::optional<T> out;
    auto r = db_->transact(mode, [&](SqlTx& tx) -> Result<void> {
      Result<T> v = fn(tx);
      if (!v) return court::Unexpected<Error>{std::move(v).error()};
      out = std::move(*v);
      return {};
    });
    if (!r) return court::Unexpected<Error>{std::move(r).error()};
    return std::move(*out);
  }

  std::unique_ptr<Database> db_;
  std::shared_ptr<const SecretBox> secrets_;
};

}  // namespace courtcast::store
