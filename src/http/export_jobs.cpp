#include "http/export_jobs.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <chrono>

#include "base/clock.hpp"
#include "base/log_value.hpp"
#include "base/secret.hpp"
#include "record/export.hpp"

namespace courtcast::http {

namespace json = boost::json;
namespace fs = std::filesystem;
namespace asio = boost::asio;
using boost::beast::http::status;
using store::ExportJob;
using store::ExportState;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

std::string public_id(store::Id id) {
  return "exp-" + std::to_string(id);
}

// "exp-12" → 12; anything else (exp-012, 12, exp-1x) names no export.
std::optional<store::Id> parse_public_id(std::string_view text) {
  if (!text.starts_with("exp-")) return std::nullopt;
  text.remove_prefix(4);
  if (text.empty() || text.size() > 18 || text[0] == '0') return std::nullopt;
  store::Id id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

// A case number or stream name as part of a file name: no separators,
// quotes or control characters; the rest (CJK too) kept as written.
std::string file_safe(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"' || c == ':' || c == '*' ||
        c == '?' || c == '<' || c == '>' || c == '|' || c == ' ')
      out.push_back('_');
    else
      out.push_back(static_cast<char>(c));
  }
  return out.size() > 160 ? out.substr(0, 160) : out;
}

}  // namespace

ExportJobs::ExportJobs(record::RecordingService& recordings, store::Repository& repo,
                       fs::path folder, ExportLimits limits)
    : recordings_(recordings),
      repo_(repo),
      folder_(std::move(folder)),
      limits_(limits),
      pool_(std::max<std::size_t>(1, limits.concurrency)),
      expiry_timer_(pool_.get_executor()) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  fs::permissions(folder_, fs::perms::owner_all, fs::perm_options::replace, ec);
  // A job that was running when the server stopped never finished: its
  // half-written files go, its row says so.
  if (auto all = repo_.list_exports()) {
    for (auto job : *all) {
      if (job.state != ExportState::queued && job.state != ExportState::running) continue;
      if (!job.folder.empty()) fs::remove_all(folder_ / job.folder, ec);
      job.state = ExportState::failed;
      job.error = "interrupted: the server stopped before the export finished";
      job.finished_ms = base::utc_now_ms();
      (void)repo_.update_export(job);
      spdlog::warn("event=export_interrupted export={}", public_id(job.id));
    }
  }
  expire(base::utc_now_ms());
  schedule_expiry();
}

ExportJobs::~ExportJobs() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    expiry_timer_.cancel();
  }
  pool_.join();
}

void ExportJobs::schedule_expiry() {
  std::lock_guard lock(mutex_);
  if (stopping_ || limits_.retention_days <= 0) return;
  expiry_timer_.expires_after(std::chrono::hours(1));
  expiry_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    expire(base::utc_now_ms());
    schedule_expiry();
  });
}

std::size_t ExportJobs::running() const {
  std::lock_guard lock(mutex_);
  return active_.size();
}

std::string ExportJobs::download_stem(const std::string& session, const std::string& stream,
                                      std::optional<store::Id> case_id, std::int64_t from_ms,
                                      std::int64_t to_ms, std::string& case_number) {
  // Named for the case file it goes into: the case named, else the
  // session's only case, else the session.
  std::string label;
  if (case_id) {
    if (auto c = repo_.get_case(*case_id)) case_number = c->number;
  } else if (!session.empty() && session.find_first_not_of("0123456789") == std::string::npos &&
             session.size() <= 18) {
    if (auto s = repo_.get_session(std::stoll(session)); s && s->case_ids.size() == 1) {
      if (auto c = repo_.get_case(s->case_ids.front())) case_number = c->number;
    }
    if (case_number.empty()) label = "session-" + session;
  }
  if (!case_number.empty()) label = case_number;
  if (label.empty()) label = session;
  return file_safe(label) + "_" + file_safe(stream) + "_" +
         base::format_utc_ms(from_ms, base::UtcFormat::compact) + "-" +
         base::format_utc_ms(to_ms, base::UtcFormat::compact);
}

ApiResult ExportJobs::start(const std::string& session, const std::string& stream,
                            const std::string& body, const std::string& who) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return api_error(status::bad_request, "invalid_json", "the body must be a JSON object");
  const auto& o = v.as_object();
  for (const auto& [k, val] : o)
    if (k != "from" && k != "to" && k != "case_id")
      return bad_field(k, "unknown field (allowed: from, to, case_id)");
  std::int64_t range[2] = {0, 0};
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    const auto* f = o.if_contains(names[i]);
    if (!f || !f->is_string())
      return bad_field(names[i], "required, ISO 8601 with a zone (2024-08-08T10:00:00+08:00)");
    auto t = base::parse_utc_ms(std::string(f->as_string()));
    if (!t) return bad_field(names[i], t.error().message);
    range[i] = *t;
  }
  if (range[1] <= range[0]) return bad_field("to", "must be after from");
  if (range[1] - range[0] > limits_.max_ms)
    return api_error(status::bad_request, "clip_too_long",
                     "to: a clip is at most " + std::to_string(limits_.max_ms / 1000) +
                         " s ([record] export_max_seconds); export a longer range in pieces");
  std::optional<store::Id> case_id;
  if (const auto* c = o.if_contains("case_id")) {
    if (!c->is_int64() || c->as_int64() <= 0) return bad_field("case_id", "a case's id (a number)");
    case_id = c->as_int64();
    if (!repo_.get_case(*case_id))
      return api_error(status::not_found, "case_not_found",
                       "case_id: no case " + std::to_string(*case_id));
  }
  std::error_code fec;
  if (!fs::is_directory(recordings_.root() / session / stream, fec))
    return api_error(status::not_found, "recording_not_found",
                     "no recording of '" + stream + "' in session '" + session + "'");

  ExportJob job;
  job.session = session;
  job.stream = stream;
  job.from_utc_ms = range[0];
  job.to_utc_ms = range[1];
  job.case_id = case_id;
  job.requested_by = who;
  job.created_ms = base::utc_now_ms();
  job.state = ExportState::running;
  std::string case_number;
  job.file_stem = download_stem(session, stream, case_id, range[0], range[1], case_number);
  {
    // Admission and the new row under one lock, so that a burst cannot
    // slip past the limits between the count and the insert.
    std::lock_guard lock(mutex_);
    std::size_t mine = 0;
    for (const auto& [id, by] : active_) mine += by == who ? 1 : 0;
    if (active_.size() >= limits_.concurrency || mine >= limits_.per_user) {
      const bool total = active_.size() >= limits_.concurrency;
      ApiResult busy = api_error(
          status::too_many_requests, "export_busy",
          total ? std::to_string(active_.size()) +
                      " exports are running, the most at once ([record] export_concurrency); "
                      "try again when one has finished"
                : "you have " + std::to_string(mine) +
                      " exports running, the most for one person ([record] export_per_user); "
                      "try again when one has finished");
      busy.headers.emplace_back("Retry-After", "5");
      return busy;
    }
    auto created = repo_.create_export(job);
    if (!created)
      return api_error(status::internal_server_error, "database", created.error().message);
    job = std::move(*created);
    job.folder = public_id(job.id) + "-" + base::random_hex(4);
    if (auto r = repo_.update_export(job); !r)
      return api_error(status::internal_server_error, "database", r.error().message);
    active_[job.id] = who;
  }
  spdlog::info("event=export_start export={} session={} stream={} by={}", public_id(job.id),
               base::log_value(session), base::log_value(stream), base::log_value(who));
  asio::post(pool_, [this, job] { run(job); });
  return {status::accepted, job_json(job)};
}

void ExportJobs::run(ExportJob job) {
  const fs::path dir = recordings_.root() / job.session / job.stream;
  const fs::path out_folder = folder_ / job.folder;
  std::error_code ec;
  fs::create_directory(out_folder, ec);
  fs::permissions(out_folder, fs::perms::owner_all, fs::perm_options::replace, ec);
  std::string case_number;
  if (job.case_id)
    if (auto c = repo_.get_case(*job.case_id)) case_number = c->number;
  json::object about{
      {"id", public_id(job.id)},
      {"requested_by", job.requested_by},
      {"requested_utc", base::format_utc_ms(job.created_ms)},
      {"case_id", job.case_id ? json::value(*job.case_id) : json::value(nullptr)},
      {"case_number", case_number.empty() ? json::value(nullptr) : json::value(case_number)}};
  auto r =
      ec ? record::Result<record::ExportResult>(
               media::make_error("cannot create the export folder: " + ec.message()))
         : record::export_clip(dir, job.from_utc_ms, job.to_utc_ms,
                               out_folder / (job.file_stem + ".mp4"), recordings_.key(), about);
  job.finished_ms = base::utc_now_ms();
  if (r) {
    json::array parts, segments;
    for (std::size_t i = 0; i < r->parts.size(); ++i) {
      const auto& p = r->parts[i];
      parts.push_back(json::object{{"part", i + 1},
                                   {"file", p.file.filename().string()},
                                   {"sha256", p.sha256},
                                   {"size_bytes", p.size_bytes},
                                   {"start_utc_ms", p.start_utc_ms},
                                   {"end_utc_ms", p.end_utc_ms},
                                   {"video_frames", p.video_frames},
                                   {"audio_frames", p.audio_frames},
                                   {"width", p.width},
                                   {"height", p.height}});
    }
    for (const auto& line : r->segments)
      segments.push_back(
          json::object{{"index", line.index}, {"file", line.file}, {"sha256", line.sha256}});
    job.result_json = json::serialize(json::object{
        {"parts", std::move(parts)},
        {"sidecar",
         json::object{{"file", r->sidecar.filename().string()}, {"sha256", r->sidecar_sha256}}},
        {"duration_ms", r->duration_ms},
        {"segments", std::move(segments)}});
    job.state = ExportState::done;
    spdlog::info("event=export_done export={} duration_ms={} parts={} segments={}",
                 public_id(job.id), r->duration_ms, r->parts.size(), r->segments.size());
  } else {
    fs::remove_all(out_folder, ec);
    job.state = ExportState::failed;
    job.error = r.error().message;
    spdlog::warn("event=export_failed export={} error={}", public_id(job.id),
                 base::log_value(job.error));
  }
  if (auto u = repo_.update_export(job); !u)
    spdlog::error("event=export_not_stored export={} error={}", public_id(job.id),
                  base::log_value(u.error().message));
  std::lock_guard lock(mutex_);
  active_.erase(job.id);
}

std::size_t ExportJobs::expire(std::int64_t now) {
  if (limits_.retention_days <= 0) return 0;
  const auto cutoff = now - static_cast<std::int64_t>(limits_.retention_days * kDayMs);
  auto all = repo_.list_exports();
  if (!all) return 0;
  std::size_t n = 0;
  for (auto job : *all) {
    if ((job.state != ExportState::done && job.state != ExportState::failed) ||
        job.finished_ms >= cutoff)
      continue;
    std::error_code ec;
    if (!job.folder.empty()) fs::remove_all(folder_ / job.folder, ec);
    job.state = ExportState::expired;
    job.expired_ms = now;
    if (repo_.update_export(job)) ++n;
    spdlog::info("event=export_expired export={} finished_ms={} retention_days={}",
                 public_id(job.id), job.finished_ms, limits_.retention_days);
  }
  return n;
}

json::value ExportJobs::job_json(const ExportJob& j) const {
  const std::string base =
      "/api/v1/recordings/" + j.session + "/" + j.stream + "/exports/" + public_id(j.id);
  json::object o{{"id", public_id(j.id)},
                 {"session", j.session},
                 {"stream", j.stream},
                 {"state", store::export_state_code(j.state)},
                 {"by", j.requested_by},
                 {"case_id", j.case_id ? json::value(*j.case_id) : json::value(nullptr)},
                 {"from_utc_ms", j.from_utc_ms},
                 {"to_utc_ms", j.to_utc_ms},
                 {"from_utc", base::format_utc_ms(j.from_utc_ms)},
                 {"to_utc", base::format_utc_ms(j.to_utc_ms)},
                 {"created_ms", j.created_ms},
                 {"finished_ms", j.finished_ms ? json::value(j.finished_ms) : json::value(nullptr)},
                 {"expired_ms", j.expired_ms ? json::value(j.expired_ms) : json::value(nullptr)}};
  if (j.state == ExportState::failed) o["error"] = j.error;
  if ((j.state == ExportState::done || j.state == ExportState::expired) && !j.result_json.empty()) {
    boost::system::error_code ec;
    json::value result = json::parse(j.result_json, ec);
    if (!ec && result.is_object()) {
      auto& r = result.as_object();
      const bool files = j.state == ExportState::done;
      if (auto* parts = r.if_contains("parts"); parts && parts->is_array()) {
        for (auto& p : parts->as_array())
          if (files && p.is_object())
            p.as_object()["url"] = base + "/parts/" + json::serialize(p.as_object().at("part"));
        if (files && parts->as_array().size() == 1) o["clip_url"] = base + "/clip";
        o["parts"] = *parts;
      }
      if (auto* side = r.if_contains("sidecar"); side && side->is_object()) {
        if (files) side->as_object()["url"] = base + "/sidecar";
        o["sidecar"] = *side;
      }
      if (auto* d = r.if_contains("duration_ms")) o["duration_ms"] = *d;
      if (auto* s = r.if_contains("segments")) o["segments"] = *s;
    }
  }
  return o;
}

std::optional<ExportJob> ExportJobs::find(const std::string& session, const std::string& stream,
                                          std::string_view id, ApiResult& error) {
  const auto n = parse_public_id(id);
  auto job = n ? repo_.get_export(*n) : store::Result<ExportJob>(store::fail_not_found("export"));
  if (!job || job->session != session || job->stream != stream) {
    error = api_error(status::not_found, "export_not_found",
                      "no export '" + std::string(id) + "' of this recording");
    return std::nullopt;
  }
  return std::move(*job);
}

ApiResult ExportJobs::get(const std::string& session, const std::string& stream,
                          std::string_view id) {
  ApiResult error;
  auto job = find(session, stream, id, error);
  if (!job) return error;
  return {status::ok, job_json(*job)};
}

ApiResult ExportJobs::list(const std::string& session, const std::string& stream) {
  auto all = repo_.list_exports();
  if (!all) return api_error(status::internal_server_error, "database", all.error().message);
  json::array out;
  for (const auto& j : *all)
    if (j.session == session && j.stream == stream) out.push_back(job_json(j));
  return {status::ok, json::object{{"exports", std::move(out)}}};
}

ApiResult ExportJobs::file(const std::string& session, const std::string& stream,
                           std::string_view id, std::string_view what) {
  ApiResult error;
  auto job = find(session, stream, id, error);
  if (!job) return error;
  if (job->state == ExportState::expired)
    return api_error(status::gone, "export_expired",
                     "the files of " + public_id(job->id) +
                         " were deleted after the retention period ([record] "
                         "export_retention_days); the recording itself is kept: export again");
  if (job->state != ExportState::done)
    return api_error(status::conflict, "export_not_ready",
                     public_id(job->id) + " is " + store::export_state_code(job->state) +
                         (job->state == ExportState::failed ? ": " + job->error : ""));
  boost::system::error_code ec;
  const json::value result = json::parse(job->result_json, ec);
  if (ec || !result.is_object())
    return api_error(status::internal_server_error, "export_broken",
                     "the export's record is unreadable");
  const auto& parts = result.at("parts").as_array();
  FileReply reply;
  json::object details{{"export", public_id(job->id)}, {"session", session}, {"stream", stream}};
  if (what == "sidecar") {
    const auto& side = result.at("sidecar").as_object();
    reply.download_name = std::string(side.at("file").as_string());
    reply.content_type = "application/json; charset=utf-8";
    details["sha256"] = side.at("sha256");
  } else {
    std::size_t n = 0;
    if (what == "clip") {
      if (parts.size() != 1)
        return api_error(status::conflict, "export_has_parts",
                         public_id(job->id) + " has " + std::to_string(parts.size()) +
                             " parts, one per camera configuration: download each from "
                             "…/parts/1 to …/parts/" +
                             std::to_string(parts.size()));
      n = 1;
    } else {
      for (char c : what) {
        if (c < '0' || c > '9' || n > parts.size()) {
          n = 0;
          break;
        }
        n = n * 10 + static_cast<std::size_t>(c - '0');
      }
      if (what.empty() || what[0] == '0' || n == 0 || n > parts.size())
        return api_error(status::not_found, "part_not_found",
                         "parts are numbered 1 to " + std::to_string(parts.size()));
    }
    const auto& part = parts[n - 1].as_object();
    reply.download_name = std::string(part.at("file").as_string());
    reply.content_type = "video/mp4";
    details["part"] = n;
    details["sha256"] = part.at("sha256");
  }
  reply.path = folder_ / job->folder / reply.download_name;
  details["file"] = reply.download_name;
  reply.audit_action = "recording.export.download";
  reply.audit_details = std::move(details);
  ApiResult r{status::ok, nullptr};
  r.file = std::move(reply);
  return r;
}

}  // namespace courtcast::http
