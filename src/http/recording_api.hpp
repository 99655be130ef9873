#pragma once
// /api/v1/recordings: the state of every recorder (and the disk alert), and
// clip export for the case file (export_jobs.hpp: stored jobs, bounded
// work, downloads). /api/v1/sessions/ID/recordings: what a session's
// recordings hold on disk, and their verification on demand.

#include <boost/beast/http/verb.hpp>
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

  // `segments` is the path after /api/v1/recordings.
  ApiResult handle(boost::beast::http::verb method, const std::vector<std::string_view>& segments,
                   const std::string& body, const std::string& who);

  // GET /api/v1/sessions/ID/recordings, and with verification, POST
  // …/recordings/verify or GET …/recordings?verify=1 (which read every
  // segment: call it off the event loops). `rest` is the path after
  // "recordings"; `may_verify` says whether the caller's role may verify
  // (the endpoint table's row for the POST decides, for both forms).
  ApiResult session_recordings(boost::beast::http::verb method, store::Id session,
                               const std::vector<std::string_view>& rest, std::string_view query,
                               bool may_verify);

  ExportJobs& exports() { return exports_; }

 private:
  record::RecordingService& service_;
  store::Repository& repo_;
  ExportJobs exports_;
};

}  // namespace courtcast::http
