#pragma once
// Reads and writes inside one transaction, shared by the repository's
// operations. `lock` takes the row for update so read-modify-write
// operations on the same row queue up instead of overwriting each other.

#include <optional>
#include <string>
#include <vector>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "court/statistics.hpp"
#include "court/step.hpp"
#include "store/audit.hpp"
#include "store/repository.hpp"
#include "store/sql.hpp"

namespace courtcast::store::queries {

std::optional<court::Campaign> load_campaign(SqlTx& tx, Id id);
std::optional<court::Case> load_case(SqlTx& tx, Id id, bool lock);
std::optional<court::LiveSession> load_session(SqlTx& tx, Id id, bool lock);
std::optional<court::EnforcementStep> load_step(SqlTx& tx, Id id);
std::optional<User> load_user(SqlTx& tx, Id id);

std::vector<court::Case> load_cases(SqlTx& tx, const CaseFilter& filter);
// The campaign's cases and the cases on its sessions.
std::vector<court::Case> load_campaign_cases(SqlTx& tx, Id campaign_id);
std::vector<court::LiveSession> load_sessions(SqlTx& tx, const SessionFilter& filter);
std::vector<court::EnforcementStep> load_steps(SqlTx& tx, const StepFilter& filter);
// The notice steps of a case (court::StepTypeInfo::is_notice), by start.
std::vector<court::EnforcementStep> load_notice_steps(SqlTx& tx, Id case_id);
// `select` (SELECT … FROM steps) restricted to the steps of campaign $1: on
// its cases or its sessions, in a form `dialect`'s planner answers by index.
std::string steps_of_campaign(std::string_view select, std::string_view dialect);
// The same steps as load_steps, in the same order, reduced to what statistics read.
std::vector<court::StepFigures> load_step_figures(SqlTx& tx, const StepFilter& filter);
std::vector<court::InputSpan> load_spans(SqlTx& tx, Id session_id);

Id insert_case(SqlTx& tx, const court::Case& c);
Id insert_step(SqlTx& tx, const court::EnforcementStep& s);
void save_case(SqlTx& tx, const court::Case& c);
void save_session(SqlTx& tx, const court::LiveSession& s);  // not its case_ids
void save_step(SqlTx& tx, const court::EnforcementStep& s);
void add_session_case(SqlTx& tx, Id session_id, Id case_id, int position);

// Appends to the hash chain; the caller's transaction makes the entry and
// the change it records commit together.
AuditEntry append_audit(SqlTx& tx, const Actor& by, std::string action, std::string details);
// The same, for a caller that does not read the entry: on PostgreSQL the
// append is then queued to reach the server with COMMIT (sql.hpp's exec).
void log_audit(SqlTx& tx, const Actor& by, std::string action, std::string details);

}  // namespace courtcast::store::queries
