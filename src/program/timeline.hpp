#pragma once
// Writes packets from successive sources (cameras, the standby card, the
// delay line) into one stream with one continuous, monotonic timeline, the
// way a platform wants to receive it: each new segment starts right after
// what was written last, plus the time that really passed (bounded).

#include <chrono>
#include <cstdint>

#include "live/hub.hpp"

namespace courtcast::program {

class TimelineWriter {
 public:
  // Publishes into `stream` for as long as the writer lives.
  TimelineWriter(live::StreamHandle stream, const std::string& label);
  ~TimelineWriter();
  TimelineWriter(const TimelineWriter&) = delete;
  TimelineWriter& operator=(const TimelineWriter&) = delete;

  // The next media packet starts a new segment.
  void begin_segment() { new_segment_ = true; }
  // Writes `p` (timestamps in its source's time) and returns what was written:
  // nullptr for metadata and for sequence headers equal to the last ones.
  media::PacketPtr write(const media::PacketPtr& p);
  void flush() { stream_->flush(); }
  // Stops publishing and ends the stream for its players (they get the end
  // of stream instead of waiting for a return).
  void finish();

  std::chrono::steady_clock::time_point last_write_at() const { return last_write_at_; }
  bool publishing() const { return publishing_; }

 private:
  live::StreamHandle stream_;
  bool publishing_ = false;
  bool new_segment_ = true;
  bool have_output_ = false;
  std::int64_t offset_ms_ = 0;
  std::int64_t last_out_ms_ = 0;
  std::int64_t last_track_ms_[2] = {0, 0};
  bool have_track_[2] = {false, false};
  std::int64_t last_video_pts_ms_ = 0;
  std::int64_t video_frame_ms_ = 40;
  media::PacketPtr last_video_header_, last_audio_header_;
  std::chrono::steady_clock::time_point last_write_at_{};
};

}  // namespace courtcast::program
