#include "program/air_graphics.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstring>

#include "base/log_value.hpp"
#include "base/unicode.hpp"
#include "media/flv.hpp"

extern "C" {
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

namespace courtcast::program {

std::string slate_message_problem(const std::string& message) {
  if (message.empty()) return "must not be empty";
  if (message.size() > kSlateMessageMaxBytes)
    return "at most " + std::to_string(kSlateMessageMaxBytes) + " bytes";
  if (auto bad = base::unsafe_text(message)) return "contains " + *bad;
  if (message.find_first_of("\r\n\t") != std::string::npos) return "one line, without tabs";
  return {};
}

bool valid_slate_background(const std::string& background) {
  if (background == kSlateOnCard) return true;
  if (background.size() != 7 || background[0] != '#') return false;
  for (std::size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(background[i]))) return false;
  return true;
}

namespace {

// A filter with its options set one by one (no filtergraph escaping: texts
// from the court go in as they are).
AVFilterContext* add_filter(AVFilterGraph* graph, const char* filter, const char* name,
                            std::initializer_list<std::pair<const char*, std::string>> options) {
  const AVFilter* def = avfilter_get_by_name(filter);
  if (!def) return nullptr;
  AVFilterContext* ctx = avfilter_graph_alloc_filter(graph, def, name);
  if (!ctx) return nullptr;
  for (const auto& [key, value] : options)
    if (av_opt_set(ctx, key, value.c_str(), AV_OPT_SEARCH_CHILDREN) < 0) return nullptr;
  if (avfilter_init_str(ctx, nullptr) < 0) return nullptr;
  return ctx;
}

std::string scaled(int px, double s) {
  return std::to_string(static_cast<int>(std::lround(px * s)));
}

std::string air_size(const AirFormat& f) {
  return std::to_string(f.width) + "x" + std::to_string(f.height);
}

// A source of air-size yuv420p pictures at air's rate.
AVFilterContext* air_source(AVFilterGraph* g, const AirFormat& f) {
  return add_filter(g, "buffer", "in",
                    {{"video_size", air_size(f)},
                     {"pix_fmt", std::to_string(AV_PIX_FMT_YUV420P)},
                     {"time_base", "1/" + std::to_string(f.fps)},
                     {"pixel_aspect", "1/1"}});
}

// Links filters one after another; the first failure sticks.
struct Chain {
  AVFilterContext* last;
  bool ok = true;
  void operator()(AVFilterContext* next) {
    if (!ok) return;
    if (!next || avfilter_link(last, 0, next, 0) < 0) {
      ok = false;
      return;
    }
    last = next;
  }
};

}  // namespace

bool FitToAir::rebuild(const AVFrame* frame) {
  const AVRational sar =
      frame->sample_aspect_ratio.num > 0 ? frame->sample_aspect_ratio : AVRational{1, 1};
  if (graph_ && frame->width == w_ && frame->height == h_ && frame->format == fmt_ &&
      av_cmp_q(sar, sar_) == 0)
    return true;
  graph_.reset();
  av::Graph g(avfilter_graph_alloc());
  g->nb_threads = 1;
  char args[256];
  std::snprintf(args, sizeof args,
                "video_size=%dx%d:pix_fmt=%d:time_base=1/1000:pixel_aspect=%d/%d", frame->width,
                frame->height, frame->format, sar.num, sar.den);
  AVFilterContext *src = nullptr, *sink = nullptr;
  if (avfilter_graph_create_filter(&src, avfilter_get_by_name("buffer"), "in", args, nullptr,
                                   g.get()) < 0 ||
      avfilter_graph_create_filter(&sink, avfilter_get_by_name("buffersink"), "out", nullptr,
                                   nullptr, g.get()) < 0)
    return false;
  char desc[512];
  std::snprintf(desc, sizeof desc,
                "scale=w=%d:h=%d:force_original_aspect_ratio=decrease:force_divisible_by=2:"
                "flags=bilinear,pad=w=%d:h=%d:x=(ow-iw)/2:y=(oh-ih)/2:color=black,setsar=1,"
                "format=yuv420p",
                f_.width, f_.height, f_.width, f_.height);
  AVFilterInOut* outputs = avfilter_inout_alloc();
  AVFilterInOut* inputs = avfilter_inout_alloc();
  outputs->name = av_strdup("in");
  outputs->filter_ctx = src;
  inputs->name = av_strdup("out");
  inputs->filter_ctx = sink;
  const int rc = avfilter_graph_parse_ptr(g.get(), desc, &inputs, &outputs, nullptr);
  avfilter_inout_free(&inputs);
  avfilter_inout_free(&outputs);
  if (rc < 0 || avfilter_graph_config(g.get(), nullptr) < 0) return false;
  graph_ = std::move(g);
  src_ = src;
  sink_ = sink;
  w_ = frame->width;
  h_ = frame->height;
  fmt_ = frame->format;
  sar_ = sar;
  spdlog::info("event=air_encoder_input encoder={} width={} height={} pix_fmt={}",
               base::log_value(label_), w_, h_,
               av_get_pix_fmt_name(static_cast<AVPixelFormat>(fmt_)) ?: "?");
  return true;
}

bool FitToAir::push(const AVFrame* frame) {
  if (!rebuild(frame)) return false;
  return av_buffersrc_add_frame_flags(src_, const_cast<AVFrame*>(frame),
                                      AV_BUFFERSRC_FLAG_KEEP_REF) >= 0;
}

bool FitToAir::pull(AVFrame* out) {
  return graph_ && av_buffersink_get_frame(sink_, out) >= 0;
}

void GraphicsOverlay::set(const Graphics& graphics) {
  if (graphics == graphics_) return;
  graphics_ = graphics;
  dirty_ = true;
}

void GraphicsOverlay::set_clock_origin(std::int64_t epoch_ms) {
  clock_epoch_ms_ = epoch_ms;
  dirty_ = true;
}

// buffer → [lower-third band, title, caption] → [clock] → [直播] → [emblem] → sink
media::Result<void> GraphicsOverlay::build() {
  dirty_ = false;
  graph_.reset();
  src_ = sink_ = nullptr;
  const Graphics& gr = graphics_;
  if (gr.overlay_empty()) return {};
  av::Graph g(avfilter_graph_alloc());
  g->nb_threads = 1;
  const double s = f_.height / 720.0;
  AVFilterContext* src = air_source(g.get(), f_);
  AVFilterContext* sink = add_filter(g.get(), "buffersink", "out", {});
  if (!src || !sink) return media::make_error("air graphics: cannot make the filter graph");
  Chain chain{src};
  const std::string font = gr.font_path;
  auto text = [&](const char* name, const std::string& value, int size, const std::string& x,
                  const std::string& y, const std::string& box) {
    chain(add_filter(g.get(), "drawtext", name,
                     {{"fontfile", font},
                      {"text", value},
                      {"expansion", "none"},
                      {"fontsize", scaled(size, s)},
                      {"fontcolor", "white"},
                      {"x", x},
                      {"y", y},
                      {"box", box.empty() ? "0" : "1"},
                      {"boxcolor", box.empty() ? "black@0" : box},
                      {"boxborderw", scaled(8, s)}}));
  };
  if (gr.show_caption && (!gr.title.empty() || !gr.caption.empty())) {
    chain(add_filter(g.get(), "drawbox", "band",
                     {{"x", "0"},
                      {"y", "ih-" + scaled(150, s)},
                      {"w", "iw"},
                      {"h", scaled(120, s)},
                      {"color", "0x1f3b63@0.8"},
                      {"t", "fill"}}));
    if (!gr.title.empty()) text("title", gr.title, 40, scaled(48, s), "h-" + scaled(138, s), "");
    if (!gr.caption.empty())
      text("caption", gr.caption, 30, scaled(48, s), "h-" + scaled(80, s), "");
  }
  if (gr.show_clock) {
    // pts runs from air tick 0; gmtime shifted by +8 h is Beijing time.
    const double epoch_s = static_cast<double>(clock_epoch_ms_) / 1000.0 + 8 * 3600;
    char value[96];
    std::snprintf(value, sizeof value, "%%{pts:gmtime:%.3f:%%Y-%%m-%%d %%H\\:%%M\\:%%S}", epoch_s);
    chain(add_filter(g.get(), "drawtext", "clock",
                     {{"fontfile", font},
                      {"text", value},
                      {"fontsize", scaled(30, s)},
                      {"fontcolor", "white"},
                      {"x", "w-tw-" + scaled(32, s)},
                      {"y", scaled(28, s)},
                      {"box", "1"},
                      {"boxcolor", "black@0.45"},
                      {"boxborderw", scaled(8, s)}}));
  }
  if (gr.show_live_tag)
    text("live", "直播", 30, "w-tw-" + scaled(32, s), scaled(82, s), "0xd0021b@0.9");
  if (gr.show_emblem && !gr.emblem_path.empty() && chain.ok) {
    AVFilterContext* movie = add_filter(g.get(), "movie", "emblem", {{"filename", gr.emblem_path}});
    AVFilterContext* fit =
        add_filter(g.get(), "scale", "emblem_size", {{"w", "-1"}, {"h", scaled(96, s)}});
    AVFilterContext* over =
        add_filter(g.get(), "overlay", "emblem_over", {{"x", scaled(32, s)}, {"y", scaled(24, s)}});
    if (!movie || !fit || !over || avfilter_link(movie, 0, fit, 0) < 0 ||
        avfilter_link(fit, 0, over, 1) < 0)
      chain.ok = false;
    else
      chain(over);
  }
  chain(add_filter(g.get(), "format", "fmt", {{"pix_fmts", "yuv420p"}}));
  chain(sink);
  if (!chain.ok || avfilter_graph_config(g.get(), nullptr) < 0)
    return media::make_error("air graphics: the filter graph was refused (font or emblem file?)");
  src_ = src;
  sink_ = sink;
  graph_ = std::move(g);
  return {};
}

void GraphicsOverlay::draw(AVFrame* frame) {
  if (dirty_) {
    if (auto r = build(); !r)
      spdlog::error("event=air_graphics_failed encoder={} error={}", base::log_value(label_),
                    base::log_value(r.error().message));
  }
  if (!graph_) return;
  if (av_buffersrc_add_frame_flags(src_, frame, AV_BUFFERSRC_FLAG_KEEP_REF) < 0) return;
  // One picture in, one out; should a filter ever hold one back, the newest
  // drawn picture goes out on this frame's tick, so the encoder's clock
  // never repeats or goes back.
  bool drawn = false;
  while (av_buffersink_get_frame(sink_, out_.get()) >= 0) {
    if (drawn) av_frame_unref(drawn_.get());
    av_frame_move_ref(drawn_.get(), out_.get());
    drawn = true;
  }
  if (!drawn) return;
  const auto pict_type = frame->pict_type;
  const auto pts = frame->pts;
  av_frame_unref(frame);
  av_frame_move_ref(frame, drawn_.get());
  frame->pict_type = pict_type;
  frame->pts = pts;
}

media::Result<av::Frame> render_slate(const AirFormat& f, const Graphics& gr,
                                      const AVFrame* card_still) {
  av::Graph g(avfilter_graph_alloc());
  g->nb_threads = 1;
  const double s = f.height / 720.0;
  const bool on_card = card_still && gr.slate_background == kSlateOnCard;
  const std::string colour =
      gr.slate_background == kSlateOnCard ? kDefaultSlateColour : gr.slate_background;
  AVFilterContext* src =
      on_card
          ? air_source(g.get(), f)
          : add_filter(g.get(), "color", "background",
                       {{"color", colour}, {"size", air_size(f)}, {"rate", std::to_string(f.fps)}});
  AVFilterContext* sink = add_filter(g.get(), "buffersink", "out", {});
  if (!src || !sink) return media::make_error("slate: cannot make the filter graph");
  Chain chain{src};
  chain(add_filter(g.get(), "drawtext", "message",
                   {{"fontfile", gr.font_path},
                    {"text", gr.slate_message},
                    {"expansion", "none"},
                    {"fontsize", scaled(64, s)},
                    {"fontcolor", "white"},
                    {"x", "(w-tw)/2"},
                    {"y", "(h-th)/2"},
                    // Over a court's picture the message needs a ground of its own.
                    {"box", on_card ? "1" : "0"},
                    {"boxcolor", on_card ? "black@0.55" : "black@0"},
                    {"boxborderw", scaled(24, s)}}));
  chain(add_filter(g.get(), "format", "fmt", {{"pix_fmts", "yuv420p"}}));
  chain(sink);
  if (!chain.ok || avfilter_graph_config(g.get(), nullptr) < 0)
    return media::make_error("slate: the filter graph was refused (font?)");
  if (on_card && av_buffersrc_add_frame_flags(src, const_cast<AVFrame*>(card_still),
                                              AV_BUFFERSRC_FLAG_KEEP_REF) < 0)
    return media::make_error("slate: the card's picture was refused");
  av::Frame out(av_frame_alloc());
  if (av_buffersink_get_frame(sink, out.get()) < 0)
    return media::make_error("slate: no picture came out of the filter graph");
  out->pict_type = AV_PICTURE_TYPE_NONE;
  return out;
}

media::Result<av::Frame> card_still(const StandbyCard& card, const AirFormat& format) {
  if (card.built_in || !card.video_header) return av::Frame{};
  const auto header = card.video_header->body();
  auto tag = media::parse_video_tag(header);
  if (!tag || !tag->sequence_header) return media::make_error("card: no video configuration");
  const AVCodec* codec = avcodec_find_decoder(
      tag->codec == media::VideoCodec::hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
  if (!codec) return media::make_error("card: no decoder for its video");
  av::CodecCtx dec(avcodec_alloc_context3(codec));
  const std::size_t n = header.size() - tag->header_bytes;
  dec->extradata = static_cast<std::uint8_t*>(av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(dec->extradata, header.data() + tag->header_bytes, n);
  dec->extradata_size = static_cast<int>(n);
  dec->thread_count = 1;
  if (avcodec_open2(dec.get(), codec, nullptr) < 0)
    return media::make_error("card: its video decoder did not open");
  av::Frame picture(av_frame_alloc());
  av::Packet pkt(av_packet_alloc());
  std::vector<std::uint8_t> data;
  bool have = false;
  const auto receive = [&] { have = have || avcodec_receive_frame(dec.get(), picture.get()) == 0; };
  for (const auto& p : card.packets) {
    if (have) break;
    if (!p->is_video() || p->sequence_header) continue;
    auto t = media::parse_video_tag(p->body());
    if (!t || t->header_bytes >= p->body().size()) continue;
    const auto body = p->body();
    data.assign(body.begin() + static_cast<std::ptrdiff_t>(t->header_bytes), body.end());
    data.resize(data.size() + AV_INPUT_BUFFER_PADDING_SIZE);
    pkt->data = data.data();
    pkt->size = static_cast<int>(data.size() - AV_INPUT_BUFFER_PADDING_SIZE);
    pkt->dts = p->dts_ms;
    pkt->pts = p->dts_ms + t->cts_ms;
    avcodec_send_packet(dec.get(), pkt.get());
    pkt->data = nullptr;
    pkt->size = 0;
    receive();
  }
  if (!have) {
    avcodec_send_packet(dec.get(), nullptr);
    receive();
  }
  if (!have) return media::make_error("card: no picture could be decoded");
  picture->pts = 0;
  FitToAir fit(format, "card");
  av::Frame out(av_frame_alloc());
  if (!fit.push(picture.get()) || !fit.pull(out.get()))
    return media::make_error("card: its picture could not be fitted to air");
  return out;
}

}  // namespace courtcast::program
