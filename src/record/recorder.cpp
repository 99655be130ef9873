#include "record/recorder.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstring>

#include "base/clock.hpp"
#include "base/codes.hpp"
#include "base/log_value.hpp"
#include "media/flv.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;
using media::Packet;
using media::PacketKind;
using media::PacketPtr;
using std::chrono::steady_clock;

namespace {

std::uint64_t free_bytes(const fs::path& p) {
  struct statvfs st {};
  if (::statvfs(p.c_str(), &st) != 0) return 0;
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

// The nearest existing ancestor: the stream's folder may not exist yet.
fs::path existing(fs::path p) {
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec) && p.has_parent_path() && p != p.parent_path())
    p = p.parent_path();
  return p;
}

}  // namespace

constexpr base::CodeTable<RecorderState, 4> kRecorderStateCodes = {
    {{RecorderState::idle, "idle"},
     {RecorderState::recording, "recording"},
     {RecorderState::refused, "refused"},
     {RecorderState::failed, "failed"}}};

const char* to_string(RecorderState s) {
  return base::code_of(kRecorderStateCodes, s).data();
}

Recorder::Recorder(std::string stream, RecorderOptions options,
                   std::shared_ptr<const SigningKey> key)
    : stream_(std::move(stream)),
      options_(std::move(options)),
      key_(std::move(key)),
      dir_(options_.root / options_.session / stream_) {
  status_.session = options_.session;
  status_.stream = stream_;
  status_.directory = dir_.string();
  thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() {
  stop();
}

// ---------------------------------------------------------------- publisher side

void Recorder::enqueue(Event e, std::size_t bytes) {
  bool notify = false;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (e.kind == EventKind::packets && queue_bytes_ + bytes > options_.max_queue_bytes) {
      // Dropping is the only choice that never blocks the publisher; the
      // writer turns the run of dropped batches into one gap line.
      const std::uint64_t n = e.batch->size();
      if (!queue_.empty() && queue_.back().kind == EventKind::overflow)
        queue_.back().dropped += n;
      else
        queue_.push_back(Event{EventKind::overflow, e.utc_ms, nullptr, n});
      return;
    }
    queue_bytes_ += bytes;
    queue_.push_back(std::move(e));
    // While the writer gathers it is not woken: a wake per batch would cost
    // a context switch per packet.
    notify = writer_idle_;
  }
  if (notify) wake_.notify_one();
}

void Recorder::on_publish_start(const std::string&) {
  enqueue(Event{EventKind::start, base::utc_now_ms(), nullptr}, 0);
}

void Recorder::on_packets(const live::PacketBatch& batch) {
  std::size_t bytes = 0;
  for (const auto& p : *batch) bytes += p->size_bytes();
  enqueue(Event{EventKind::packets, base::utc_now_ms(), batch}, bytes);
}

void Recorder::on_publish_end() {
  enqueue(Event{EventKind::end, base::utc_now_ms(), nullptr}, 0);
}

void Recorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  pause_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Recorder::drain() {
  std::unique_lock lock(mutex_);
  wake_.notify_all();
  drained_.wait(lock, [&] { return (queue_.empty() && !busy_) || !thread_.joinable(); });
}

RecorderStatus Recorder::status() const {
  std::lock_guard lock(status_mutex_);
  RecorderStatus s = status_;
  s.bytes_written += s.open_segment_bytes;
  return s;
}

// ---------------------------------------------------------------- writer thread

void Recorder::run() {
  // Named so that top and bench/record.sh can tell the writers apart.
  ::pthread_setname_np(::pthread_self(), ("rec:" + stream_).substr(0, 15).c_str());
  std::unique_lock<std::mutex> directory;
  if (options_.directory_lock) directory = std::unique_lock(*options_.directory_lock);
  std::deque<Event> events;
  for (;;) {
    bool stop = false;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      drained_.notify_all();
      writer_idle_ = true;
      wake_.wait_for(lock, std::chrono::seconds(1), [&] { return !queue_.empty() || stopping_; });
      writer_idle_ = false;
      events.swap(queue_);
      queue_bytes_ = 0;
      stop = stopping_;
      busy_ = !events.empty();
    }
    for (const auto& e : events) handle(e);
    events.clear();
    if (segment_.is_open()) {
      if (auto r = segment_.flush(); !r) fail(r.error().message);
    }
    {
      std::lock_guard lock(status_mutex_);
      status_.open_segment_bytes = segment_.is_open() ? segment_.size_bytes() : 0;
    }
    if (steady_clock::now() >= next_disk_check_) {
      if (segment_.is_open()) {
        // Stop a segment that is filling the disk instead of running it dry.
        if (!disk_ok(true)) {
          close_segment();
          note_gap(open_line_.end_utc_ms, "disk_low");
          need_keyframe_ = true;
        }
      } else if (status().state == RecorderState::refused) {
        disk_ok(true);  // clears the alert once space is back, even while offline
      }
    }
    report_alert_change();
    if (stop) break;
    // Let writes gather, so that a stream costs a few syscalls a second.
    std::unique_lock lock(mutex_);
    busy_ = false;
    drained_.notify_all();
    pause_.wait_for(lock, options_.write_interval, [&] { return stopping_; });
  }
  if (segment_.is_open()) close_segment();
  {
    std::lock_guard lock(mutex_);
    busy_ = false;
  }
  drained_.notify_all();
}

void Recorder::set_state(RecorderState s) {
  std::lock_guard lock(status_mutex_);
  status_.state = s;
  if (s == RecorderState::recording || s == RecorderState::idle) {
    status_.alert = false;
    status_.alert_reason.clear();
  }
}

void Recorder::report_alert_change() {
  const RecorderStatus now = status();
  if (now.alert == reported_alert_) return;
  reported_alert_ = now.alert;
  if (options_.on_alert_change) options_.on_alert_change(now);
}

void Recorder::note_gap(std::int64_t since_utc_ms, const std::string& reason) {
  // The earliest start and the first reason describe the hole best.
  if (!pending_gap_) pending_gap_ = Gap{since_utc_ms, reason};
}

void Recorder::handle(const Event& e) {
  switch (e.kind) {
    case EventKind::start:
      if (segment_.is_open()) close_segment();
      metadata_.reset();
      video_header_.reset();
      audio_header_.reset();
      has_video_ = false;
      need_keyframe_ = false;
      if (last_end_utc_ms_) note_gap(*last_end_utc_ms_, "offline");
      break;
    case EventKind::packets:
      for (const auto& p : *e.batch) on_packet(p, e.utc_ms);
      break;
    case EventKind::end:
      if (segment_.is_open()) close_segment();
      if (status().state == RecorderState::recording) set_state(RecorderState::idle);
      last_end_utc_ms_ = last_end_utc_ms_ ? std::max(*last_end_utc_ms_, e.utc_ms) : e.utc_ms;
      break;
    case EventKind::overflow: {
      spdlog::warn("event=record_queue_overflow session={} stream={} dropped_packets={}",
                   base::log_value(options_.session), base::log_value(stream_), e.dropped);
      {
        std::lock_guard lock(status_mutex_);
        status_.dropped_packets += e.dropped;
      }
      const std::int64_t since = segment_.is_open() ? open_line_.end_utc_ms : e.utc_ms;
      if (segment_.is_open()) close_segment();
      note_gap(since, "queue_overflow");
      need_keyframe_ = true;
      break;
    }
  }
}

media::Bytes Recorder::restamped(const Packet& p, std::int64_t dts_ms) const {
  const auto tag = p.flv_tag();
  media::Bytes out(tag.begin(), tag.end());
  media::write_flv_tag_header(out.data(), out[0], dts_ms, p.body().size());
  return out;
}

void Recorder::on_packet(const PacketPtr& p, std::int64_t utc_ms) {
  if (p->kind == PacketKind::data) {
    metadata_ = p;
    if (segment_.is_open()) segment_.add(p);
    return;
  }
  if (p->sequence_header) {
    (p->is_video() ? video_header_ : audio_header_) = p;
    if (p->is_video()) has_video_ = true;
    if (segment_.is_open()) segment_.add(p);
    return;
  }
  if (p->is_video()) has_video_ = true;
  const bool cut_point = p->is_video() ? p->keyframe : !has_video_;
  if (segment_.is_open() && cut_point && p->dts_ms - open_line_.first_ts_ms >= options_.segment_ms)
    close_segment();
  if (!segment_.is_open()) {
    // After a hole the recording resumes at a keyframe, so that the new
    // segment plays alone; a fresh publish starts with its first packet.
    if (need_keyframe_ && !cut_point) {
      std::lock_guard lock(status_mutex_);
      status_.dropped_packets++;
      return;
    }
    if (!open_segment(*p, utc_ms)) {
      std::lock_guard lock(status_mutex_);
      status_.dropped_packets++;
      return;
    }
  }
  segment_.add(p);
  segment_has_media_ = true;
  open_line_.last_ts_ms = std::max(open_line_.last_ts_ms, p->dts_ms);
  open_line_.end_utc_ms = utc_ms;
}

bool Recorder::disk_ok(bool log_change) {
  next_disk_check_ = steady_clock::now() + std::chrono::seconds(1);
  const std::uint64_t free = free_bytes(existing(dir_));
  const bool ok = free >= options_.min_free_bytes;
  RecorderState prev;
  {
    std::lock_guard lock(status_mutex_);
    status_.free_bytes = free;
    prev = status_.state;
    if (!ok) {
      status_.state = RecorderState::refused;
      status_.alert = true;
      status_.alert_reason = "disk_low";
    } else if (prev == RecorderState::refused) {
      status_.state = RecorderState::idle;
      status_.alert = false;
      status_.alert_reason.clear();
    }
  }
  if (!ok && prev != RecorderState::refused && log_change)
    spdlog::error(
        "event=record_alert reason=disk_low session={} stream={} free_bytes={} "
        "min_free_bytes={} note=\"new recording refused until space is freed\"",
        base::log_value(options_.session), base::log_value(stream_), free, options_.min_free_bytes);
  if (ok && prev == RecorderState::refused && log_change)
    spdlog::info("event=record_alert_cleared reason=disk_low session={} stream={} free_bytes={}",
                 base::log_value(options_.session), base::log_value(stream_), free);
  return ok;
}

bool Recorder::ensure_manifest() {
  if (manifest_ready_) return true;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    fail("cannot create " + dir_.string() + ": " + ec.message());
    return false;
  }
  if (auto r = manifest_.open(dir_); !r) {
    fail(r.error().message);
    return false;
  }
  auto log = [&](const std::string& m) {
    spdlog::warn("{} session={} stream={}", m, base::log_value(options_.session),
                 base::log_value(stream_));
  };
  if (manifest_.dropped_partial_line())
    log("event=record_recover_manifest note=\"cut a partial last line\"");
  auto recovered = recover_segments(dir_, manifest_, *key_, options_.session, stream_, log);
  if (!recovered) {
    fail(recovered.error().message);
    return false;
  }
  if (manifest_.last() && !last_end_utc_ms_) {
    // The hole since an earlier run is listed too: the server was down, or
    // crashed (its cut segment was just recovered).
    // A recovered last segment means the earlier run died mid-segment.
    const ManifestLine& last = *manifest_.last();
    last_end_utc_ms_ = last.end_utc_ms;
    if (last.end_utc_ms < options_.process_start_utc_ms || *recovered)
      pending_gap_ = Gap{last.end_utc_ms, last.recovered ? "server_crashed" : "server_stopped"};
  }
  // What the folder holds already (earlier runs, recovered parts) counts
  // toward bytes_written: it is what the stream's evidence takes on disk.
  std::uint64_t on_disk = 0;
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".flv") on_disk += e.file_size(ec);
  {
    std::lock_guard lock(status_mutex_);
    status_.bytes_written = on_disk;
  }
  manifest_ready_ = true;
  return true;
}

bool Recorder::open_segment(const Packet& first, std::int64_t utc_ms) {
  if (status().state == RecorderState::failed) {
    if (steady_clock::now() < retry_at_) return false;
    // Start over from what is on disk: the abandoned .part is recovered and
    // a half-written manifest line cut, so the chain stays whole.
    manifest_.reset();
    manifest_ready_ = false;
  }
  if (!disk_ok(true)) {
    note_gap(last_end_utc_ms_ ? std::max(*last_end_utc_ms_, utc_ms - 1) : utc_ms, "disk_low");
    need_keyframe_ = true;
    return false;
  }
  if (!ensure_manifest()) return false;
  if (pending_gap_ && utc_ms > pending_gap_->since_utc_ms) {
    ManifestLine gap;
    gap.kind = LineKind::gap;
    gap.session = options_.session;
    gap.stream = stream_;
    gap.start_utc_ms = pending_gap_->since_utc_ms;
    gap.end_utc_ms = utc_ms;
    gap.reason = pending_gap_->reason;
    if (auto r = manifest_.append(gap, *key_); !r) {
      fail(r.error().message);
      return false;
    }
    spdlog::info("event=record_gap session={} stream={} reason={} duration_ms={}",
                 base::log_value(options_.session), base::log_value(stream_), gap.reason,
                 gap.end_utc_ms - gap.start_utc_ms);
    std::lock_guard lock(status_mutex_);
    status_.gaps++;
  }
  pending_gap_.reset();
  if (auto r = segment_.open(dir_, manifest_.next_index(), utc_ms); !r) {
    fail(r.error().message);
    return false;
  }
  open_line_ = ManifestLine{};
  open_line_.kind = LineKind::segment;
  open_line_.session = options_.session;
  open_line_.stream = stream_;
  open_line_.first_ts_ms = open_line_.last_ts_ms = first.dts_ms;
  open_line_.start_utc_ms = open_line_.end_utc_ms = utc_ms;
  segment_has_media_ = false;
  // Each segment plays alone: header, metadata and the current sequence
  // headers come first, the headers stamped with the segment's first time.
  const bool audio = audio_header_ || first.is_audio();
  const bool video = video_header_ || first.is_video();
  const auto header = media::flv_file_header(audio, video);
  segment_.add(media::Bytes(header.begin(), header.end()));
  if (metadata_) segment_.add(metadata_);
  if (video_header_) segment_.add(restamped(*video_header_, first.dts_ms));
  if (audio_header_) segment_.add(restamped(*audio_header_, first.dts_ms));
  need_keyframe_ = false;
  set_state(RecorderState::recording);
  return true;
}

void Recorder::close_segment() {
  if (!segment_.is_open()) return;
  ManifestLine line = open_line_;
  if (auto r = segment_.sync(); !r) return fail(r.error().message);
  {
    // A reader (verify, export) sees the renamed file and its line, or neither.
    const ManifestWriter::Commit commit(manifest_);
    if (auto r = segment_.close(line); !r) return fail(r.error().message);
    if (auto r = manifest_.append(line, *key_); !r) return fail(r.error().message);
  }
  last_end_utc_ms_ = line.end_utc_ms;
  spdlog::info(
      "event=record_segment session={} stream={} file={} duration_ms={} size_bytes={} sha256={}",
      base::log_value(options_.session), base::log_value(stream_), line.file,
      line.last_ts_ms - line.first_ts_ms, line.size_bytes, line.sha256);
  std::lock_guard lock(status_mutex_);
  status_.segments++;
  status_.bytes_written += line.size_bytes;
  status_.open_segment_bytes = 0;
}

void Recorder::fail(const std::string& error) {
  const std::int64_t since = segment_.is_open() ? open_line_.end_utc_ms : base::utc_now_ms();
  segment_.abandon();
  {
    std::lock_guard lock(status_mutex_);
    status_.open_segment_bytes = 0;
  }
  note_gap(since, "write_error");
  need_keyframe_ = true;
  retry_at_ = steady_clock::now() + options_.retry_after_failure;
  spdlog::error("event=record_failed session={} stream={} error={} retry_in_ms={}",
                base::log_value(options_.session), base::log_value(stream_), base::log_value(error),
                options_.retry_after_failure.count());
  std::lock_guard lock(status_mutex_);
  status_.state = RecorderState::failed;
  status_.alert = true;
  status_.alert_reason = "write_error: " + error;
  status_.last_error = error;
}

}  // namespace courtcast::record
