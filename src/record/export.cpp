#include "record/export.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <set>

#include "base/clock.hpp"
#include "media/codec_config.hpp"
#include "record/verify.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;
namespace json = boost::json;
using media::make_error;

namespace {

constexpr int kVideo = 0;
constexpr int kAudio = 1;
// A part waits this long (clip time) for a packet of its second track before
// its header is written without it: the audio of a new source arrives a few
// frames after its video keyframe.
constexpr std::int64_t kPartHeaderWaitMs = 1000;
// A part's last frame is shown until the next part's first, as it was on
// air while a take waited for the new source's keyframe; never longer than
// this (the program's timeline bounds a switch's pause the same way).
constexpr std::int64_t kMaxHoldMs = 5000;

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

struct InputCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
using Input = std::unique_ptr<AVFormatContext, InputCloser>;

struct OutputCloser {
  void operator()(AVFormatContext* c) const {
    if (c->pb) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};
using Output = std::unique_ptr<AVFormatContext, OutputCloser>;

struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
using PacketBox = std::unique_ptr<AVPacket, PacketFree>;

struct ParFree {
  void operator()(AVCodecParameters* p) const { avcodec_parameters_free(&p); }
};
using Params = std::shared_ptr<AVCodecParameters>;

Params copy_params(const AVCodecParameters* from) {
  Params p(avcodec_parameters_alloc(), ParFree{});
  avcodec_parameters_copy(p.get(), from);
  p->codec_tag = 0;
  return p;
}

// Two configurations are the same when a decoder set up for one decodes the
// other: same codec, same configuration record.
bool same_config(const Params& a, const Params& b) {
  if (!a || !b) return !a && !b;
  if (a->codec_id != b->codec_id || a->extradata_size != b->extradata_size) return false;
  if (a->extradata_size > 0 && std::memcmp(a->extradata, b->extradata, a->extradata_size) != 0)
    return false;
  if (a->codec_type == AVMEDIA_TYPE_AUDIO && a->extradata_size == 0)
    return a->sample_rate == b->sample_rate && a->ch_layout.nb_channels == b->ch_layout.nb_channels;
  return true;
}

// `base` with a new configuration record from a mid-file sequence header;
// the size, rate and channels the MP4 header states are read from it.
Params with_extradata(const Params& base, const std::uint8_t* data, std::size_t size) {
  Params p = copy_params(base.get());
  av_freep(&p->extradata);
  p->extradata = static_cast<std::uint8_t*>(av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(p->extradata, data, size);
  p->extradata_size = static_cast<int>(size);
  const std::span<const std::uint8_t> record(data, size);
  if (p->codec_id == AV_CODEC_ID_H264 || p->codec_id == AV_CODEC_ID_HEVC) {
    auto v = p->codec_id == AV_CODEC_ID_H264 ? media::parse_avc_config(record)
                                             : media::parse_hevc_config(record);
    if (v && v->width && v->height) {
      p->width = static_cast<int>(v->width);
      p->height = static_cast<int>(v->height);
      p->profile = v->profile;
      p->level = v->level;
    }
  } else if (p->codec_id == AV_CODEC_ID_AAC) {
    if (auto a = media::parse_aac_config(record); a && a->sample_rate && a->channels) {
      p->sample_rate = static_cast<int>(a->sample_rate);
      av_channel_layout_uninit(&p->ch_layout);
      av_channel_layout_default(&p->ch_layout, a->channels);
    }
  }
  return p;
}

Result<Input> open_segment(const fs::path& file) {
  AVFormatContext* raw = nullptr;
  if (int rc = avformat_open_input(&raw, file.c_str(), nullptr, nullptr); rc < 0)
    return make_error("cannot open " + file.filename().string() + ": " + av_error(rc));
  Input in(raw);
  if (int rc = avformat_find_stream_info(in.get(), nullptr); rc < 0)
    return make_error("cannot read streams of " + file.filename().string() + ": " + av_error(rc));
  return in;
}

// Reads every packet of a segment in file order, with timestamps in ms.
Result<bool> each_packet(AVFormatContext* in,
                         const std::function<void(AVPacket&, AVMediaType, std::int64_t dts_ms,
                                                  std::int64_t pts_ms)>& fn) {
  PacketBox pkt(av_packet_alloc());
  for (;;) {
    const int rc = av_read_frame(in, pkt.get());
    if (rc == AVERROR_EOF) return true;
    if (rc < 0) return make_error(std::string("cannot read a packet: ") + av_error(rc));
    const AVStream* s = in->streams[pkt->stream_index];
    const AVMediaType type = s->codecpar->codec_type;
    if ((type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_AUDIO) && pkt->dts != AV_NOPTS_VALUE) {
      const std::int64_t dts = av_rescale_q(pkt->dts, s->time_base, AVRational{1, 1000});
      const std::int64_t pts = pkt->pts == AV_NOPTS_VALUE
                                   ? dts
                                   : av_rescale_q(pkt->pts, s->time_base, AVRational{1, 1000});
      fn(*pkt, type, dts, pts);
    }
    av_packet_unref(pkt.get());
  }
}

json::object segment_json(const ManifestLine& l, const std::string& line_sha256) {
  return json::object{{"index", l.index},
                      {"file", l.file},
                      {"sha256", l.sha256},
                      {"size_bytes", l.size_bytes},
                      {"start_utc_ms", l.start_utc_ms},
                      {"end_utc_ms", l.end_utc_ms},
                      {"start_utc", base::format_utc_ms(l.start_utc_ms)},
                      {"end_utc", base::format_utc_ms(l.end_utc_ms)},
                      {"recovered", l.recovered},
                      {"line_sha256", line_sha256}};
}

// Segments whose stream timeline runs on from the segment before without a
// jump (one publish, one run of the server: a program's timeline is
// continuous across takes and the card) share one mapping of media time to
// wall clock, that of the first segment of the run. A segment's own
// start_utc_ms is when its first packet reached the recorder, late by up to
// a write batch and the network's jitter; placing every frame of a run by
// one mapping makes parts and clips cut from the run meet to the frame. A
// gap, a timeline that steps back or jumps, or a run drifting more than
// kRunDriftMs from a segment's own start begins a new mapping.
constexpr std::int64_t kRunDriftMs = 1000;
// How far a segment's last frame reaches past its timestamp, at most.
constexpr std::int64_t kMaxFrameMs = 100;

// For each line: wall clock minus media time of its segment's run (0 for gaps).
std::vector<std::int64_t> run_offsets(const std::vector<ManifestLine>& lines) {
  std::vector<std::int64_t> out(lines.size(), 0);
  const ManifestLine* prev = nullptr;
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ManifestLine& l = lines[i];
    if (l.kind != LineKind::segment) {
      prev = nullptr;
      continue;
    }
    const std::int64_t own = l.start_utc_ms - l.first_ts_ms;
    bool continues = prev != nullptr;
    if (continues) {
      const std::int64_t wall_step = l.start_utc_ms - prev->end_utc_ms;
      const std::int64_t ts_step = l.first_ts_ms - prev->last_ts_ms;
      continues =
          ts_step >= 0 && ts_step <= wall_step + 2000 && std::abs(own - offset) <= kRunDriftMs;
    }
    if (!continues) offset = own;
    out[i] = offset;
    prev = &l;
  }
  return out;
}

// Makes `tmp` durable and gives it the name `final` without ever replacing
// a file of that name (link(2) fails on an existing name; rename would not).
Result<bool> publish_file(const fs::path& tmp, const fs::path& final) {
  if (int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (::link(tmp.c_str(), final.c_str()) != 0) {
    const int err = errno;
    std::error_code ec;
    fs::remove(tmp, ec);
    return make_error(err == EEXIST ? final.filename().string() + " exists and is not replaced"
                                    : "cannot write " + final.filename().string() + ": " +
                                          std::strerror(err));
  }
  std::error_code ec;
  fs::remove(tmp, ec);
  return true;
}

// One MP4 of one configuration. Its header waits (packets held) until each
// track it will carry has shown its configuration, or kPartHeaderWaitMs.
class Part {
 public:
  Part(int number, fs::path tmp, std::int64_t base_ms) : number_(number), tmp_(std::move(tmp)) {
    base_ms_ = base_ms;
  }

  int number() const { return number_; }
  bool started() const { return started_; }
  bool carries(int track) const { return locked_[track] != nullptr; }
  std::int64_t base_ms() const { return base_ms_; }

  // Takes a packet (timestamps in clip ms) of `track`, whose configuration
  // is `config`. False when the packet steps back and is left out.
  // `shown_utc_ms` places the packet on the wall clock by its run's mapping
  // of media time (run_offsets).
  Result<bool> add(AVPacket& p, int track, const Params& config, std::int64_t dts_ms,
                   std::int64_t pts_ms, std::int64_t duration_ms, std::int64_t shown_utc_ms,
                   bool has_other_track) {
    if (!locked_[track]) locked_[track] = config;
    const std::int64_t out_dts = dts_ms - base_ms_;
    if (out_dts < 0 && number_ > 1) return false;  // before this part's keyframe
    if (out_dts <= last_out_[track]) return false;
    last_out_[track] = out_dts;
    PacketBox box(av_packet_alloc());
    av_packet_move_ref(box.get(), &p);
    av_packet_free_side_data(box.get());  // one configuration per part: no in-band change
    box->pos = -1;
    pending_.push_back(
        Held{std::move(box), track, out_dts, pts_ms - base_ms_, duration_ms, shown_utc_ms});
    frames_[track]++;
    first_ms_ = std::min(first_ms_, std::max<std::int64_t>(pts_ms, dts_ms));
    end_ms_ = std::max(end_ms_, pts_ms + duration_ms);
    first_utc_ms_ = std::min(first_utc_ms_, shown_utc_ms);
    end_utc_ms_ = std::max(end_utc_ms_, shown_utc_ms + duration_ms);
    if (!started_) {
      const bool both = locked_[kVideo] && locked_[kAudio];
      const bool waited = out_dts - pending_.front().dts_ms >= kPartHeaderWaitMs;
      if (both || waited || !has_other_track) {
        if (auto r = start(); !r) return r;
      }
    }
    if (started_) return flush(false);
    return true;
  }

  void add_segment(std::uint64_t index) { segments_.insert(index); }

  // Writes what is held and the trailer. With `next_clip_ms` (where the
  // next part starts, in the same run of the timeline) the last video frame
  // lasts until then, so that the parts meet.
  Result<ExportPart> finish(std::optional<std::int64_t> next_clip_ms = std::nullopt) {
    if (!started_) {
      if (auto r = start(); !r) return r.error();
    }
    if (next_clip_ms) {
      for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
        if (it->track != kVideo) continue;
        const std::int64_t until = *next_clip_ms - base_ms_;
        const std::int64_t hold = until - it->dts_ms;
        if (hold > it->duration_ms && hold <= kMaxHoldMs) {
          end_ms_ = std::max(end_ms_, *next_clip_ms);
          end_utc_ms_ = std::max(end_utc_ms_, it->shown_utc_ms + hold);
          it->duration_ms = hold;
        }
        break;
      }
    }
    if (auto r = flush(true); !r) return r.error();
    if (int rc = av_write_trailer(oc_.get()); rc < 0)
      return make_error("cannot finish part " + std::to_string(number_) + ": " + av_error(rc));
    oc_.reset();
    ExportPart part;
    part.file = tmp_;
    part.video_frames = frames_[kVideo];
    part.audio_frames = frames_[kAudio];
    if (const auto& v = locked_[kVideo]) {
      part.video_codec = avcodec_get_name(v->codec_id);
      part.width = static_cast<std::uint32_t>(std::max(0, v->width));
      part.height = static_cast<std::uint32_t>(std::max(0, v->height));
    }
    if (const auto& a = locked_[kAudio]) part.audio_codec = avcodec_get_name(a->codec_id);
    part.segments.assign(segments_.begin(), segments_.end());
    return part;
  }

  // Clip time the part starts (its first frame shown) and ends.
  std::int64_t first_ms() const {
    return number_ == 1 ? std::max<std::int64_t>(0, first_ms_) : first_ms_;
  }
  std::int64_t end_ms() const { return end_ms_; }
  std::int64_t first_utc_ms() const { return first_utc_ms_; }
  std::int64_t end_utc_ms() const { return end_utc_ms_; }

 private:
  struct Held {
    PacketBox packet;
    int track;
    std::int64_t dts_ms, pts_ms, duration_ms, shown_utc_ms;
  };

  Result<bool> start() {
    AVFormatContext* raw = nullptr;
    if (int rc = avformat_alloc_output_context2(&raw, nullptr, "mp4", tmp_.c_str()); rc < 0)
      return make_error("cannot create an MP4: " + av_error(rc));
    oc_.reset(raw);
    for (int t : {kVideo, kAudio}) {
      if (!locked_[t]) continue;
      AVStream* s = avformat_new_stream(oc_.get(), nullptr);
      avcodec_parameters_copy(s->codecpar, locked_[t].get());
      s->codecpar->codec_tag = 0;
      s->time_base = AVRational{1, 1000};
      index_[t] = s->index;
    }
    if (int rc = avio_open(&oc_->pb, tmp_.c_str(), AVIO_FLAG_WRITE); rc < 0)
      return make_error("cannot write part " + std::to_string(number_) + ": " + av_error(rc));
    AVDictionary* opts = nullptr;
    av_dict_set(&opts, "movflags", "+faststart", 0);
    const int rc = avformat_write_header(oc_.get(), &opts);
    av_dict_free(&opts);
    if (rc < 0)
      return make_error("cannot start part " + std::to_string(number_) + ": " + av_error(rc));
    started_ = true;
    return true;
  }

  // Writes what is pending; but for `all`, the last video frame stays until
  // the next one (or finish) says how long it lasts.
  Result<bool> flush(bool all) {
    std::optional<Held> keep;
    if (!all) {
      for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
        if (it->track != kVideo) continue;
        keep = std::move(*it);
        pending_.erase(std::next(it).base());
        break;
      }
    }
    for (auto& h : pending_) {
      if (index_[h.track] < 0) continue;  // a track that came after the header: not in this part
      AVStream* os = oc_->streams[index_[h.track]];
      h.packet->stream_index = index_[h.track];
      h.packet->dts = av_rescale_q(h.dts_ms, AVRational{1, 1000}, os->time_base);
      h.packet->pts = av_rescale_q(h.pts_ms, AVRational{1, 1000}, os->time_base);
      h.packet->duration = av_rescale_q(h.duration_ms, AVRational{1, 1000}, os->time_base);
      if (int w = av_interleaved_write_frame(oc_.get(), h.packet.get()); w < 0)
        return make_error("cannot write part " + std::to_string(number_) + ": " + av_error(w));
    }
    pending_.clear();
    if (keep) pending_.push_back(std::move(*keep));
    return true;
  }

  const int number_;
  const fs::path tmp_;
  std::int64_t base_ms_ = 0;
  Output oc_;
  bool started_ = false;
  Params locked_[2];
  int index_[2] = {-1, -1};
  std::int64_t last_out_[2] = {INT64_MIN, INT64_MIN};
  std::uint64_t frames_[2] = {0, 0};
  std::int64_t first_ms_ = INT64_MAX;
  std::int64_t end_ms_ = INT64_MIN;
  std::int64_t first_utc_ms_ = INT64_MAX;
  std::int64_t end_utc_ms_ = INT64_MIN;
  std::vector<Held> pending_;
  std::set<std::uint64_t> segments_;
};

}  // namespace

Result<ExportResult> export_clip(const fs::path& dir, std::int64_t from_utc_ms,
                                 std::int64_t to_utc_ms, const fs::path& out, const SigningKey& key,
                                 const json::object& about) {
  if (to_utc_ms <= from_utc_ms) return make_error("the range ends before it starts");
  // libavformat's progress chatter would bury the one line a person needs.
  av_log_set_level(AV_LOG_ERROR);
  const VerifyReport report = verify_stream_dir(dir, key);
  if (!report.ok) return make_error("the recording does not verify, no clip cut: " + report.error);

  ExportResult result;
  result.sidecar = out.string() + ".json";
  std::error_code exists_ec;
  if (fs::exists(out, exists_ec) || fs::exists(result.sidecar, exists_ec))
    return make_error(out.filename().string() + " exists and is not replaced");
  json::array sources, gaps;
  const std::vector<std::int64_t> runs = run_offsets(report.lines);
  std::vector<std::int64_t> wall_minus_media;  // of each source segment, by its run
  for (std::size_t i = 0; i < report.lines.size(); ++i) {
    const ManifestLine& l = report.lines[i];
    if (l.kind == LineKind::segment) {
      // A segment is chosen by where its run's mapping puts its media: it
      // reaches to where the next segment of the run begins.
      const std::int64_t begins = l.first_ts_ms + runs[i];
      std::int64_t ends = l.last_ts_ms + runs[i] + kMaxFrameMs;
      if (i + 1 < report.lines.size() && report.lines[i + 1].kind == LineKind::segment &&
          runs[i + 1] == runs[i])
        ends = report.lines[i + 1].first_ts_ms + runs[i + 1];
      if (ends <= from_utc_ms || begins >= to_utc_ms) continue;
    } else if (l.end_utc_ms <= from_utc_ms || l.start_utc_ms >= to_utc_ms) {
      continue;
    }
    if (l.kind == LineKind::segment) {
      result.segments.push_back(l);
      wall_minus_media.push_back(runs[i]);
      sources.push_back(segment_json(l, report.line_sha256[i]));
    } else {
      gaps.push_back(json::object{{"index", l.index},
                                  {"reason", l.reason},
                                  {"start_utc_ms", l.start_utc_ms},
                                  {"end_utc_ms", l.end_utc_ms}});
    }
  }
  if (result.segments.empty())
    return make_error("nothing was recorded between " + base::format_utc_ms(from_utc_ms) + " and " +
                      base::format_utc_ms(to_utc_ms));

  // Clip time 0 is `from` (or the first recorded moment after it). Times
  // map between wall clock and the stream timeline through the mapping of
  // each segment's run (run_offsets).
  const ManifestLine& first = result.segments.front();
  const std::int64_t zero_utc = std::max(from_utc_ms, first.first_ts_ms + wall_minus_media.front());
  const std::int64_t zero_ts = zero_utc - wall_minus_media.front();

  // The clip must start on a keyframe to decode without re-encoding: find
  // the last one at or before `from`.
  std::int64_t video_start_ts = zero_ts;
  {
    auto first_in = open_segment(dir / first.file);
    if (!first_in) return first_in.error();
    std::int64_t best = -1, first_key = -1;
    auto scan = each_packet(first_in->get(),
                            [&](AVPacket& p, AVMediaType t, std::int64_t dts, std::int64_t) {
                              if (t != AVMEDIA_TYPE_VIDEO || !(p.flags & AV_PKT_FLAG_KEY)) return;
                              if (dts <= zero_ts) best = dts;
                              if (first_key < 0 && dts >= zero_ts) first_key = dts;
                            });
    if (!scan) return scan.error();
    video_start_ts = best >= 0 ? best : first_key >= 0 ? first_key : zero_ts;
  }

  const fs::path folder = out.parent_path();
  const std::string stem = out.stem().string();
  const std::string ext = out.extension().string();
  std::vector<ExportPart> parts;
  std::optional<Part> part;
  // A part that ended at a change of configuration waits for the next
  // part's first frame, which says how long its last frame lasts.
  std::optional<Part> ending;
  std::int64_t ending_run = 0, part_run = 0;
  // The first video frame past `to` (clip time and run): the last part's
  // last frame is shown until it, or `to`, whichever comes first.
  std::optional<std::pair<std::int64_t, std::int64_t>> after_end;
  Params current[2];
  std::string error;
  auto tmp_name = [&](int n) {
    return folder / ("." + stem + ".part" + std::to_string(n) + ".tmp");
  };
  auto cleanup = [&] {
    std::error_code ec;
    if (part) fs::remove(tmp_name(part->number()), ec);
    if (ending) fs::remove(tmp_name(ending->number()), ec);
    for (const auto& p : parts) fs::remove(p.file, ec);
  };
  // Finishes the part that is ending; `next_clip_ms` is where the next part
  // starts, when it is in the same run of the timeline.
  auto finish_ending = [&](std::optional<std::int64_t> next_clip_ms) -> bool {
    if (!ending) return true;
    auto done = ending->finish(next_clip_ms);
    if (!done) {
      error = done.error().message;
      return false;
    }
    // The first part shows `from` first (its edit list skips what lies before).
    done->start_utc_ms = ending->number() == 1 ? std::max(ending->first_utc_ms(), from_utc_ms)
                                               : ending->first_utc_ms();
    done->end_utc_ms = ending->end_utc_ms();
    result.duration_ms += ending->end_ms() - ending->first_ms();
    parts.push_back(std::move(*done));
    ending.reset();
    return true;
  };
  auto finish_part = [&]() -> bool {
    if (!part) return true;
    if (!finish_ending(std::nullopt)) return false;
    ending.emplace(std::move(*part));
    ending_run = part_run;
    part.reset();
    return true;
  };
  // Opens the next part at a keyframe at `clip_ms`, of the run `run`.
  auto open_part = [&](std::int64_t clip_ms, std::int64_t run) -> bool {
    if (!finish_ending(ending_run == run ? std::optional(clip_ms) : std::nullopt)) return false;
    const int number = static_cast<int>(parts.size()) + 1;
    part.emplace(number, tmp_name(number),
                 number == 1 ? std::max<std::int64_t>(0, clip_ms) : clip_ms);
    part_run = run;
    return true;
  };
  // A track's configuration changes: the part that already carries the
  // old one ends there.
  auto change = [&](int track, Params next) {
    if (same_config(current[track], next)) return;
    current[track] = std::move(next);
    if (part && (part->carries(track) || part->started())) finish_part();
  };

  for (std::size_t k = 0; k < result.segments.size() && error.empty(); ++k) {
    const ManifestLine& seg = result.segments[k];
    // Clip time = source timestamp + offset; wall clock = clip time + zero_utc.
    const std::int64_t offset = wall_minus_media[k] - zero_utc;
    auto in = open_segment(dir / seg.file);
    if (!in) {
      cleanup();
      return in.error();
    }
    // A segment starts with the configuration it opens with.
    Params opened[2];
    for (unsigned i = 0; i < (*in)->nb_streams; ++i) {
      const AVCodecParameters* par = (*in)->streams[i]->codecpar;
      const int t = par->codec_type == AVMEDIA_TYPE_VIDEO   ? kVideo
                    : par->codec_type == AVMEDIA_TYPE_AUDIO ? kAudio
                                                            : -1;
      if (t < 0 || opened[t]) continue;
      opened[t] = copy_params(par);
      // The size the MP4 header needs comes from the configuration record
      // when libavformat could not decode a frame to learn it.
      if (t == kVideo && par->width == 0 && par->extradata_size > 0)
        opened[t] = with_extradata(opened[t], par->extradata,
                                   static_cast<std::size_t>(par->extradata_size));
    }
    for (int t : {kVideo, kAudio}) change(t, opened[t]);
    if (!error.empty()) break;
    const std::int64_t end_ts = to_utc_ms - wall_minus_media[k];
    auto rc =
        each_packet(in->get(), [&](AVPacket& p, AVMediaType t, std::int64_t dts, std::int64_t pts) {
          if (!error.empty()) return;
          const int track = t == AVMEDIA_TYPE_VIDEO ? kVideo : kAudio;
          if (!current[track]) return;
          std::size_t side_size = 0;
          if (const std::uint8_t* side =
                  av_packet_get_side_data(&p, AV_PKT_DATA_NEW_EXTRADATA, &side_size);
              side && side_size > 0) {
            change(track, with_extradata(current[track], side, side_size));
            if (!error.empty()) return;
          }
          if (dts >= end_ts) {
            if (track == kVideo && !after_end) after_end.emplace(dts + offset, wall_minus_media[k]);
            return;
          }
          // Audio starts with the keyframe video starts at, so the first part's
          // header carries both tracks; a part begun with video alone would end
          // at the first audio frame (the edit list still shows `from` first).
          if (k == 0 && (track == kVideo ? dts : pts) < video_start_ts) return;
          const bool key = p.flags & AV_PKT_FLAG_KEY;
          if (!part) {
            // A part opens at a keyframe (or with audio, for a stream without video).
            if (track == kVideo ? !key : current[kVideo] != nullptr) return;
            if (!open_part(dts + offset, wall_minus_media[k])) return;
          } else if (part->started() && !part->carries(track)) {
            // A track that was not there when the part began: the next part
            // carries both, from the next keyframe.
            if (!finish_part()) return;
            if (track == kVideo ? !key : current[kVideo] != nullptr) return;
            if (!open_part(dts + offset, wall_minus_media[k])) return;
          }
          const AVRational in_tb = (*in)->streams[p.stream_index]->time_base;
          const std::int64_t duration = av_rescale_q(p.duration, in_tb, AVRational{1, 1000});
          const int other = track == kVideo ? kAudio : kVideo;
          // Placed by decode time, by its run's mapping; display order only
          // shifts a part by its reordering delay.
          const std::int64_t shown_utc = dts + wall_minus_media[k];
          auto added = part->add(p, track, current[track], dts + offset, pts + offset, duration,
                                 shown_utc, current[other] != nullptr);
          if (!added) {
            error = added.error().message;
            return;
          }
          if (*added) {
            part->add_segment(seg.index);
            result.packets++;
          }
        });
    if (!rc) error = rc.error().message;
  }
  if (error.empty() && finish_part()) {
    std::optional<std::int64_t> until;
    if (after_end && after_end->second == ending_run)
      until = std::min(after_end->first, to_utc_ms - zero_utc);
    finish_ending(until);
  }
  if (!error.empty()) {
    cleanup();
    return make_error(error);
  }
  if (parts.empty())
    return make_error("no frame to show between " + base::format_utc_ms(from_utc_ms) + " and " +
                      base::format_utc_ms(to_utc_ms));

  // Final names, hashes, then the sidecar that lists them.
  json::array part_list;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    ExportPart& p = parts[i];
    const fs::path final =
        parts.size() == 1 ? out : folder / (stem + "-part" + std::to_string(i + 1) + ext);
    if (auto r = publish_file(p.file, final); !r) {
      for (std::size_t j = 0; j < parts.size(); ++j) {
        std::error_code ec;
        fs::remove(parts[j].file, ec);
      }
      return r.error();
    }
    p.file = final;
    auto sha = sha256_file(final, &p.size_bytes);
    if (!sha) return sha.error();
    p.sha256 = *sha;
    json::object video, audio;
    json::array segs;
    for (auto s : p.segments) segs.push_back(s);
    part_list.push_back(json::object{
        {"part", i + 1},
        {"file", final.filename().string()},
        {"sha256", p.sha256},
        {"size_bytes", p.size_bytes},
        {"start_utc", base::format_utc_ms(p.start_utc_ms)},
        {"end_utc", base::format_utc_ms(p.end_utc_ms)},
        {"start_utc_ms", p.start_utc_ms},
        {"end_utc_ms", p.end_utc_ms},
        {"duration_ms", p.end_utc_ms - p.start_utc_ms},
        {"video_frames", p.video_frames},
        {"audio_frames", p.audio_frames},
        {"video", p.video_codec.empty()
                      ? json::value(nullptr)
                      : json::value(json::object{
                            {"codec", p.video_codec}, {"width", p.width}, {"height", p.height}})},
        {"audio", p.audio_codec.empty() ? json::value(nullptr)
                                        : json::value(json::object{{"codec", p.audio_codec}})},
        {"segments", std::move(segs)}});
  }
  result.parts = std::move(parts);

  const ManifestLine& last_line = report.lines.back();
  json::object sidecar{
      {"parts", std::move(part_list)},
      {"session", first.session},
      {"stream", first.stream},
      {"recording", first.session + "/" + first.stream},
      {"from_utc", base::format_utc_ms(from_utc_ms)},
      {"to_utc", base::format_utc_ms(to_utc_ms)},
      {"from_utc_ms", from_utc_ms},
      {"to_utc_ms", to_utc_ms},
      {"key_id", last_line.key_id},
      {"manifest_lines", report.lines.size()},
      {"manifest_head_sha256", report.head_sha256},
      {"remux",
       "stream copy (no re-encoding); one MP4 part per run of one codec configuration, each "
       "starting at a keyframe; the first starts at the keyframe at or before from_utc and an "
       "edit list starts playback at from_utc"},
      {"segments", std::move(sources)},
      {"gaps", std::move(gaps)},
  };
  if (!about.empty()) sidecar["export"] = about;
  const fs::path sidecar_tmp = folder / ("." + stem + ".json.tmp");
  {
    const std::string text = json::serialize(sidecar) + "\n";
    const int fd = ::open(sidecar_tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      if (fd >= 0) ::close(fd);
      return make_error("cannot write " + result.sidecar.filename().string());
    }
    ::close(fd);
  }
  if (auto r = publish_file(sidecar_tmp, result.sidecar); !r) return r.error();
  auto side_sha = sha256_file(result.sidecar, nullptr);
  if (!side_sha) return side_sha.error();
  result.sidecar_sha256 = *side_sha;
  return result;
}

}  // namespace courtcast::record
