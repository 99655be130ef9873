#pragma once
// The enforcement domain on the wire: JSON for campaigns, sessions, cases,
// steps and statistics, and strict readers for request bodies that refuse
// unknown fields and say which field is wrong and why ("plan.officers[1].role:
// one of …"). Times are UTC milliseconds (`*_ms`), money is fen (`*_fen`).

#include <boost/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "court/statistics.hpp"
#include "court/step.hpp"
#include "store/audit.hpp"
#include "store/user.hpp"

namespace courtcast::http {

// The largest figure each counted field takes (docs/api.md), so that sums
// stay far from overflow; statistics saturate besides.
inline constexpr std::int64_t kMaxAmountFen = 1'000'000'000'000'000;  // 10 trillion yuan
inline constexpr std::int64_t kMaxAudienceCount = 1'000'000'000'000;
inline constexpr int kMaxPeopleCount = 100'000;
inline constexpr int kMaxVehicles = 10'000;
inline constexpr int kMaxQuestionsAnswered = 1'000'000;
inline constexpr double kMaxAreaM2 = 1e9;

// Reads the fields of one JSON object into a domain value. The first problem
// wins and is kept as "field: reason"; later calls do nothing once failed.
class FieldReader {
 public:
  FieldReader(const boost::json::object& o, std::string prefix,
              std::span<const std::string_view> allowed);
  FieldReader(const boost::json::object& o, std::string prefix,
              std::initializer_list<std::string_view> allowed)
      : FieldReader(o, std::move(prefix), std::span(allowed.begin(), allowed.size())) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(std::string_view key) const { return o_.contains(key); }
  void fail(std::string_view key, std::string_view reason);

  void text(std::string_view key, std::string& out, bool required = false,
            std::size_t max_chars = 4000);
  void int64(std::string_view key, std::int64_t& out, bool required = false, std::int64_t min = 0,
             std::int64_t max = INT64_MAX);
  void integer(std::string_view key, int& out, bool required = false, int min = 0,
               int max = 1'000'000'000);
  void boolean(std::string_view key, bool& out);
  void real(std::string_view key, double& out, double min = 0, double max = 1e15);
  void opt_int64(std::string_view key, std::optional<std::int64_t>& out);  // null clears
  void strings(std::string_view key, std::vector<std::string>& out);
  void ids(std::string_view key, std::vector<std::int64_t>& out);

  template <typename E>
  void code(std::string_view key, E& out, std::optional<E> (*from)(std::string_view),
            std::string_view allowed) {
    const auto* v = get(key);
    if (!v) return;
    std::optional<E> e = v->is_string() ? from(v->as_string()) : std::nullopt;
    if (!e) return fail(key, "one of " + std::string(allowed));
    out = *e;
  }

  // A nested object, read by `read(FieldReader&)`.
  template <typename F>
  void object(std::string_view key, std::initializer_list<std::string_view> allowed, F&& read) {
    const auto* v = get(key);
    if (!v) return;
    if (!v->is_object()) return fail(key, "must be an object");
    FieldReader inner(v->as_object(), name(key), allowed);
    if (inner.ok()) read(inner);
    if (!inner.ok()) error_ = inner.error();
  }

  // An array of objects, each read by `read(FieldReader&, T&)`.
  template <typename T, typename F>
  void list(std::string_view key, std::vector<T>& out,
            std::initializer_list<std::string_view> allowed, F&& read) {
    const auto* v = get(key);
    if (!v) return;
    if (!v->is_array()) return fail(key, "must be an array");
    std::vector<T> items;
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
      const auto& item = v->as_array()[i];
      const std::string at = name(key) + "[" + std::to_string(i) + "]";
      if (!item.is_object()) {
        error_ = at + ": must be an object";
        return;
      }
      FieldReader inner(item.as_object(), at, allowed);
      T t{};
      if (inner.ok()) read(inner, t);
      if (!inner.ok()) {
        error_ = inner.error();
        return;
      }
      items.push_back(std::move(t));
    }
    out = std::move(items);
  }

  // Whether `key` is present and null (to clear an optional).
  bool is_null(std::string_view key) const {
    const auto* v = o_.if_contains(key);
    return v && v->is_null();
  }

 private:
  const boost::json::value* get(std::string_view key);
  std::string name(std::string_view key) const;

  const boost::json::object& o_;
  std::string prefix_;
  std::string error_;
};

// Body readers. `creating` makes the fields a new object needs required;
// otherwise only the fields present change `out` (PATCH).
void read_campaign(FieldReader& r, court::Campaign& out, bool creating);
void read_case(FieldReader& r, court::Case& out, bool creating);
void read_session(FieldReader& r, court::LiveSession& out, bool creating);
void read_step(FieldReader& r, court::EnforcementStep& out, bool creating);
void read_audience(FieldReader& r, court::AudienceFigure& out);

inline constexpr std::string_view kCampaignFields[]{"name", "start_ms", "end_ms", "key_tasks",
                                                    "target_sessions_per_month"};
inline constexpr std::string_view kCaseFields[]{
    "campaign_id", "number",      "cause",        "handler",  "applicants",
    "respondents", "claimed_fen", "has_property", "filed_ms", "broadcast_bar"};
inline constexpr std::string_view kSessionFields[]{"campaign_id",
                                                   "title",
                                                   "site",
                                                   "scheduled_start_ms",
                                                   "scheduled_end_ms",
                                                   "plan",
                                                   "contingency",
                                                   "inputs",
                                                   "destinations",
                                                   "delay_ms",
                                                   "officers",
                                                   "vehicles",
                                                   "witnesses",
                                                   "questions_answered",
                                                   "case_ids",
                                                   "public_description",
                                                   "air"};
inline constexpr std::string_view kStepFields[]{
    "case_id",    "session_id",   "type",    "start_ms", "end_ms",    "officers",
    "witnesses",  "place",        "notes",   "deadline", "recording", "clips",
    "amount_fen", "people_count", "area_m2", "auction"};
inline constexpr std::string_view kAudienceFields[]{"platform", "kind", "count", "source"};

boost::json::object campaign_json(const court::Campaign& c);
boost::json::object case_json(const court::Case& c);
boost::json::object session_json(const court::LiveSession& s);
boost::json::object step_json(const court::EnforcementStep& s);
boost::json::object session_stats_json(const court::SessionStats& s);
boost::json::object period_stats_json(const court::PeriodStats& s);
boost::json::object campaign_stats_json(const court::CampaignStats& s);
boost::json::object audit_json(const store::AuditEntry& e);
boost::json::object user_json(const store::User& u);  // never the hash

}  // namespace courtcast::http
