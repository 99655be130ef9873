#pragma once
// Clip exports as records: each job is a database row with an id that is
// never reused, its files live in a folder of their own under
// data_dir/exports (never replaced), and the work runs on a fixed pool of
// threads, at most `concurrency` at once and `per_user` per person; past
// that a request is refused (429), not queued without bound. Clips older
// than the retention are deleted and their rows marked expired; the
// evidence they were cut from is never touched.

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/api.hpp"
#include "record/service.hpp"
#include "store/repository.hpp"

namespace courtcast::http {

struct ExportLimits {
  std::size_t concurrency = 2;        // exports running at once, in total
  std::size_t per_user = 2;           // of those, one person's
  std::int64_t max_ms = 1800 * 1000;  // the longest clip
  double retention_days = 30;         // clips kept this long; 0 keeps them for ever
};

class ExportJobs {
 public:
  // Jobs a restart interrupted are marked failed (their files removed);
  // expired clips are deleted at once and then every hour.
  ExportJobs(record::RecordingService& recordings, store::Repository& repo,
             std::filesystem::path folder, ExportLimits limits);
  ~ExportJobs();
  ExportJobs(const ExportJobs&) = delete;
  ExportJobs& operator=(const ExportJobs&) = delete;

  // POST …/recordings/SESSION/STREAM/exports with {"from","to"[,"case_id"]}.
  ApiResult start(const std::string& session, const std::string& stream, const std::string& body,
                  const std::string& who);
  ApiResult get(const std::string& session, const std::string& stream, std::string_view id);
  ApiResult list(const std::string& session, const std::string& stream);
  // `what` is "clip", "sidecar" or a part number; the answer's `file` is
  // set on success.
  ApiResult file(const std::string& session, const std::string& stream, std::string_view id,
                 std::string_view what);

  // Deletes the files of clips finished more than retention_days before
  // `now_ms` and marks their rows expired. Returns how many.
  std::size_t expire(std::int64_t now_ms);
  std::size_t running() const;

 private:
  void run(store::ExportJob job);
  void schedule_expiry();
  boost::json::value job_json(const store::ExportJob& job) const;
  std::optional<store::ExportJob> find(const std::string& session, const std::string& stream,
                                       std::string_view id, ApiResult& error);
  std::string download_stem(const std::string& session, const std::string& stream,
                            std::optional<store::Id> case_id, std::int64_t from_ms,
                            std::int64_t to_ms, std::string& case_number);

  record::RecordingService& recordings_;
  store::Repository& repo_;
  const std::filesystem::path folder_;
  const ExportLimits limits_;
  mutable std::mutex mutex_;
  std::map<store::Id, std::string> active_;  // running exports and who asked
  bool stopping_ = false;
  boost::asio::thread_pool pool_;
  boost::asio::steady_timer expiry_timer_;
};

}  // namespace courtcast::http
