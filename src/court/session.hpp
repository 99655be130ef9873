#pragma once
// A live session (直播场次): one broadcast, planned, approved case by case
// (一案一审核), then live and ended. It owns its inputs, destinations and
// delay, and keeps the audience each platform reported, by kind.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "court/air_format.hpp"
#include "court/case.hpp"
#include "court/error.hpp"
#include "court/id.hpp"
#include "court/people.hpp"
#include "court/settings.hpp"
#include "court/time.hpp"

namespace courtcast::court {

enum class SessionState { draft, submitted, approved, rejected, live, ended };

// 执行预案: how the day will run.
struct ExecutionPlan {
  std::vector<Id> case_order;  // the order the cases are visited in
  std::string route;
  std::vector<Officer> officers;
  std::vector<std::string> supervisors;  // e.g. the procuratorate, people's deputies
  std::string host;                      // who presents the broadcast
  std::string script;

  bool operator==(const ExecutionPlan&) const = default;
};

// 应急预案: what can go wrong and what the team does then.
struct ContingencyItem {
  std::string risk;
  std::string response;

  bool operator==(const ContingencyItem&) const = default;
};

// Platforms report audience in different units that must never be added
// together: 观看人次 (views), 点击量 (clicks), 访问量 (visits).
enum class ViewKind { watch_count, clicks, visits };
enum class AudienceSource {
  measured,  // counted by our own player
  entered,   // typed in from the platform's back office
  posted,    // pushed by the platform's API
};

struct AudienceFigure {
  std::string platform;
  ViewKind kind = ViewKind::watch_count;
  std::int64_t count = 0;
  AudienceSource source = AudienceSource::entered;
  UtcMs reported_ms = 0;
};

// An interval during which an input (camera) was live and recorded; open
// while the input is still live.
struct InputSpan {
  std::string input;
  UtcMs start_ms = 0;
  std::optional<UtcMs> end_ms;
};

struct LiveSession {
  Id id = 0;
  std::optional<Id> campaign_id;
  std::string title;
  std::string site;
  // What the public watch page says about the broadcast; never a party's
  // name or number (it is shown as written).
  std::string public_description;
  UtcMs scheduled_start_ms = 0;
  std::optional<UtcMs> scheduled_end_ms;  // none: open-ended
  std::optional<UtcMs> actual_start_ms;
  std::optional<UtcMs> actual_end_ms;
  SessionState state = SessionState::draft;
  bool training = false;  // went live without approval under allow_unapproved_live
  std::string submitted_by;
  std::optional<UtcMs> submitted_ms;
  std::string approved_by;  // also who rejected it
  std::optional<UtcMs> approved_ms;
  std::string rejection_reason;
  ExecutionPlan plan;
  std::vector<ContingencyItem> contingency;
  std::vector<Id> case_ids;
  // Cameras, by names that become part of stream names: 1-32 of a-z 0-9 _ -.
  std::vector<std::string> inputs;
  std::vector<std::string> destinations;  // names of platform destinations
  std::int64_t delay_ms = 10'000;         // broadcast delay of air behind program
  AirFormat air;  // taken when the session goes live; fixed while it is live
  std::vector<AudienceFigure> audience;
  std::vector<Officer> officers;  // deployed on the day
  int vehicles = 0;
  std::vector<Witness> witnesses;
  int questions_answered = 0;
};

Result<void> validate_session(const LiveSession& s);

// The state machine: draft → submitted → approved → live → ended, or
// submitted → rejected → (edited) submitted again.
Result<void> submit_session(LiveSession& s, std::string who, UtcMs at_ms);
Result<void> approve_session(LiveSession& s, std::string who, UtcMs at_ms,
                             const Settings& settings);
Result<void> reject_session(LiveSession& s, std::string who, UtcMs at_ms, std::string reason);
Result<void> go_live(LiveSession& s, UtcMs at_ms, const Settings& settings);
Result<void> end_session(LiveSession& s, UtcMs at_ms);
// Takes a submitted or approved (not yet live) session back to draft so its
// plan can change; the approval, if given, is void and must be given again.
Result<void> withdraw_session(LiveSession& s);

// Whether `edited` may replace `stored`. Once submitted, what was approved
// (一案一审核 approves a plan, not whatever it later becomes) is locked: the
// plan and contingency, site, schedule, inputs (cameras), destinations
// (platforms) and cases. What the day itself decides stays open: the delay,
// officers deployed, vehicles, witnesses, questions answered, and the title.
Result<void> check_session_edit(const LiveSession& stored, const LiveSession& edited);
bool session_locked(const LiveSession& s);

// Cases are put on a session while it is being planned; a barred case never.
Result<void> add_case_to_session(LiveSession& s, const Case& c);

// Records a platform's latest figure; a later figure of the same platform and
// kind replaces the earlier one, since platforms report running totals.
Result<void> set_audience(LiveSession& s, AudienceFigure figure);

std::string_view session_state_code(SessionState s);
std::optional<SessionState> session_state_from_code(std::string_view code);
std::string_view view_kind_code(ViewKind k);
std::string_view view_kind_name_zh(ViewKind k);
std::optional<ViewKind> view_kind_from_code(std::string_view code);
std::string_view audience_source_code(AudienceSource s);
std::optional<AudienceSource> audience_source_from_code(std::string_view code);

}  // namespace courtcast::court
