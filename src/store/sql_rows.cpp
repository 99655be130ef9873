#include "store/sql_rows.hpp"

#include <charconv>
#include <cstdio>

#include "store/codec.hpp"

namespace courtcast::store {

const std::string& Row::text(std::size_t i) const {
  const auto& cell = cells_.at(i);
  if (!cell) throw DbError(DbError::Kind::other, "unexpected NULL in column " + std::to_string(i));
  return *cell;
}

std::int64_t Row::int64(std::size_t i) const {
  const std::string& s = text(i);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) {
    throw DbError(DbError::Kind::other, "column " + std::to_string(i) + " is not an integer: " + s);
  }
  return v;
}

double Row::real(std::size_t i) const {
  return std::stod(text(i));
}

std::optional<std::int64_t> Row::opt_int64(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return int64(i);
}

Rows SqlTx::query(std::string_view sql, std::span<const Param> params) {
  Rows out;
  query_each(sql, params, [&](const Row& r) { out.push_back(r); });
  return out;
}

namespace rows {

namespace {

std::string placeholder(std::size_t n) {
  return "$" + std::to_string(n);
}

template <typename E>
E decode(std::optional<E> v, std::string_view what, const std::string& code) {
  if (!v)
    throw DbError(DbError::Kind::other, "stored " + std::string(what) + " is unknown: " + code);
  return *v;
}

std::int64_t flag(bool b) {
  return b ? 1 : 0;
}

}  // namespace

std::string Table::select() const {
  std::string sql = "SELECT id";
  for (auto c : columns) sql += ", " + std::string(c);
  return sql + " FROM " + std::string(name);
}

std::string Table::insert() const {
  std::string cols, values;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    cols += (i ? ", " : "") + std::string(columns[i]);
    values += (i ? ", " : "") + placeholder(i + 1);
  }
  return "INSERT INTO " + std::string(name) + " (" + cols + ") VALUES (" + values +
         ") RETURNING id";
}

std::string Table::update() const {
  std::string sql = "UPDATE " + std::string(name) + " SET ";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    sql += (i ? ", " : "") + std::string(columns[i]) + " = " + placeholder(i + 2);
  }
  return sql + " WHERE id = $1";
}

Param opt(const std::optional<std::int64_t>& v) {
  return v ? Param(*v) : Param(nullptr);
}
Param opt_text(const std::optional<std::string>& v) {
  return v ? Param(*v) : Param(nullptr);
}

const Table& campaigns() {
  static const Table t{"campaigns",
                       {"name", "start_ms", "end_ms", "key_tasks", "target_sessions_per_month"}};
  return t;
}

std::vector<Param> params(const court::Campaign& c) {
  return {c.name, c.start_ms, c.end_ms, codec::encode_strings(c.key_tasks),
          std::int64_t{c.target_sessions_per_month}};
}

court::Campaign campaign_from(const Row& r) {
  court::Campaign c;
  c.id = r.int64(0);
  c.name = r.text(1);
  c.start_ms = r.int64(2);
  c.end_ms = r.int64(3);
  c.key_tasks = codec::decode_strings(r.text(4));
  c.target_sessions_per_month = static_cast<int>(r.int64(5));
  return c;
}

const Table& cases() {
  static const Table t{
      "cases",
      {"campaign_id", "number", "cause", "handler", "applicants", "respondents", "claimed_fen",
       "recovered_fen", "paid_out_fen", "has_property", "state", "closure_mode", "outcome",
       "filed_ms", "closed_ms", "bar_reason", "bar_note"}};
  return t;
}

std::vector<Param> params(const court::Case& c) {
  return {opt(c.campaign_id),
          c.number,
          c.cause,
          c.handler,
          codec::encode_parties(c.applicants),
          codec::encode_parties(c.respondents),
          c.claimed_fen,
          c.recovered_fen,
          c.paid_out_fen,
          flag(c.has_property),
          std::string(court::case_state_code(c.state)),
          c.closure_mode ? Param(std::string(court::closure_mode_code(*c.closure_mode)))
                         : Param(nullptr),
          std::string(court::outcome_code(c.outcome)),
          c.filed_ms,
          opt(c.closed_ms),
          c.broadcast_bar ? Param(std::string(court::bar_reason_code(c.broadcast_bar->reason)))
                          : Param(nullptr),
          c.broadcast_bar ? Param(c.broadcast_bar->note) : Param(nullptr)};
}

court::Case case_from(const Row& r) {
  court::Case c;
  c.id = r.int64(0);
  c.campaign_id = r.opt_int64(1);
  c.number = r.text(2);
  c.cause = r.text(3);
  c.handler = r.text(4);
  c.applicants = codec::decode_parties(r.text(5));
  c.respondents = codec::decode_parties(r.text(6));
  c.claimed_fen = r.int64(7);
  c.recovered_fen = r.int64(8);
  c.paid_out_fen = r.int64(9);
  c.has_property = r.int64(10) != 0;
  c.state = decode(court::case_state_from_code(r.text(11)), "case state", r.text(11));
  if (!r.is_null(12)) {
    c.closure_mode = decode(court::closure_mode_from_code(r.text(12)), "closure mode", r.text(12));
  }
  c.outcome = decode(court::outcome_from_code(r.text(13)), "outcome", r.text(13));
  c.filed_ms = r.int64(14);
  c.closed_ms = r.opt_int64(15);
  if (!r.is_null(16)) {
    c.broadcast_bar = court::BroadcastBar{
        decode(court::bar_reason_from_code(r.text(16)), "bar reason", r.text(16)),
        r.opt_text(17).value_or("")};
  }
  return c;
}

const Table& sessions() {
  static const Table t{"sessions", {"campaign_id",
                                    "title",
                                    "site",
                                    "scheduled_start_ms",
                                    "scheduled_end_ms",
                                    "actual_start_ms",
                                    "actual_end_ms",
                                    "state",
                                    "training",
                                    "submitted_by",
                                    "submitted_ms",
                                    "approved_by",
                                    "approved_ms",
                                    "rejection_reason",
                                    "plan",
                                    "contingency",
                                    "inputs",
                                    "destinations",
                                    "delay_ms",
                                    "audience",
                                    "officers",
                                    "vehicles",
                                    "witnesses",
                                    "questions_answered",
                                    "public_description",
                                    "air"}};
  return t;
}

namespace {

// "conform 1280x720 25 2500 128 veryfast"; "" (rows from before version 8)
// is the default format.
std::string encode_air(const court::AirFormat& a) {
  return std::string(court::air_mode_code(a.mode)) + " " + std::to_string(a.width) + "x" +
         std::to_string(a.height) + " " + std::to_string(a.fps) + " " +
         std::to_string(a.video_bitrate_kbps) + " " + std::to_string(a.audio_bitrate_kbps) + " " +
         a.preset;
}

court::AirFormat decode_air(const std::string& text) {
  court::AirFormat a;
  char mode[16] = {}, preset[16] = {};
  if (std::sscanf(text.c_str(), "%15s %dx%d %d %d %d %15s", mode, &a.width, &a.height, &a.fps,
                  &a.video_bitrate_kbps, &a.audio_bitrate_kbps, preset) != 7)
    return court::AirFormat{};
  a.mode = court::air_mode_from_code(mode).value_or(court::AirMode::conform);
  a.preset = preset;
  return a;
}

}  // namespace

// scheduled_end_ms: the column is NOT NULL from before the end became
// optional; 0 (1970) is never a real schedule, so it stands for "none"
// rather than a table rebuild on SQLite.
std::vector<Param> params(const court::LiveSession& s) {
  return {opt(s.campaign_id),
          s.title,
          s.site,
          s.scheduled_start_ms,
          s.scheduled_end_ms.value_or(0),
          opt(s.actual_start_ms),
          opt(s.actual_end_ms),
          std::string(court::session_state_code(s.state)),
          flag(s.training),
          s.submitted_by,
          opt(s.submitted_ms),
          s.approved_by,
          opt(s.approved_ms),
          s.rejection_reason,
          codec::encode_plan(s.plan),
          codec::encode_contingency(s.contingency),
          codec::encode_strings(s.inputs),
          codec::encode_strings(s.destinations),
          s.delay_ms,
          codec::encode_audience(s.audience),
          codec::encode_officers(s.officers),
          std::int64_t{s.vehicles},
          codec::encode_witnesses(s.witnesses),
          std::int64_t{s.questions_answered},
          s.public_description,
          encode_air(s.air)};
}

court::LiveSession session_from(const Row& r) {
  court::LiveSession s;
  s.id = r.int64(0);
  s.campaign_id = r.opt_int64(1);
  s.title = r.text(2);
  s.site = r.text(3);
  s.scheduled_start_ms = r.int64(4);
  if (const auto end = r.int64(5); end != 0) s.scheduled_end_ms = end;
  s.actual_start_ms = r.opt_int64(6);
  s.actual_end_ms = r.opt_int64(7);
  s.state = decode(court::session_state_from_code(r.text(8)), "session state", r.text(8));
  s.training = r.int64(9) != 0;
  s.submitted_by = r.text(10);
  s.submitted_ms = r.opt_int64(11);
  s.approved_by = r.text(12);
  s.approved_ms = r.opt_int64(13);
  s.rejection_reason = r.text(14);
  s.plan = codec::decode_plan(r.text(15));
  s.contingency = codec::decode_contingency(r.text(16));
  s.inputs = codec::decode_strings(r.text(17));
  s.destinations = codec::decode_strings(r.text(18));
  s.delay_ms = r.int64(19);
  s.audience = codec::decode_audience(r.text(20));
  s.officers = codec::decode_officers(r.text(21));
  s.vehicles = static_cast<int>(r.int64(22));
  s.witnesses = codec::decode_witnesses(r.text(23));
  s.questions_answered = static_cast<int>(r.int64(24));
  s.public_description = r.text(25);
  s.air = decode_air(r.text(26));
  return s;
}

const Table& steps() {
  static const Table t{
      "steps",
      {"case_id", "session_id", "type", "start_ms", "end_ms", "officers", "witnesses", "place",
       "notes", "deadline_due_ms", "deadline_state", "deadline_resolved_ms", "recording", "clips",
       "amount_fen", "people_count", "area_m2", "auction"}};
  return t;
}

std::vector<Param> params(const court::EnforcementStep& s) {
  const auto& d = s.deadline;
  return {s.case_id,
          opt(s.session_id),
          std::string(court::step_type_info(s.type).code),
          s.start_ms,
          opt(s.end_ms),
          codec::encode_officers(s.officers),
          codec::encode_witnesses(s.witnesses),
          s.place,
          s.notes,
          d ? Param(d->due_ms) : Param(nullptr),
          d ? Param(std::string(court::deadline_state_code(d->state))) : Param(nullptr),
          d ? opt(d->resolved_ms) : Param(nullptr),
          s.recording ? Param(codec::encode_recording(*s.recording)) : Param(nullptr),
          codec::encode_strings(s.clips),
          s.amount_fen,
          std::int64_t{s.people_count},
          s.area_m2,
          s.auction ? Param(codec::encode_auction(*s.auction)) : Param(nullptr)};
}

court::EnforcementStep step_from(const Row& r) {
  court::EnforcementStep s;
  s.id = r.int64(0);
  s.case_id = r.int64(1);
  s.session_id = r.opt_int64(2);
  s.type = decode(court::step_type_from_code(r.text(3)), "step type", r.text(3));
  s.start_ms = r.int64(4);
  s.end_ms = r.opt_int64(5);
  s.officers = codec::decode_officers(r.text(6));
  s.witnesses = codec::decode_witnesses(r.text(7));
  s.place = r.text(8);
  s.notes = r.text(9);
  if (!r.is_null(10)) {
    s.deadline = court::Deadline{
        r.int64(10), decode(court::deadline_state_from_code(r.text(11)), "deadline", r.text(11)),
        r.opt_int64(12)};
  }
  if (!r.is_null(13)) s.recording = codec::decode_recording(r.text(13));
  s.clips = codec::decode_strings(r.text(14));
  s.amount_fen = r.int64(15);
  s.people_count = static_cast<int>(r.int64(16));
  s.area_m2 = r.real(17);
  if (!r.is_null(18)) s.auction = codec::decode_auction(r.text(18));
  return s;
}

const Table& step_figures() {
  static const Table t{"steps",
                       {"case_id", "session_id", "type", "start_ms", "amount_fen", "people_count",
                        "area_m2", "deadline_state"}};
  return t;
}

court::StepFigures step_figures_from(const Row& r) {
  court::StepFigures f;
  f.id = r.int64(0);
  f.case_id = r.int64(1);
  f.session_id = r.opt_int64(2);
  f.type = decode(court::step_type_from_code(r.text(3)), "step type", r.text(3));
  f.start_ms = r.int64(4);
  f.amount_fen = r.int64(5);
  f.people_count = static_cast<int>(r.int64(6));
  f.area_m2 = r.real(7);
  if (!r.is_null(8)) {
    f.deadline = decode(court::deadline_state_from_code(r.text(8)), "deadline", r.text(8));
  }
  return f;
}

const Table& users() {
  static const Table t{"users", {"username", "role", "password_hash", "disabled", "created_ms"}};
  return t;
}

std::vector<Param> params(const User& u) {
  return {u.username, std::string(role_code(u.role)), u.password_hash, flag(u.disabled),
          u.created_ms};
}

User user_from(const Row& r) {
  User u;
  u.id = r.int64(0);
  u.username = r.text(1);
  u.role = decode(role_from_code(r.text(2)), "role", r.text(2));
  u.password_hash = r.text(3);
  u.disabled = r.int64(4) != 0;
  u.created_ms = r.int64(5);
  return u;
}

const Table& api_tokens() {
  static const Table t{"api_tokens",
                       {"name", "role", "token_hash", "created_by", "created_ms", "revoked"}};
  return t;
}

std::vector<Param> params(const ApiToken& t) {
  return {t.name,         std::string(role_code(t.role)), t.token_hash, t.created_by, t.created_ms,
          flag(t.revoked)};
}

ApiToken api_token_from(const Row& r) {
  ApiToken t;
  t.id = r.int64(0);
  t.name = r.text(1);
  t.role = decode(role_from_code(r.text(2)), "role", r.text(2));
  t.token_hash = r.text(3);
  t.created_by = r.text(4);
  t.created_ms = r.int64(5);
  t.revoked = r.int64(6) != 0;
  return t;
}

AuditEntry audit_from(const Row& r) {
  return AuditEntry{r.int64(0), r.int64(1), r.text(2), r.text(3), r.text(4), r.text(5), r.text(6)};
}

}  // namespace rows

}  // namespace courtcast::store
