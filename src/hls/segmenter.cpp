#include "hls/segmenter.hpp"

#include <algorithm>
#include <cmath>

#include "base/clock.hpp"
#include "media/codec_config.hpp"
#include "media/flv.hpp"

namespace courtcast::hls {

namespace {

// A keyframe ends a segment once it is this close to the target: a camera
// with keyframes exactly every 2 s then gets 2 s segments, not 4 s ones.
constexpr double kSegmentCutShare = 0.9;
// A stream without keyframes is still cut, so the window stays bounded.
constexpr std::int64_t kMaxSegmentTargets = 5;
// Parts are listed for the newest segments only (LL-HLS: the last three
// target durations); older ones are listed whole.
constexpr std::size_t kSegmentsWithParts = 3;
constexpr std::uint32_t kAacFrameSamples = 1024;

std::string seconds(std::int64_t ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace

std::size_t Segment::bytes() const {
  std::size_t n = ts ? ts->size() : 0;
  for (const auto& p : parts) n += p.bytes->size();
  return n;
}

Segmenter::Segmenter(SegmenterOptions options) : options_(std::move(options)) {
  target_s_ = std::max<std::int64_t>(1, (options_.segment_ms + 999) / 1000);
}

void Segmenter::note_header(const media::Packet& p) {
  const auto body = p.body();
  if (p.is_video()) {
    auto info = media::parse_video_tag(body);
    if (!info || (info->codec != media::VideoCodec::h264 && info->codec != media::VideoCodec::hevc))
      return;
    const auto record = body.subspan(info->header_bytes);
    auto config = info->codec == media::VideoCodec::h264 ? media::parse_avc_config(record)
                                                         : media::parse_hevc_config(record);
    if (!config) return;
    incoming_.video_codec = info->codec;
    incoming_.video_record.assign(record.begin(), record.end());
    incoming_.width = config->width;
    incoming_.height = config->height;
  } else if (p.is_audio()) {
    auto info = media::parse_audio_tag(body);
    if (!info || info->codec != media::AudioCodec::aac) return;
    const auto asc = body.subspan(info->header_bytes);
    auto config = media::parse_aac_config(asc);
    if (!config) return;
    incoming_.audio_codec = media::AudioCodec::aac;
    incoming_.audio_config.assign(asc.begin(), asc.end());
    incoming_.sample_rate = config->sample_rate;
    incoming_.channels = config->channels;
  }
}

bool Segmenter::push(const media::PacketPtr& p, std::int64_t utc_ms) {
  if (p->kind == media::PacketKind::data) return false;
  if (p->sequence_header) {
    note_header(*p);
    if (started_ && incoming_ != active_ && !need_keyframe_) {
      // A real change (a take from a 720p to a 540p camera in pass-through):
      // what is open ends here, the next keyframe opens a segment with a new
      // init segment after a discontinuity. Equal headers change nothing.
      need_keyframe_ = true;
      const bool changed = open() != nullptr;
      close_segment(p->dts_ms);
      return changed;
    }
    return false;
  }
  const bool video = p->is_video();
  if (video && !incoming_.has_video()) return false;
  if (!video && !incoming_.has_audio()) return false;
  bool changed = false;
  if (need_keyframe_) {
    // Start on a keyframe; audio alone starts a stream that has no video.
    if (incoming_.has_video() ? !(video && p->keyframe) : video) return false;
    if (!started_ || incoming_ != active_) {
      active_ = incoming_;
      const bool had_segments = !segments_.empty();
      inits_.push_back(
          Init{next_init_id_++, std::make_shared<const Bytes>(fmp4_init(active_)), active_});
      open_segment(p->dts_ms, utc_ms);
      segments_.back().discontinuity = had_segments;
    } else {
      open_segment(p->dts_ms, utc_ms);
    }
    started_ = true;
    need_keyframe_ = false;
  } else if (video || !active_.has_video()) {
    const std::int64_t in_segment = p->dts_ms - segment_start_ms_;
    const bool cut_segment =
        ((video ? p->keyframe : true) &&
         in_segment >= static_cast<std::int64_t>(options_.segment_ms * kSegmentCutShare)) ||
        in_segment >= options_.segment_ms * kMaxSegmentTargets;
    const std::int64_t step = video ? frame_ms_ : 23;
    if (cut_segment) {
      close_segment(p->dts_ms);
      open_segment(p->dts_ms, utc_ms);
      changed = true;
    } else if (p->dts_ms + step - part_start_ms_ > options_.part_ms &&
               (!part_video_.empty() || !part_audio_.empty())) {
      // Cut before the frame that would carry the part past PART-TARGET.
      close_part(p->dts_ms);
      changed = true;
    }
  }
  if (video) {
    if (have_video_dts_ && p->dts_ms > last_video_dts_ && p->dts_ms - last_video_dts_ <= 200)
      frame_ms_ = p->dts_ms - last_video_dts_;
    last_video_dts_ = p->dts_ms;
    have_video_dts_ = true;
    part_video_.push_back(p);
  } else {
    part_audio_.push_back(p);
  }
  if (options_.ts) segment_packets_.push_back(p);
  return changed;
}

bool Segmenter::flush() {
  if (!open()) return false;
  const std::int64_t end = have_video_dts_       ? last_video_dts_ + frame_ms_
                           : part_audio_.empty() ? part_start_ms_
                                                 : part_audio_.back()->dts_ms + 23;
  close_segment(end);
  need_keyframe_ = true;
  return true;
}

void Segmenter::open_segment(std::int64_t dts_ms, std::int64_t utc_ms) {
  Segment s;
  s.msn = next_msn_++;
  s.init_id = inits_.back().id;
  s.utc_ms = utc_ms;
  segments_.push_back(std::move(s));
  segment_start_ms_ = dts_ms;
  part_start_ms_ = dts_ms;
}

void Segmenter::close_part(std::int64_t end_dts_ms) {
  Segment* seg = open();
  if (!seg || (part_video_.empty() && part_audio_.empty())) return;
  std::vector<TrackRun> runs;
  if (!part_video_.empty()) {
    TrackRun run{
        kVideoTrackId, static_cast<std::uint64_t>(part_video_.front()->dts_ms) * 90, true, {}};
    run.samples.reserve(part_video_.size());
    for (std::size_t i = 0; i < part_video_.size(); ++i) {
      const auto& p = part_video_[i];
      auto info = media::parse_video_tag(p->body());
      if (!info) continue;
      const std::int64_t next = i + 1 < part_video_.size() ? part_video_[i + 1]->dts_ms
                                : end_dts_ms > p->dts_ms   ? end_dts_ms
                                                           : p->dts_ms + frame_ms_;
      run.samples.push_back(Sample{p->body().subspan(info->header_bytes),
                                   static_cast<std::uint32_t>((next - p->dts_ms) * 90),
                                   p->cts_ms * 90, p->keyframe});
    }
    runs.push_back(std::move(run));
  }
  if (!part_audio_.empty() && active_.has_audio()) {
    const std::uint64_t rate = active_.sample_rate;
    TrackRun run{kAudioTrackId,
                 static_cast<std::uint64_t>(part_audio_.front()->dts_ms) * rate / 1000,
                 false,
                 {}};
    for (const auto& p : part_audio_) {
      auto info = media::parse_audio_tag(p->body());
      if (!info) continue;
      run.samples.push_back(
          Sample{p->body().subspan(info->header_bytes), kAacFrameSamples, 0, true});
    }
    runs.push_back(std::move(run));
  }
  Part part;
  part.bytes = std::make_shared<const Bytes>(fmp4_fragment(++fragment_sequence_, runs));
  part.duration_ms = std::max<std::int64_t>(1, end_dts_ms - part_start_ms_);
  part.independent = part_video_.empty() ? true : part_video_.front()->keyframe;
  seg->parts.push_back(std::move(part));
  seg->duration_ms += seg->parts.back().duration_ms;
  part_video_.clear();
  part_audio_.clear();
  part_start_ms_ = end_dts_ms;
}

void Segmenter::close_segment(std::int64_t end_dts_ms) {
  close_part(end_dts_ms);
  Segment* seg = open();
  if (!seg) return;
  if (seg->parts.empty()) {
    segments_.pop_back();  // nothing in it: never listed
    --next_msn_;
    segment_packets_.clear();
    return;
  }
  seg->complete = true;
  if (options_.ts) seg->ts = std::make_shared<const Bytes>(ts_.segment(active_, segment_packets_));
  segment_packets_.clear();
  // EXTINF rounded to the nearest second must not exceed the target duration.
  target_s_ = std::max(target_s_, (seg->duration_ms + 500) / 1000);
  slide();
}

void Segmenter::slide() {
  std::size_t complete = 0;
  for (const auto& s : segments_) complete += s.complete ? 1 : 0;
  while (complete > options_.window_segments) {
    if (segments_.front().discontinuity) ++discontinuity_sequence_;
    segments_.pop_front();
    --complete;
  }
  // Dropped after the first segment that uses the next one is gone.
  while (inits_.size() > 1 && !segments_.empty() && inits_[1].id <= segments_.front().init_id)
    inits_.pop_front();
}

const Segment* Segmenter::segment(std::uint64_t msn) const {
  if (segments_.empty() || msn < segments_.front().msn) return nullptr;
  const std::uint64_t i = msn - segments_.front().msn;
  return i < segments_.size() ? &segments_[i] : nullptr;
}

const Init* Segmenter::init(std::uint32_t id) const {
  for (const auto& i : inits_)
    if (i.id == id) return &i;
  return nullptr;
}

bool Segmenter::has_complete_segment() const {
  return !segments_.empty() && segments_.front().complete;
}

std::pair<std::uint64_t, std::uint64_t> Segmenter::next_part() const {
  if (const Segment* s = open(); s && !need_keyframe_) return {s->msn, s->parts.size()};
  return {next_msn_, 0};
}

BlockState Segmenter::block_state(std::uint64_t msn, std::optional<std::uint64_t> part) const {
  const auto [next_msn, next_index] = next_part();  // the next part still to come
  if (msn > next_msn + 2) return BlockState::too_far;
  if (!part) {
    // A complete segment with this sequence number or a later one.
    for (auto it = segments_.rbegin(); it != segments_.rend(); ++it)
      if (it->complete) return it->msn >= msn ? BlockState::ready : BlockState::wait;
    return BlockState::wait;
  }
  std::uint64_t m = msn, p = *part;
  // Past the last part of a segment that has ended: the next segment's first.
  if (const Segment* s = segment(msn); s && s->complete && p >= s->parts.size()) {
    ++m;
    p = 0;
  }
  return m < next_msn || (m == next_msn && p < next_index) ? BlockState::ready : BlockState::wait;
}

std::string Segmenter::fmp4_playlist() const {
  std::string out;
  out.reserve(2048);
  out += "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:" + std::to_string(target_s_) + "\n";
  out +=
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" + seconds(options_.part_ms * 3) +
      "\n";
  out += "#EXT-X-PART-INF:PART-TARGET=" + seconds(options_.part_ms) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" +
         std::to_string(segments_.empty() ? next_msn_ : segments_.front().msn) + "\n";
  out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence_) + "\n";
  const std::string& pre = options_.uri_prefix;
  std::optional<std::uint32_t> map;
  std::size_t complete_after = 0;  // complete segments newer than the current one
  for (const auto& s : segments_) complete_after += s.complete ? 1 : 0;
  for (const auto& s : segments_) {
    if (s.complete) --complete_after;
    // Also on the first segment listed: EXT-X-DISCONTINUITY-SEQUENCE counts
    // only the tags of segments that have left the window.
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    if (map != s.init_id) {
      out += "#EXT-X-MAP:URI=\"" + pre + "init" + std::to_string(s.init_id) + ".mp4\"\n";
      map = s.init_id;
    }
    out += "#EXT-X-PROGRAM-DATE-TIME:" + base::format_utc_ms(s.utc_ms) + "\n";
    if (!s.complete || complete_after < kSegmentsWithParts) {
      for (std::size_t i = 0; i < s.parts.size(); ++i) {
        out += "#EXT-X-PART:DURATION=" + seconds(s.parts[i].duration_ms) + ",URI=\"" + pre +
               "part" + std::to_string(s.msn) + "." + std::to_string(i) + ".m4s\"";
        if (s.parts[i].independent) out += ",INDEPENDENT=YES";
        out += "\n";
      }
    }
    if (s.complete)
      out += "#EXTINF:" + seconds(s.duration_ms) + ",\n" + pre + "seg" + std::to_string(s.msn) +
             ".m4s\n";
  }
  const auto [msn, part] = next_part();
  out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" + pre + "part" + std::to_string(msn) + "." +
         std::to_string(part) + ".m4s\"\n";
  return out;
}

std::string Segmenter::ts_playlist() const {
  std::string out;
  out.reserve(1024);
  out += "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" + std::to_string(target_s_) + "\n";
  std::optional<std::uint64_t> first;
  for (const auto& s : segments_)
    if (s.complete && !first) first = s.msn;
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first.value_or(next_msn_)) + "\n";
  out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence_) + "\n";
  for (const auto& s : segments_) {
    if (!s.complete) continue;
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += "#EXT-X-PROGRAM-DATE-TIME:" + base::format_utc_ms(s.utc_ms) + "\n";
    out += "#EXTINF:" + seconds(s.duration_ms) + ",\n" + options_.uri_prefix + "seg" +
           std::to_string(s.msn) + ".ts\n";
  }
  return out;
}

std::size_t Segmenter::window_bytes() const {
  std::size_t n = 0;
  for (const auto& s : segments_) n += s.bytes();
  for (const auto& i : inits_) n += i.bytes->size();
  return n;
}

}  // namespace courtcast::hls
