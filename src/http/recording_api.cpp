#include "http/recording_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/clock.hpp"
#include "base/log_value.hpp"
#include "base/text.hpp"
#include "record/catalog.hpp"
#include "record/verify.hpp"

namespace courtcast::http {

namespace json = boost::json;
namespace fs = std::filesystem;
using boost::beast::http::status;

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
      {"open_segment_bytes", s.open_segment_bytes},
      {"dropped_packets", s.dropped_packets},
      {"free_bytes", s.free_bytes},
      {"last_error", s.last_error.empty() ? json::value(nullptr) : json::value(s.last_error)}};
}

RecordingApi::RecordingApi(record::RecordingService& service, store::Repository& repo,
                           fs::path exports_folder, ExportLimits limits)
    : service_(service), repo_(repo), exports_(service, repo, std::move(exports_folder), limits) {}

namespace {

// Session and stream names become folder names: nothing that could climb out.
bool safe_name(std::string_view s) {
  return !s.empty() && s.size() <= 128 && s != "." && s != ".." &&
         s.find_first_of("/\\") == std::string_view::npos;
}

json::value utc_or_null(std::int64_t ms) {
  return ms ? json::value(base::format_utc_ms(ms)) : json::value(nullptr);
}

}  // namespace

ApiResult RecordingApi::list_recorders() {
  json::array list;
  for (const auto& s : service_.statuses()) list.push_back(recorder_json(s));
  return {status::ok, json::object{{"alert", service_.alert()}, {"recordings", std::move(list)}}};
}

namespace {

std::optional<ApiResult> unsafe_names(std::string_view session, std::string_view stream) {
  if (safe_name(session) && safe_name(stream)) return std::nullopt;
  return api_error(status::not_found, "not_found",
                   "use /api/v1/recordings/SESSION/STREAM/exports[/ID[/clip|/sidecar|/parts/N]]");
}

}  // namespace

ApiResult RecordingApi::start_export(std::string_view session, std::string_view stream,
                                     const std::string& body, const std::string& who) {
  if (auto e = unsafe_names(session, stream)) return *e;
  return exports_.start(std::string(session), std::string(stream), body, who);
}

ApiResult RecordingApi::list_exports(std::string_view session, std::string_view stream) {
  if (auto e = unsafe_names(session, stream)) return *e;
  return exports_.list(std::string(session), std::string(stream));
}

ApiResult RecordingApi::get_export(std::string_view session, std::string_view stream,
                                   std::string_view id) {
  if (auto e = unsafe_names(session, stream)) return *e;
  return exports_.get(std::string(session), std::string(stream), id);
}

ApiResult RecordingApi::export_file(std::string_view session, std::string_view stream,
                                    std::string_view id, std::string_view which) {
  if (auto e = unsafe_names(session, stream)) return *e;
  return exports_.file(std::string(session), std::string(stream), id, which);
}

ApiResult RecordingApi::session_recordings(store::Id session, bool verify) {
  if (auto s = repo_.get_session(session); !s)
    return api_error(status::not_found, "session_not_found",
                     "no session " + std::to_string(session));
  const std::string name = std::to_string(session);
  // Which of them a recorder is writing now.
  std::map<std::string, record::RecorderStatus> live;
  for (auto& st : service_.statuses())
    if (st.session == name) live[st.stream] = std::move(st);
  json::array list;
  bool all_ok = true;
  for (const auto& dir : record::stream_folders(service_.root() / name)) {
    const auto s = record::summarize_recording(dir);
    json::array gaps;
    for (const auto& g : s.gaps)
      gaps.push_back(json::object{{"reason", g.reason},
                                  {"start_utc_ms", g.start_utc_ms},
                                  {"end_utc_ms", g.end_utc_ms},
                                  {"start_utc", base::format_utc_ms(g.start_utc_ms)},
                                  {"end_utc", base::format_utc_ms(g.end_utc_ms)}});
    const auto it = live.find(s.stream);
    const bool recording = it != live.end() && it->second.state == record::RecorderState::recording;
    json::object o{
        {"stream", s.stream},
        {"recording", recording},
        {"start_utc_ms", s.start_utc_ms ? json::value(s.start_utc_ms) : nullptr},
        {"end_utc_ms", s.end_utc_ms ? json::value(s.end_utc_ms) : nullptr},
        {"start_utc", utc_or_null(s.start_utc_ms)},
        {"end_utc", utc_or_null(s.end_utc_ms)},
        {"segments", s.segments},
        {"recovered_segments", s.recovered},
        {"media_ms", s.media_ms},
        {"open_segment", s.open_segment},
        {"bytes_on_disk", s.bytes_on_disk},
        {"gaps", std::move(gaps)},
        {"manifest_error", s.error.empty() ? json::value(nullptr) : json::value(s.error)},
        {"exports_url", "/api/v1/recordings/" + name + "/" + s.stream + "/exports"}};
    if (verify) {
      const auto report = record::verify_stream_dir(dir, service_.key());
      all_ok = all_ok && report.ok;
      o["verification"] =
          json::object{{"ok", report.ok},
                       {"error", report.ok ? json::value(nullptr) : json::value(report.error)},
                       {"segments", report.segments},
                       {"gaps", report.gaps},
                       {"media_ms", report.media_ms},
                       {"key_id", report.lines.empty() ? json::value(nullptr)
                                                       : json::value(report.lines.back().key_id)},
                       {"manifest_head_sha256", report.head_sha256},
                       {"verified_utc",
                        base::format_utc_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count())}};
      spdlog::info("event=recording_verified session={} stream={} ok={}", base::log_value(name),
                   base::log_value(s.stream), report.ok);
    }
    list.push_back(std::move(o));
  }
  json::object out{{"session", session}, {"recordings", std::move(list)}};
  if (verify) out["ok"] = all_ok;
  return {status::ok, std::move(out)};
}

}  // namespace courtcast::http
