#pragma once
// How each domain object maps to its table: the column list, the parameters
// that write it and the function that reads a row back. Shared by both
// backends; the SQL they build uses only what SQLite and PostgreSQL share.

#include <string>
#include <string_view>
#include <vector>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "court/statistics.hpp"
#include "court/step.hpp"
#include "store/audit.hpp"
#include "store/sql.hpp"
#include "store/user.hpp"

namespace courtcast::store::rows {

// A table whose first column is `id`, followed by `columns`.
struct Table {
  std::string_view name;
  std::vector<std::string_view> columns;

  std::string select() const;  // SELECT id, c1, … FROM name
  std::string insert() const;  // INSERT … VALUES ($1 …) RETURNING id
  std::string update() const;  // UPDATE name SET c1=$2, … WHERE id=$1
};

const Table& campaigns();
const Table& cases();
const Table& sessions();  // case_ids live in session_cases
const Table& steps();
const Table& users();
const Table& api_tokens();
// Only the columns of steps that statistics read (court::StepFigures), to
// select; the steps_case index holds them all (migration 3). Steps are
// written whole through steps().
const Table& step_figures();

std::vector<Param> params(const court::Campaign& c);
std::vector<Param> params(const court::Case& c);
std::vector<Param> params(const court::LiveSession& s);
std::vector<Param> params(const court::EnforcementStep& s);
std::vector<Param> params(const User& u);
std::vector<Param> params(const ApiToken& t);

court::Campaign campaign_from(const Row& r);
court::Case case_from(const Row& r);
court::LiveSession session_from(const Row& r);  // without case_ids
court::EnforcementStep step_from(const Row& r);
court::StepFigures step_figures_from(const Row& r);
User user_from(const Row& r);
ApiToken api_token_from(const Row& r);

inline constexpr std::string_view kAuditSelect =
    "SELECT seq, at_ms, actor, action, details, prev_hash, hash FROM audit_log";
AuditEntry audit_from(const Row& r);

// For params lists: NULL when absent.
Param opt(const std::optional<std::int64_t>& v);
Param opt_text(const std::optional<std::string>& v);

}  // namespace courtcast::store::rows
