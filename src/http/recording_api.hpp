#pragma once
// /api/v1/recordings: the state of every recorder (and the disk alert), and
// clip export for the case file. An export reads whole segments and remuxes,
// so it runs on a thread of its own and is polled, never on an event loop.

#include <boost/beast/http/verb.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http/api.hpp"
#include "record/service.hpp"

namespace courtcast::http {

boost::json::value recorder_json(const record::RecorderStatus& s);

class RecordingApi {
 public:
  explicit RecordingApi(record::RecordingService& service) : service_(service) {}
  ~RecordingApi();

  // `segments` is the path after /api/v1/recordings.
  ApiResult handle(boost::beast::http::verb method, const std::vector<std::string_view>& segments,
                   const std::string& body, const std::string& who);

 private:
  struct Job {
    std::string id, session, stream, by;
    std::int64_t from_utc_ms = 0, to_utc_ms = 0;
    std::string state = "running";  // running, done, failed
    std::string error;
    std::string clip, sidecar;
    std::int64_t duration_ms = 0;
    boost::json::array segments;
    boost::json::array parts;
  };
  ApiResult start_export(const std::string& session, const std::string& stream,
                         const std::string& body, const std::string& who);
  boost::json::value job_json(const Job& job) const;

  record::RecordingService& service_;
  std::mutex mutex_;
  std::map<std::string, Job> jobs_;
  std::vector<std::thread> threads_;
  std::uint64_t next_id_ = 1;
};

}  // namespace courtcast::http
