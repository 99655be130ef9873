#include "http/recording_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "record/clock.hpp"
#include "record/export.hpp"

namespace courtcast::http {

namespace json = boost::json;
namespace fs = std::filesystem;
using boost::beast::http::status;
using boost::beast::http::verb;

json::value recorder_json(const record::RecorderStatus& s) {
  return json::object{
      {"session", s.session},
      {"stream", s.stream},
      {"state", record::to_string(s.state)},
      {"alert", s.alert},
      {"alert_reason", s.alert_reason.empty() ? json::value(nullptr) : json::value(s.alert_reason)},
      {"segments", s.segments},
      {"gaps", s.gaps},
      {"bytes_written", s.bytes_written},
      {"dropped_packets", s.dropped_packets},
      {"free_bytes", s.free_bytes},
      {"last_error", s.last_error.empty() ? json::value(nullptr) : json::value(s.last_error)}};
}

RecordingApi::~RecordingApi() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

namespace {

// Session and stream names become folder names: nothing that could climb out.
bool safe_name(std::string_view s) {
  return !s.empty() && s.size() <= 128 && s != "." && s != ".." &&
         s.find_first_of("/\\") == std::string_view::npos;
}

}  // namespace

json::value RecordingApi::job_json(const Job& j) const {
  json::object o{
      {"id", j.id}, {"session", j.session},         {"stream", j.stream},      {"state", j.state},
      {"by", j.by}, {"from_utc_ms", j.from_utc_ms}, {"to_utc_ms", j.to_utc_ms}};
  if (j.state == "failed") o["error"] = j.error;
  if (j.state == "done") {
    o["clip"] = j.clip;
    o["parts"] = j.parts;
    o["sidecar"] = j.sidecar;
    o["duration_ms"] = j.duration_ms;
    o["segments"] = j.segments;
  }
  return o;
}

ApiResult RecordingApi::handle(verb method, const std::vector<std::string_view>& seg,
                               const std::string& body, const std::string& who) {
  if (seg.empty()) {
    if (method != verb::get)
      return api_error(status::method_not_allowed, "method_not_allowed", "use GET");
    json::array list;
    for (const auto& s : service_.statuses()) list.push_back(recorder_json(s));
    return {status::ok, json::object{{"alert", service_.alert()}, {"recordings", std::move(list)}}};
  }
  if (seg.size() < 3 || seg[2] != "exports" || !safe_name(seg[0]) || !safe_name(seg[1]))
    return api_error(status::not_found, "not_found",
                     "use /api/v1/recordings/SESSION/STREAM/exports[/ID]");
  const std::string session(seg[0]), stream(seg[1]);
  if (seg.size() == 3 && method == verb::post) return start_export(session, stream, body, who);
  if (seg.size() == 4 && method == verb::get) {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(std::string(seg[3]));
    if (it == jobs_.end() || it->second.session != session || it->second.stream != stream)
      return api_error(status::not_found, "export_not_found",
                       "no export '" + std::string(seg[3]) + "'");
    return {status::ok, job_json(it->second)};
  }
  return api_error(status::method_not_allowed, "method_not_allowed",
                   "POST to start an export, GET its id to follow it");
}

ApiResult RecordingApi::start_export(const std::string& session, const std::string& stream,
                                     const std::string& body, const std::string& who) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return api_error(status::bad_request, "invalid_json", "the body must be a JSON object");
  const auto& o = v.as_object();
  for (const auto& [k, val] : o)
    if (k != "from" && k != "to")
      return api_error(status::bad_request, "invalid_field",
                       std::string(k) + ": unknown field (allowed: from, to)");
  std::int64_t range[2] = {0, 0};
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    const auto* f = o.if_contains(names[i]);
    if (!f || !f->is_string())
      return api_error(
          status::bad_request, "invalid_field",
          std::string(names[i]) + ": required, ISO 8601 with a zone (2024-08-08T10:00:00+08:00)");
    auto t = record::parse_utc_ms(std::string(f->as_string()));
    if (!t)
      return api_error(status::bad_request, "invalid_field",
                       std::string(names[i]) + ": " + t.error().message);
    range[i] = *t;
  }
  if (range[1] <= range[0])
    return api_error(status::bad_request, "invalid_field", "to: must be after from");
  if (range[1] - range[0] > 4 * 3600 * 1000)
    return api_error(status::bad_request, "invalid_field", "to: a clip is at most 4 hours");
  const fs::path dir = service_.root() / session / stream;
  if (!fs::is_directory(dir))
    return api_error(status::not_found, "recording_not_found",
                     "no recording of '" + stream + "' in session '" + session + "'");

  Job job;
  {
    std::lock_guard lock(mutex_);
    job.id = "exp-" + std::to_string(next_id_++);
  }
  job.session = session;
  job.stream = stream;
  job.by = who;
  job.from_utc_ms = range[0];
  job.to_utc_ms = range[1];
  const fs::path out =
      service_.root() / "exports" / (job.id + "-" + session + "-" + stream + ".mp4");
  {
    std::lock_guard lock(mutex_);
    jobs_[job.id] = job;
    threads_.emplace_back([this, id = job.id, dir, out, from = range[0], to = range[1]] {
      std::error_code fec;
      fs::create_directories(out.parent_path(), fec);
      auto result = record::export_clip(dir, from, to, out, service_.key());
      std::lock_guard lock(mutex_);
      Job& j = jobs_[id];
      if (!result) {
        j.state = "failed";
        j.error = result.error().message;
        spdlog::warn("event=export_failed export={} error=\"{}\"", id, j.error);
        return;
      }
      j.state = "done";
      j.clip = result->parts.front().file.string();
      for (const auto& part : result->parts) j.parts.push_back(json::string(part.file.string()));
      j.sidecar = result->sidecar.string();
      j.duration_ms = result->duration_ms;
      for (const auto& line : result->segments)
        j.segments.push_back(
            json::object{{"index", line.index}, {"file", line.file}, {"sha256", line.sha256}});
      spdlog::info("event=export_done export={} duration_ms={} segments={}", id, j.duration_ms,
                   j.segments.size());
    });
  }
  spdlog::info("event=export_start export={} session={} stream={} by={}", job.id, session, stream,
               who);
  return {status::accepted, job_json(job)};
}

}  // namespace courtcast::http
