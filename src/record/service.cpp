#include "record/service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>

#include "base/clock.hpp"
#include "base/log_value.hpp"
#include "record/manifest.hpp"
#include "record/segment.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;

namespace {}  // namespace

RecordingService::RecordingService(RecordingOptions options)
    : options_(std::move(options)), start_utc_ms_(base::utc_now_ms()) {
  auto key = SigningKey::load_or_create(options_.data_dir);
  if (!key) throw std::runtime_error(key.error().message);
  key_ = std::make_shared<const SigningKey>(std::move(*key));
  spdlog::info("event=recording_key key_id={} file={}", key_->key_id(),
               SigningKey::key_file(options_.data_dir).string());
  if (!options_.enabled) return;
  recover_all();
  if (options_.retention_days > 0) housekeeper_ = std::thread([this] { housekeeping(); });
}

RecordingService::~RecordingService() {
  shutdown();
}

void RecordingService::recover_all() {
  std::error_code ec;
  for (const auto& session : fs::directory_iterator(root(), ec)) {
    if (!session.is_directory()) continue;
    for (const auto& stream : fs::directory_iterator(session.path(), ec)) {
      if (!stream.is_directory()) continue;
      ManifestWriter manifest;
      auto log = [&](const std::string& m) {
        spdlog::warn("{} session={} stream={}", m,
                     base::log_value(session.path().filename().string()),
                     base::log_value(stream.path().filename().string()));
      };
      if (auto r = manifest.open(stream.path()); !r) {
        spdlog::error("event=record_recover_failed dir={} error=\"{}\"", stream.path().string(),
                      r.error().message);
        continue;
      }
      if (manifest.dropped_partial_line())
        log("event=record_recover_manifest note=\"cut a partial last line\"");
      auto n = recover_segments(stream.path(), manifest, *key_, session.path().filename().string(),
                                stream.path().filename().string(), log);
      if (!n)
        spdlog::error("event=record_recover_failed dir={} error=\"{}\"", stream.path().string(),
                      n.error().message);
    }
  }
}

std::shared_ptr<Recorder> RecordingService::recorder(const std::string& session,
                                                     const std::string& stream) {
  std::lock_guard lock(mutex_);
  const std::string id = session + "/" + stream;
  // A stream that is re-created while its old object lingers keeps the same
  // recorder: two writers on one manifest would break its chain.
  if (auto existing = recorders_[id].lock()) return existing;
  RecorderOptions o;
  o.root = root();
  o.session = session;
  o.segment_ms = options_.segment_seconds * 1000;
  o.min_free_bytes = options_.min_free_bytes;
  o.max_queue_bytes = options_.max_queue_bytes;
  o.process_start_utc_ms = start_utc_ms_;
  o.on_alert_change = options_.on_alert_change;
  auto& dir_lock = directory_locks_[id];
  if (!dir_lock) dir_lock = std::make_shared<std::mutex>();
  o.directory_lock = dir_lock;
  auto r = std::make_shared<Recorder>(stream, o, key_);
  recorders_[id] = r;
  return r;
}

std::vector<std::shared_ptr<live::Tap>> RecordingService::taps_for(const std::string& stream) {
  if (!options_.enabled) return {};
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return {};
  }
  const auto session = options_.session_of ? options_.session_of(stream) : std::nullopt;
  return {recorder(session.value_or(options_.session), stream)};
}

std::vector<RecorderStatus> RecordingService::statuses() const {
  std::vector<RecorderStatus> out;
  std::lock_guard lock(mutex_);
  for (const auto& [id, weak] : recorders_)
    if (auto r = weak.lock()) out.push_back(r->status());
  return out;
}

bool RecordingService::alert() const {
  for (const auto& s : statuses())
    if (s.alert) return true;
  return false;
}

void RecordingService::shutdown() {
  std::vector<std::shared_ptr<Recorder>> live;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, weak] : recorders_)
      if (auto r = weak.lock()) live.push_back(r);
  }
  stop_cv_.notify_all();
  for (auto& r : live) r->stop();
  if (housekeeper_.joinable()) housekeeper_.join();
}

void RecordingService::housekeeping() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    apply_retention();
    lock.lock();
    stop_cv_.wait_for(lock, std::chrono::hours(1), [&] { return stopping_; });
  }
}

std::size_t RecordingService::apply_retention() {
  if (options_.retention_days <= 0) return 0;
  const std::int64_t cutoff = base::utc_now_ms() - options_.retention_days * 86'400'000;
  std::size_t deleted = 0;
  std::error_code ec;
  for (const auto& session : fs::directory_iterator(root(), ec)) {
    if (!session.is_directory()) continue;
    for (const auto& stream : fs::directory_iterator(session.path(), ec)) {
      const std::string id =
          session.path().filename().string() + "/" + stream.path().filename().string();
      {
        std::lock_guard lock(mutex_);
        if (auto it = recorders_.find(id); it != recorders_.end() && !it->second.expired())
          continue;
      }
      ManifestWriter manifest;
      if (!manifest.open(stream.path()) || !manifest.last() ||
          manifest.last()->end_utc_ms >= cutoff)
        continue;
      fs::remove_all(stream.path(), ec);
      spdlog::info("event=record_retention_deleted dir={} last_end_utc_ms={} retention_days={}",
                   stream.path().string(), manifest.last()->end_utc_ms, options_.retention_days);
      ++deleted;
    }
    if (fs::is_empty(session.path(), ec)) fs::remove(session.path(), ec);
  }
  return deleted;
}

}  // namespace courtcast::record
