#include "program/timeline.hpp"

#include <algorithm>

namespace courtcast::program {

using namespace std::chrono;
using media::Packet;

TimelineWriter::TimelineWriter(live::StreamHandle stream, const std::string& label)
    : stream_(std::move(stream)) {
  publishing_ = stream_->try_begin_publish(label);
}

TimelineWriter::~TimelineWriter() {
  if (publishing_) stream_->end_publish();
}

void TimelineWriter::finish() {
  if (!publishing_) return;
  publishing_ = false;
  stream_->end_publish();
  stream_->finish();
}

media::PacketPtr TimelineWriter::write(const media::PacketPtr& p) {
  if (!publishing_ || p->kind == media::PacketKind::data) return nullptr;
  if (p->sequence_header) {
    auto& last = p->is_video() ? last_video_header_ : last_audio_header_;
    if (last && std::ranges::equal(last->body(), p->body())) return nullptr;
    last = p;
    auto out = Packet::make(p->kind, last_out_ms_, 0, false, true, p->body());
    stream_->push_ready(out);
    return out;
  }
  const auto now = steady_clock::now();
  if (new_segment_) {
    new_segment_ = false;
    const std::int64_t away_ms =
        have_output_ ? std::clamp<std::int64_t>(
                           duration_cast<milliseconds>(now - last_write_at_).count(), 1, 5000)
                     : 0;
    std::int64_t base = have_output_ ? last_out_ms_ + away_ms : 0;
    // Frames shown before the switch may have later presentation times than
    // their decode times (B-frames): the new segment's first frame must be
    // presented after all of them, or players see time step back.
    // It is also shown one frame after the last one, not a few ms later: a
    // constant-rate receiver would otherwise put both on the same tick.
    if (have_output_ && p->is_video())
      base = std::max(base, last_video_pts_ms_ + video_frame_ms_ - p->cts_ms);
    offset_ms_ = base - p->dts_ms;
  }
  std::int64_t dts = p->dts_ms + offset_ms_;
  // Strictly increasing per track: muxers downstream (FFmpeg's among them)
  // refuse two packets of one track at the same time.
  const std::size_t t = p->is_video() ? 1 : 0;
  if (have_track_[t]) dts = std::max(dts, last_track_ms_[t] + 1);
  if (t == 1 && have_track_[1] && dts - last_track_ms_[1] <= 200)
    video_frame_ms_ = dts - last_track_ms_[1];  // the source's frame interval, for switches
  have_track_[t] = true;
  last_track_ms_[t] = dts;
  last_out_ms_ = std::max(last_out_ms_, dts);
  if (p->is_video()) last_video_pts_ms_ = std::max(last_video_pts_ms_, dts + p->cts_ms);
  last_write_at_ = now;
  have_output_ = true;
  auto out =
      dts == p->dts_ms ? p : Packet::make(p->kind, dts, p->cts_ms, p->keyframe, false, p->body());
  stream_->push_ready(out);
  return out;
}

}  // namespace courtcast::program
