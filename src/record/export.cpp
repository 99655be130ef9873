#include "record/export.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <memory>

#include "record/clock.hpp"
#include "record/verify.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;
namespace json = boost::json;
using media::make_error;

namespace {

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

Result<Input> open_segment(const fs::path& file) {
  AVFormatContext* raw = nullptr;
  if (int rc = avformat_open_input(&raw, file.c_str(), nullptr, nullptr); rc < 0)
    return make_error("cannot open " + file.string() + ": " + av_error(rc));
  Input in(raw);
  if (int rc = avformat_find_stream_info(in.get(), nullptr); rc < 0)
    return make_error("cannot read streams of " + file.string() + ": " + av_error(rc));
  return in;
}

// Reads every packet of a segment in file order, with timestamps in ms.
Result<bool> each_packet(AVFormatContext* in,
                         const std::function<void(AVPacket&, AVMediaType, std::int64_t dts_ms,
                                                  std::int64_t pts_ms)>& fn) {
  std::unique_ptr<AVPacket, PacketFree> pkt(av_packet_alloc());
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
                      {"start_utc", format_utc_ms(l.start_utc_ms)},
                      {"end_utc", format_utc_ms(l.end_utc_ms)},
                      {"recovered", l.recovered},
                      {"line_sha256", line_sha256}};
}

}  // namespace

Result<ExportResult> export_clip(const fs::path& dir, std::int64_t from_utc_ms,
                                 std::int64_t to_utc_ms, const fs::path& out,
                                 const SigningKey& key) {
  if (to_utc_ms <= from_utc_ms) return make_error("the range ends before it starts");
  // libavformat's progress chatter would bury the one line a person needs.
  av_log_set_level(AV_LOG_ERROR);
  const VerifyReport report = verify_stream_dir(dir, key);
  if (!report.ok) return make_error("the recording does not verify, no clip cut: " + report.error);

  ExportResult result;
  result.clip = out;
  result.sidecar = out.string() + ".json";
  json::array sources, gaps;
  for (std::size_t i = 0; i < report.lines.size(); ++i) {
    const ManifestLine& l = report.lines[i];
    if (l.end_utc_ms <= from_utc_ms || l.start_utc_ms >= to_utc_ms) continue;
    if (l.kind == LineKind::Segment) {
      result.segments.push_back(l);
      sources.push_back(segment_json(l, report.line_sha256[i]));
    } else {
      gaps.push_back(json::object{{"index", l.index},
                                  {"reason", l.reason},
                                  {"start_utc_ms", l.start_utc_ms},
                                  {"end_utc_ms", l.end_utc_ms}});
    }
  }
  if (result.segments.empty())
    return make_error("nothing was recorded between " + format_utc_ms(from_utc_ms) + " and " +
                      format_utc_ms(to_utc_ms));

  // Times map from wall clock to the stream timeline through each segment's
  // own start, so that the clock drift of a long recording does not add up.
  const ManifestLine& first = result.segments.front();
  const std::int64_t zero_ts =
      first.first_ts_ms + std::max<std::int64_t>(0, from_utc_ms - first.start_utc_ms);

  auto first_in = open_segment(dir / first.file);
  if (!first_in) return first_in.error();
  AVFormatContext* oc_raw = nullptr;
  if (int rc = avformat_alloc_output_context2(&oc_raw, nullptr, "mp4", out.c_str()); rc < 0)
    return make_error("cannot create " + out.string() + ": " + av_error(rc));
  Output oc(oc_raw);
  int out_video = -1, out_audio = -1;
  for (unsigned i = 0; i < (*first_in)->nb_streams; ++i) {
    const AVCodecParameters* par = (*first_in)->streams[i]->codecpar;
    int* slot = par->codec_type == AVMEDIA_TYPE_VIDEO   ? &out_video
                : par->codec_type == AVMEDIA_TYPE_AUDIO ? &out_audio
                                                        : nullptr;
    if (!slot || *slot >= 0) continue;
    AVStream* s = avformat_new_stream(oc.get(), nullptr);
    avcodec_parameters_copy(s->codecpar, par);
    s->codecpar->codec_tag = 0;
    s->time_base = AVRational{1, 1000};
    *slot = s->index;
  }
  if (out_video < 0 && out_audio < 0) return make_error(first.file + " holds no audio or video");
  if (int rc = avio_open(&oc->pb, out.c_str(), AVIO_FLAG_WRITE); rc < 0)
    return make_error("cannot write " + out.string() + ": " + av_error(rc));
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "+faststart", 0);
  const int header_rc = avformat_write_header(oc.get(), &opts);
  av_dict_free(&opts);
  if (header_rc < 0) return make_error("cannot start " + out.string() + ": " + av_error(header_rc));

  // The clip must start on a keyframe to decode without re-encoding: find
  // the last one at or before `from`.
  std::int64_t video_start_ts = zero_ts;
  if (out_video >= 0) {
    std::int64_t best = -1, first_key = -1;
    auto scan = each_packet(first_in->get(),
                            [&](AVPacket& p, AVMediaType t, std::int64_t dts, std::int64_t) {
                              if (t != AVMEDIA_TYPE_VIDEO || !(p.flags & AV_PKT_FLAG_KEY)) return;
                              if (dts <= zero_ts) best = dts;
                              if (first_key < 0 && dts >= zero_ts) first_key = dts;
                            });
    if (!scan) return scan.error();
    video_start_ts = best >= 0 ? best : first_key >= 0 ? first_key : zero_ts;
    first_in->reset();
  }

  // Clip time = source timestamp + offset. Within one run of the server the
  // stream's timeline is continuous across segments (and across camera
  // drop-outs); after a restart it begins again, so such a segment is placed
  // by its wall-clock start instead.
  std::int64_t offset = -zero_ts;
  std::int64_t last_out[2] = {INT64_MIN, INT64_MIN};
  std::int64_t max_end = 0;
  std::string write_error;
  for (std::size_t k = 0; k < result.segments.size() && write_error.empty(); ++k) {
    const ManifestLine& seg = result.segments[k];
    if (k > 0) {
      const ManifestLine& prev = result.segments[k - 1];
      const std::int64_t wall_step = seg.start_utc_ms - prev.end_utc_ms;
      const std::int64_t ts_step = seg.first_ts_ms - prev.last_ts_ms;
      if (ts_step < 0 || ts_step > wall_step + 2000)
        offset = (seg.start_utc_ms - from_utc_ms) - seg.first_ts_ms;
    }
    auto in = open_segment(dir / seg.file);
    if (!in) return in.error();
    const std::int64_t end_ts = seg.first_ts_ms + (to_utc_ms - seg.start_utc_ms);
    auto rc =
        each_packet(in->get(), [&](AVPacket& p, AVMediaType t, std::int64_t dts, std::int64_t pts) {
          if (!write_error.empty()) return;
          const bool video = t == AVMEDIA_TYPE_VIDEO;
          const int out_index = video ? out_video : out_audio;
          if (out_index < 0 || dts >= end_ts) return;
          if (k == 0 && (video ? dts < video_start_ts : pts < zero_ts)) return;
          // Segments meet at a keyframe; never repeat or step back across them.
          const std::int64_t out_dts = dts + offset;
          std::int64_t& last = last_out[video ? 0 : 1];
          if (out_dts <= last) return;
          last = out_dts;
          AVStream* os = oc->streams[out_index];
          const AVRational in_tb = (*in)->streams[p.stream_index]->time_base;
          p.stream_index = out_index;
          p.dts = av_rescale_q(out_dts, AVRational{1, 1000}, os->time_base);
          p.pts = av_rescale_q(pts + offset, AVRational{1, 1000}, os->time_base);
          p.duration = av_rescale_q(p.duration, in_tb, os->time_base);
          p.pos = -1;
          max_end = std::max(max_end, pts + offset);
          if (int w = av_interleaved_write_frame(oc.get(), &p); w < 0) write_error = av_error(w);
          result.packets++;
        });
    if (!rc) return rc.error();
  }
  if (!write_error.empty()) return make_error("cannot write " + out.string() + ": " + write_error);
  if (int rc = av_write_trailer(oc.get()); rc < 0)
    return make_error("cannot finish " + out.string() + ": " + av_error(rc));
  oc.reset();
  result.duration_ms = max_end;

  std::uint64_t clip_size = 0;
  auto clip_sha = sha256_file(out, &clip_size);
  if (!clip_sha) return clip_sha.error();
  const ManifestLine& last_line = report.lines.back();
  json::object sidecar{
      {"clip", out.filename().string()},
      {"clip_sha256", *clip_sha},
      {"clip_size_bytes", clip_size},
      {"session", first.session},
      {"stream", first.stream},
      {"from_utc", format_utc_ms(from_utc_ms)},
      {"to_utc", format_utc_ms(to_utc_ms)},
      {"from_utc_ms", from_utc_ms},
      {"to_utc_ms", to_utc_ms},
      {"source_dir", fs::absolute(dir).lexically_normal().string()},
      {"key_id", last_line.key_id},
      {"manifest_lines", report.lines.size()},
      {"manifest_head_sha256", report.head_sha256},
      {"remux",
       "stream copy (no re-encoding); starts at the keyframe at or before from_utc, "
       "an edit list starts playback at from_utc"},
      {"segments", std::move(sources)},
      {"gaps", std::move(gaps)},
  };
  std::ofstream side(result.sidecar, std::ios::trunc);
  side << json::serialize(sidecar) << "\n";
  if (!side) return make_error("cannot write " + result.sidecar.string());
  return result;
}

}  // namespace courtcast::record
