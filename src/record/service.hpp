#pragma once
// Recording for a whole server: owns the recording key, makes one Recorder
// per stream for the hub's tap factory, recovers what a crash left behind,
// applies retention, and answers "is anything wrong?" for the API.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "live/stream.hpp"
#include "record/crypto.hpp"
#include "record/recorder.hpp"

namespace courtcast::record {

struct RecordingOptions {
  bool enabled = true;
  std::filesystem::path data_dir = "var";
  std::string session = "unscheduled";  // where streams of no live session are filed
  // The live session a stream belongs to (its id as text), if any.
  std::function<std::optional<std::string>(const std::string& stream)> session_of;
  std::int64_t segment_seconds = 60;
  std::uint64_t min_free_bytes = 1ull << 30;
  std::int64_t retention_days = 0;  // 0 keeps everything
  std::size_t max_queue_bytes = 64u << 20;
  // Raised or cleared alerts (disk low, a failed write), for the API's
  // WebSocket event; called on a recorder's writer thread, must not block.
  std::function<void(const RecorderStatus&)> on_alert_change;
};

class RecordingService {
 public:
  // Loads or creates the key and recovers every stream folder under
  // data_dir/recordings. Throws on a key it cannot read or create: recording
  // without a key would produce unverifiable evidence.
  explicit RecordingService(RecordingOptions options);
  ~RecordingService();
  RecordingService(const RecordingService&) = delete;
  RecordingService& operator=(const RecordingService&) = delete;

  // The taps for a new stream of the hub (none when recording is disabled),
  // filed under its live session.
  std::vector<std::shared_ptr<live::Tap>> taps_for(const std::string& stream);
  // A recorder for `stream` under another session (a live session's air).
  std::shared_ptr<Recorder> recorder(const std::string& session, const std::string& stream);

  std::vector<RecorderStatus> statuses() const;
  // True while any recorder is refused for disk space or failed.
  bool alert() const;

  // Closes every open segment, synced and listed. Idempotent.
  void shutdown();

  const SigningKey& key() const { return *key_; }
  std::filesystem::path root() const { return options_.data_dir / "recordings"; }

  // Deletes stream folders whose newest line ended more than retention_days
  // ago and that no recorder is using. Whole folders only, so every chain
  // that remains still verifies. Returns how many were deleted.
  std::size_t apply_retention();

 private:
  void recover_all();
  void housekeeping();

  const RecordingOptions options_;
  std::shared_ptr<const SigningKey> key_;
  std::int64_t start_utc_ms_ = 0;
  mutable std::mutex mutex_;
  std::map<std::string, std::weak_ptr<Recorder>> recorders_;  // by SESSION/STREAM
  std::map<std::string, std::shared_ptr<std::mutex>> directory_locks_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread housekeeper_;
};

}  // namespace courtcast::record
