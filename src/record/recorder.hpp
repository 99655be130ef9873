#pragma once
// The evidence recorder of one stream: a live::Tap that hands each batch to
// a writer thread of its own, which writes FLV segments under
// root/SESSION/STREAM/ and appends one signed manifest line per closed
// segment and per gap. The publisher only ever enqueues; when the writer
// falls too far behind, batches are dropped and the hole is listed as a gap.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "live/stream.hpp"
#include "record/crypto.hpp"
#include "record/manifest.hpp"
#include "record/segment.hpp"

namespace courtcast::record {

struct RecorderStatus;

struct RecorderOptions {
  std::filesystem::path root;                     // data_dir/recordings
  std::string session = "unscheduled";            // a live session's id once sessions exist
  std::int64_t segment_ms = 60'000;               // cut at the first video keyframe past this
  std::uint64_t min_free_bytes = 1ull << 30;      // below this, new segments are refused
  std::size_t max_queue_bytes = 64u << 20;        // what the writer may fall behind by
  std::chrono::milliseconds write_interval{100};  // writes gather this long
  std::chrono::milliseconds retry_after_failure{10'000};
  std::int64_t process_start_utc_ms = 0;  // lines older than this are from an earlier run
  // Held by the writer thread while it runs: a recorder replacing another on
  // the same folder waits until the old one has closed its segment.
  std::shared_ptr<std::mutex> directory_lock;
  // Called on the writer thread when the alert is raised or cleared, for
  // the API's WebSocket event. Must not block.
  std::function<void(const RecorderStatus&)> on_alert_change;
};

enum class RecorderState { idle, recording, refused, failed };
const char* to_string(RecorderState s);

// A snapshot for the API and the alert: safe to copy.
struct RecorderStatus {
  std::string session;
  std::string stream;
  std::string directory;
  RecorderState state = RecorderState::idle;
  bool alert = false;          // disk low or a failed write: someone must look
  std::string alert_reason;    // "disk_low", "write_error: ..."
  std::uint64_t segments = 0;  // closed this run
  std::uint64_t gaps = 0;
  // Every segment of the stream's folder on disk, the open one included.
  std::uint64_t bytes_written = 0;
  std::uint64_t open_segment_bytes = 0;  // of those, the open segment's
  std::uint64_t dropped_packets = 0;     // queue overflow or refused while disk low
  std::uint64_t free_bytes = 0;          // at the last check
  std::string last_error;
};

class Recorder : public live::Tap {
 public:
  Recorder(std::string stream, RecorderOptions options, std::shared_ptr<const SigningKey> key);
  ~Recorder() override;
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // live::Tap, on the publisher's thread: enqueue only.
  void on_publish_start(const std::string& publisher_address) override;
  void on_packets(const live::PacketBatch& batch) override;
  void on_publish_end() override;

  // Closes the open segment (synced and listed) and ends the writer thread.
  void stop();
  // Waits until everything enqueued so far has been written (tests, shutdown).
  void drain();
  RecorderStatus status() const;
  const std::filesystem::path& directory() const { return dir_; }

 private:
  enum class EventKind { start, packets, end, overflow };
  struct Event {
    EventKind kind;
    std::int64_t utc_ms;
    live::PacketBatch batch;
    std::uint64_t dropped = 0;
  };
  struct Gap {
    std::int64_t since_utc_ms;
    std::string reason;
  };

  void enqueue(Event e, std::size_t bytes);
  void run();
  void handle(const Event& e);
  void on_packet(const media::PacketPtr& p, std::int64_t utc_ms);
  bool open_segment(const media::Packet& first, std::int64_t utc_ms);
  void close_segment();
  bool ensure_manifest();
  bool disk_ok(bool log_change);
  void fail(const std::string& error);
  void note_gap(std::int64_t since_utc_ms, const std::string& reason);
  void set_state(RecorderState s);
  void report_alert_change();
  media::Bytes restamped(const media::Packet& p, std::int64_t dts_ms) const;

  const std::string stream_;
  const RecorderOptions options_;
  const std::shared_ptr<const SigningKey> key_;
  const std::filesystem::path dir_;

  // Publisher side -> writer.
  std::mutex mutex_;
  std::condition_variable wake_;   // work arrived (only while the writer is idle)
  std::condition_variable pause_;  // ends the gathering pause early: stop() only
  bool writer_idle_ = false;
  std::condition_variable drained_;
  std::deque<Event> queue_;
  std::size_t queue_bytes_ = 0;
  bool stopping_ = false;
  bool busy_ = false;
  std::thread thread_;

  // Writer thread only.
  ManifestWriter manifest_;
  bool manifest_ready_ = false;
  SegmentFile segment_;
  ManifestLine open_line_;  // the open segment's line, filled as it grows
  bool segment_has_media_ = false;
  media::PacketPtr metadata_, video_header_, audio_header_;
  bool has_video_ = false;
  bool need_keyframe_ = false;
  std::optional<Gap> pending_gap_;
  std::optional<std::int64_t> last_end_utc_ms_;
  std::string recovered_reason_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::steady_clock::time_point next_disk_check_{};

  mutable std::mutex status_mutex_;
  RecorderStatus status_;
  bool reported_alert_ = false;  // writer thread only
};

}  // namespace courtcast::record
