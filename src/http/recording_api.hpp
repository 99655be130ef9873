#pragma once
// /api/v1/recordings: the state of every recorder (and the disk alert), and
// clip export for the case file (export_jobs.hpp: stored jobs, bounded
// work, downloads). /api/v1/sessions/ID/recordings: what a session's
// recordings hold on disk, and their verification on demand.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.hpp"
#include "http/export_jobs.hpp"
#include "record/service.hpp"
#include "store/repository.hpp"

namespace courtcast::http {

boost::json::value recorder_json(const record::RecorderStatus& s);

class RecordingApi {
 public:
  // Exports are kept in `exports_folder` (data_dir/exports).
  RecordingApi(record::RecordingService& service, store::Repository& repo,
               std::filesystem::path exports_folder, ExportLimits limits);

  // One function per endpoint (routes.cpp). GET /api/v1/recordings:
  // every recorder's state and the disk alert.
  ApiResult list_recorders();
  // …/recordings/SESSION/STREAM/exports[/ID[/clip|/sidecar|/parts/N]].
  ApiResult start_export(std::string_view session, std::string_view stream, const std::string& body,
                         const std::string& who);
  ApiResult list_exports(std::string_view session, std::string_view stream);
  ApiResult get_export(std::string_view session, std::string_view stream, std::string_view id);
  // `which`: "clip", "sidecar" or a part's number.
  ApiResult export_file(std::string_view session, std::string_view stream, std::string_view id,
                        std::string_view which);

  // GET /api/v1/sessions/ID/recordings, and with `verify` POST
  // …/recordings/verify or GET …/recordings?verify=1 (which read every
  // segment: call it off the event loops).
  ApiResult session_recordings(store::Id session, bool verify);

  ExportJobs& exports() { return exports_; }

 private:
  record::RecordingService& service_;
  store::Repository& repo_;
  ExportJobs exports_;
};

}  // namespace courtcast::http
