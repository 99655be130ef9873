#include "program/conformer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>

#include "base/log_value.hpp"
#include "media/flv.hpp"
#include "program/air_graphics.hpp"

extern "C" {
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

namespace courtcast::program {

using media::Packet;
using media::PacketKind;
using media::PacketPtr;

namespace {

struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct FifoFree {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};
using av::CodecCtx;
using av::Frame;
using Swr = std::unique_ptr<SwrContext, SwrFree>;
using Fifo = std::unique_ptr<AVAudioFifo, FifoFree>;

// Where each NAL unit of an Annex B buffer starts and ends (start codes excluded).
template <typename Each>
void each_annexb_nal(const std::uint8_t* data, std::size_t size, Each&& each) {
  std::size_t i = 0, start = std::string::npos;
  while (i + 3 <= size) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      if (start != std::string::npos) {
        std::size_t end = i;
        while (end > start && data[end - 1] == 0) --end;  // the 4-byte form's leading zero
        if (end > start) each(data + start, end - start);
      }
      i += 3;
      start = i;
      continue;
    }
    ++i;
  }
  if (start != std::string::npos && start < size) each(data + start, size - start);
}

// AAC-LC, 48 kHz (index 3), 16-bit, stereo, as FLV's first byte says it.
constexpr std::uint8_t kFlvAacByte = 0xAF;

constexpr std::int64_t kAudioSlackMs = 40;    // jitter an audio timestamp may have
constexpr std::int64_t kTrackLagMs = 500;     // one track this far behind the other is filled
constexpr std::int64_t kReanchorTicks = 250;  // a jump this long is a new timeline, not a gap
constexpr int kAudioFrameSamples = 1024;

}  // namespace

std::vector<std::uint8_t> annexb_to_avcc_nals(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> out;
  out.reserve(size + 16);
  each_annexb_nal(data, size, [&](const std::uint8_t* nal, std::size_t n) {
    const std::uint8_t type = nal[0] & 0x1f;
    if (type == 9) return;  // access unit delimiter: FLV does without
    out.push_back(static_cast<std::uint8_t>(n >> 24));
    out.push_back(static_cast<std::uint8_t>(n >> 16));
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
    out.insert(out.end(), nal, nal + n);
  });
  return out;
}

media::Result<std::vector<std::uint8_t>> avcc_record_from_annexb(const std::uint8_t* data,
                                                                 std::size_t size) {
  std::vector<std::uint8_t> sps, pps;
  each_annexb_nal(data, size, [&](const std::uint8_t* nal, std::size_t n) {
    const std::uint8_t type = nal[0] & 0x1f;
    if (type == 7 && sps.empty()) sps.assign(nal, nal + n);
    if (type == 8 && pps.empty()) pps.assign(nal, nal + n);
  });
  if (sps.size() < 4 || pps.empty())
    return media::make_error("air encoder: no SPS/PPS in the encoder's headers");
  std::vector<std::uint8_t> r = {1, sps[1], sps[2], sps[3], 0xFF, 0xE1};
  r.push_back(static_cast<std::uint8_t>(sps.size() >> 8));
  r.push_back(static_cast<std::uint8_t>(sps.size()));
  r.insert(r.end(), sps.begin(), sps.end());
  r.push_back(1);
  r.push_back(static_cast<std::uint8_t>(pps.size() >> 8));
  r.push_back(static_cast<std::uint8_t>(pps.size()));
  r.insert(r.end(), pps.begin(), pps.end());
  // High profiles carry chroma format and bit depths (ISO/IEC 14496-15 5.3.3.1):
  // 4:2:0, 8-bit, no SPS extensions.
  if (sps[1] == 100 || sps[1] == 110 || sps[1] == 122 || sps[1] == 144)
    r.insert(r.end(), {0xFD, 0xF8, 0xF8, 0x00});
  return r;
}

struct Conformer::Impl {
  Impl(const AirFormat& format, std::string name)
      : f(format), label(std::move(name)), fit(format, label), overlay(format, label) {}

  AirFormat f;
  std::string label;

  CodecCtx venc, aenc;
  PacketPtr video_header, audio_header;
  bool headers_sent = false;

  // Decoders of what is on program now; reopened when a configuration changes.
  CodecCtx vdec, adec;
  media::Bytes vdec_config, adec_config, vdec_wanted, adec_wanted;
  media::VideoCodec vdec_codec = media::VideoCodec::unknown, vdec_wanted_codec{};
  media::AudioCodec adec_codec = media::AudioCodec::unknown;
  bool vdec_need_key = true;

  FitToAir fit;             // camera pictures to the air size
  GraphicsOverlay overlay;  // the court's graphics over every air frame
  // The slate: its look, the card's picture under it, and the picture made
  // of them (rebuilt when one of them changes).
  Graphics slate_look;
  std::shared_ptr<const StandbyCard> card;
  Frame card_picture;
  Frame slate_picture;
  bool slate_dirty = true;

  // Constant rate: tick k is air frame k, at origin + k / fps on program's timeline.
  bool have_origin = false;
  double origin_ms = 0;
  std::int64_t tick = 0;
  Frame held;  // the newest picture, repeated until the next one
  bool held_aired = false;
  std::int64_t held_pts = 0;  // program time of the held picture
  // Program time of the picture in each pending video packet, and of the
  // last one released: how far behind program air is (AirEncoder measures).
  std::deque<std::int64_t> pending_source;
  std::int64_t released_source_pts = -1;

  Swr swr;
  int swr_rate = 0, swr_fmt = -1;
  AVChannelLayout swr_layout{};
  Fifo fifo;
  std::int64_t audio_written = 0;  // samples on air's timeline, silence included
  std::int64_t audio_encoded = 0;

  // Encoded packets wait here until the other track has caught up, so air
  // is interleaved by time (an AAC frame completes a frame or two after the
  // picture of the same moment).
  std::deque<PacketPtr> pending[2];  // [0] audio, [1] video
  std::int64_t produced_ms[2] = {-1, -1};

  Frame dec_frame, filt_frame, enc_frame, conv_frame, aenc_frame;
  av::Packet pkt;
  std::vector<std::uint8_t> scratch;
  ConformStats stats;

  double tick_ms(std::int64_t k) const {
    return origin_ms + static_cast<double>(k) * 1000.0 / f.fps;
  }
  double audio_ms() const {
    return origin_ms + static_cast<double>(audio_written) * 1000.0 / AirFormat::kSampleRate;
  }

  media::Result<void> open_encoders();
  void build_slate();
  void open_video_decoder();
  void open_audio_decoder();
  void push_video(const Packet& p);
  void push_audio(const Packet& p);
  void decoded_video(AVFrame* frame);
  void scaled_video(AVFrame* frame);
  void air_tick();
  void encode_video(AVFrame* frame);
  void decoded_audio(AVFrame* frame);
  void write_silence(std::int64_t samples);
  void encode_audio(bool flush);
  void fill_behind();
  void emit(PacketPtr p) {
    const std::size_t t = p->is_video() ? 1 : 0;
    produced_ms[t] = std::max(produced_ms[t], p->dts_ms);
    pending[t].push_back(std::move(p));
  }
  void release(std::vector<PacketPtr>& out, bool all);
  bool send(AVCodecContext* ctx, const Packet& p, std::size_t header_bytes, std::int32_t cts_ms);
};

media::Result<std::unique_ptr<Conformer>> Conformer::open(const AirFormat& format,
                                                          std::string label) {
  // libav's log is for tools; ours says what happened in its own events.
  av_log_set_level(AV_LOG_ERROR);
  auto impl = std::make_unique<Impl>(format, std::move(label));
  impl->dec_frame.reset(av_frame_alloc());
  impl->filt_frame.reset(av_frame_alloc());
  impl->enc_frame.reset(av_frame_alloc());
  impl->conv_frame.reset(av_frame_alloc());
  impl->aenc_frame.reset(av_frame_alloc());
  impl->pkt.reset(av_packet_alloc());
  impl->fifo.reset(
      av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, AirFormat::kChannels, AirFormat::kSampleRate));
  if (auto r = impl->open_encoders(); !r) return r.error();
  return std::unique_ptr<Conformer>(new Conformer(std::move(impl)));
}

Conformer::Conformer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Conformer::~Conformer() {
  if (impl_) av_channel_layout_uninit(&impl_->swr_layout);
}

const AirFormat& Conformer::format() const {
  return impl_->f;
}
const PacketPtr& Conformer::video_header() const {
  return impl_->video_header;
}
const PacketPtr& Conformer::audio_header() const {
  return impl_->audio_header;
}
std::int64_t Conformer::released_source_pts() const {
  return impl_->released_source_pts;
}

const ConformStats& Conformer::stats() const {
  return impl_->stats;
}

void Conformer::set_graphics(const Graphics& graphics) {
  auto& d = *impl_;
  d.overlay.set(graphics);
  if (graphics.slate_message != d.slate_look.slate_message ||
      graphics.slate_background != d.slate_look.slate_background ||
      graphics.font_path != d.slate_look.font_path) {
    d.slate_look = graphics;
    d.slate_dirty = true;
  }
}

void Conformer::set_clock_origin(std::int64_t epoch_ms) {
  impl_->overlay.set_clock_origin(epoch_ms);
}

void Conformer::set_card(std::shared_ptr<const StandbyCard> card) {
  auto& d = *impl_;
  if (card == d.card) return;
  d.card = std::move(card);
  d.card_picture.reset();
  if (d.card) {
    if (auto still = card_still(*d.card, d.f); still)
      d.card_picture = std::move(*still);
    else
      spdlog::warn("event=slate_card_picture_failed encoder={} error={}", base::log_value(d.label),
                   base::log_value(still.error().message));
  }
  d.slate_dirty = true;
}

void Conformer::Impl::build_slate() {
  slate_dirty = false;
  auto picture = render_slate(f, slate_look, card_picture.get());
  if (!picture) {
    spdlog::error("event=slate_failed encoder={} error={}", base::log_value(label),
                  base::log_value(picture.error().message));
    return;  // the last slate stays
  }
  slate_picture = std::move(*picture);
}

// A slate picture stands in for a camera's at `program_ms`; sound is
// silence, kept level with the pictures.
void Conformer::push_slate(std::int64_t program_ms, std::vector<PacketPtr>& out) {
  auto& d = *impl_;
  if (!d.headers_sent) {
    out.push_back(d.video_header);
    out.push_back(d.audio_header);
    d.headers_sent = true;
  }
  if (d.slate_dirty) d.build_slate();
  if (d.slate_picture) {
    AVFrame* frame = d.filt_frame.get();
    av_frame_unref(frame);
    av_frame_ref(frame, d.slate_picture.get());
    frame->pts = program_ms;
    d.scaled_video(frame);
    av_frame_unref(frame);
    const double behind_ms = d.tick_ms(d.tick) - d.audio_ms();
    if (behind_ms > 0) {
      d.write_silence(static_cast<std::int64_t>(behind_ms * AirFormat::kSampleRate / 1000.0));
      d.encode_audio(false);
    }
  }
  d.release(out, false);
}

media::Result<void> Conformer::Impl::open_encoders() {
  const AVCodec* x264 = avcodec_find_encoder_by_name("libx264");
  if (!x264) return media::make_error("air encoder: libavcodec has no libx264");
  venc.reset(avcodec_alloc_context3(x264));
  auto* v = venc.get();
  v->width = f.width;
  v->height = f.height;
  v->pix_fmt = AV_PIX_FMT_YUV420P;
  v->time_base = AVRational{1, f.fps};
  v->framerate = AVRational{f.fps, 1};
  v->sample_aspect_ratio = AVRational{1, 1};
  v->gop_size = 2 * f.fps;
  v->keyint_min = 2 * f.fps;
  v->max_b_frames = 0;
  v->bit_rate = f.video_bitrate_bps;
  v->rc_max_rate = f.video_bitrate_bps;
  v->rc_buffer_size = static_cast<int>(f.video_bitrate_bps);
  v->profile = FF_PROFILE_H264_HIGH;
  v->level = h264_level_for(f);
  // One thread: no frame-thread delay, and the cost stays on one core.
  v->thread_count = 1;
  v->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "preset", f.preset.c_str(), 0);
  // No lookahead, no B-frames: a frame leaves as soon as it is encoded.
  av_dict_set(&opts, "tune", "zerolatency", 0);
  av_dict_set(&opts, "forced-idr", "1", 0);
  const std::string params = "scenecut=0:keyint=" + std::to_string(2 * f.fps) +
                             ":min-keyint=" + std::to_string(2 * f.fps) +
                             // 8x8 transforms make it High whatever the preset.
                             ":open-gop=0:8x8dct=1:log=-1";
  av_dict_set(&opts, "x264-params", params.c_str(), 0);
  int rc = avcodec_open2(v, x264, &opts);
  av_dict_free(&opts);
  if (rc < 0)
    return media::make_error("air encoder: libx264 refused the format: " + av::error_text(rc));
  auto record = avcc_record_from_annexb(v->extradata, static_cast<std::size_t>(v->extradata_size));
  if (!record) return record.error();
  media::Bytes body = {0x17, 0x00, 0x00, 0x00, 0x00};
  body.insert(body.end(), record->begin(), record->end());
  video_header = Packet::make(PacketKind::video, 0, 0, true, true, body);

  const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (!aac) return media::make_error("air encoder: libavcodec has no AAC encoder");
  aenc.reset(avcodec_alloc_context3(aac));
  auto* a = aenc.get();
  a->sample_fmt = AV_SAMPLE_FMT_FLTP;
  a->sample_rate = AirFormat::kSampleRate;
  av_channel_layout_default(&a->ch_layout, AirFormat::kChannels);
  a->bit_rate = f.audio_bitrate_bps;
  a->time_base = AVRational{1, AirFormat::kSampleRate};
  a->profile = FF_PROFILE_AAC_LOW;
  a->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  rc = avcodec_open2(a, aac, nullptr);
  if (rc < 0)
    return media::make_error("air encoder: the AAC encoder refused: " + av::error_text(rc));
  body = {kFlvAacByte, 0x00};
  body.insert(body.end(), a->extradata, a->extradata + a->extradata_size);
  audio_header = Packet::make(PacketKind::audio, 0, 0, false, true, body);
  return {};
}

void Conformer::Impl::open_video_decoder() {
  vdec.reset();
  vdec_config = vdec_wanted;
  vdec_codec = vdec_wanted_codec;
  const AVCodec* codec = avcodec_find_decoder(
      vdec_codec == media::VideoCodec::hevc ? AV_CODEC_ID_HEVC : AV_CODEC_ID_H264);
  if (!codec) return;
  CodecCtx ctx(avcodec_alloc_context3(codec));
  ctx->extradata =
      static_cast<std::uint8_t*>(av_mallocz(vdec_config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(ctx->extradata, vdec_config.data(), vdec_config.size());
  ctx->extradata_size = static_cast<int>(vdec_config.size());
  ctx->thread_count = 1;
  ctx->pkt_timebase = AVRational{1, 1000};
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) {
    ++stats.decode_errors;
    return;
  }
  vdec = std::move(ctx);
  vdec_need_key = true;
  ++stats.decoder_opens;
}

void Conformer::Impl::open_audio_decoder() {
  adec.reset();
  const AVCodec* codec = avcodec_find_decoder(
      adec_codec == media::AudioCodec::mp3 ? AV_CODEC_ID_MP3 : AV_CODEC_ID_AAC);
  if (!codec) return;
  adec_config = adec_wanted;
  CodecCtx ctx(avcodec_alloc_context3(codec));
  if (!adec_config.empty()) {
    ctx->extradata =
        static_cast<std::uint8_t*>(av_mallocz(adec_config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    std::memcpy(ctx->extradata, adec_config.data(), adec_config.size());
    ctx->extradata_size = static_cast<int>(adec_config.size());
  }
  ctx->thread_count = 1;
  ctx->pkt_timebase = AVRational{1, 1000};
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) {
    ++stats.decode_errors;
    return;
  }
  adec = std::move(ctx);
}

bool Conformer::Impl::send(AVCodecContext* ctx, const Packet& p, std::size_t header_bytes,
                           std::int32_t cts_ms) {
  const auto body = p.body();
  if (header_bytes >= body.size()) return false;
  const std::size_t n = body.size() - header_bytes;
  scratch.resize(n + AV_INPUT_BUFFER_PADDING_SIZE);
  std::memcpy(scratch.data(), body.data() + header_bytes, n);
  std::memset(scratch.data() + n, 0, AV_INPUT_BUFFER_PADDING_SIZE);
  AVPacket* pk = pkt.get();
  av_packet_unref(pk);
  pk->data = scratch.data();
  pk->size = static_cast<int>(n);
  pk->dts = p.dts_ms;
  pk->pts = p.dts_ms + cts_ms;
  if (p.keyframe) pk->flags |= AV_PKT_FLAG_KEY;
  const int rc = avcodec_send_packet(ctx, pk);
  pk->data = nullptr;
  pk->size = 0;
  if (rc < 0 && rc != AVERROR(EAGAIN)) {
    ++stats.decode_errors;
    return false;
  }
  return true;
}

void Conformer::push(const PacketPtr& p, std::vector<PacketPtr>& out) {
  auto& d = *impl_;
  if (!d.headers_sent) {
    out.push_back(d.video_header);
    out.push_back(d.audio_header);
    d.headers_sent = true;
  }
  if (p->is_video())
    d.push_video(*p);
  else if (p->is_audio())
    d.push_audio(*p);
  d.release(out, false);
}

// The older head goes first once the other track has reached its time (or
// lags by more than a track may: then it is filled anyway, see fill_behind).
void Conformer::Impl::release(std::vector<PacketPtr>& out, bool all) {
  for (;;) {
    const bool have_a = !pending[0].empty(), have_v = !pending[1].empty();
    if (!have_a && !have_v) return;
    const std::size_t t = !have_a                                                    ? 1
                          : !have_v                                                  ? 0
                          : pending[1].front()->dts_ms <= pending[0].front()->dts_ms ? 1
                                                                                     : 0;
    const std::int64_t at = pending[t].front()->dts_ms;
    const std::int64_t other = produced_ms[1 - t];
    if (!all && other < at && other + kTrackLagMs * 2 > produced_ms[t]) return;
    out.push_back(std::move(pending[t].front()));
    pending[t].pop_front();
    if (t == 1 && !pending_source.empty()) {
      released_source_pts = pending_source.front();
      pending_source.pop_front();
    }
  }
}

void Conformer::Impl::push_video(const Packet& p) {
  auto tag = media::parse_video_tag(p.body());
  if (!tag) {
    ++stats.decode_errors;
    return;
  }
  if (tag->codec != media::VideoCodec::h264 && tag->codec != media::VideoCodec::hevc) return;
  const auto body = p.body();
  if (tag->sequence_header) {
    vdec_wanted.assign(body.begin() + static_cast<std::ptrdiff_t>(tag->header_bytes), body.end());
    vdec_wanted_codec = tag->codec;
    return;
  }
  if (tag->end_of_sequence) return;
  const bool changed = vdec_wanted_codec != vdec_codec || vdec_wanted != vdec_config;
  if ((!vdec || changed) && !vdec_wanted.empty()) {
    // A new camera: its decoder starts at its keyframe.
    if (!tag->keyframe) return;
    open_video_decoder();
  }
  if (!vdec) return;
  if (vdec_need_key) {
    if (!tag->keyframe) return;
    vdec_need_key = false;
  }
  if (!send(vdec.get(), p, tag->header_bytes, tag->cts_ms)) return;
  while (avcodec_receive_frame(vdec.get(), dec_frame.get()) == 0) {
    decoded_video(dec_frame.get());
    av_frame_unref(dec_frame.get());
  }
}

void Conformer::Impl::decoded_video(AVFrame* frame) {
  frame->pts = frame->best_effort_timestamp;
  if (frame->pts == AV_NOPTS_VALUE) return;
  if (!fit.push(frame)) {
    ++stats.decode_errors;
    return;
  }
  while (fit.pull(filt_frame.get())) {
    scaled_video(filt_frame.get());
    av_frame_unref(filt_frame.get());
  }
}

// The frame goes on the tick nearest its time; ticks it skipped repeat the
// one before; one that lands on a tick already aired only replaces what
// later ticks would repeat (a faster camera).
void Conformer::Impl::scaled_video(AVFrame* frame) {
  ++stats.video_in;
  const double pts = static_cast<double>(frame->pts);
  if (!have_origin) {
    have_origin = true;
    origin_ms = pts;
  }
  std::int64_t at = std::llround((pts - origin_ms) * f.fps / 1000.0);
  if (at - tick > kReanchorTicks || at < tick - kReanchorTicks) {
    // Not a gap but a new timeline: keep air's going from where it is.
    origin_ms = pts - static_cast<double>(tick) * 1000.0 / f.fps;
    at = tick;
  }
  if (held && !held_aired) ++stats.dropped;
  if (!held) tick = std::max(tick, at);  // nothing to repeat before the first picture
  while (held && tick < at) {
    ++stats.repeated;
    air_tick();
  }
  if (!held) held.reset(av_frame_alloc());
  av_frame_unref(held.get());
  av_frame_ref(held.get(), frame);
  held_aired = false;
  held_pts = frame->pts;
  if (tick == at) air_tick();
  fill_behind();
}

void Conformer::Impl::air_tick() {
  AVFrame* e = enc_frame.get();
  av_frame_unref(e);
  av_frame_ref(e, held.get());
  e->pts = tick;
  // Keyframes exactly every 2 s of air, whatever the cameras' GOPs.
  e->pict_type = tick % (2 * f.fps) == 0 ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  held_aired = true;
  ++tick;
  overlay.draw(e);
  encode_video(e);
  av_frame_unref(e);
}

void Conformer::Impl::encode_video(AVFrame* frame) {
  if (avcodec_send_frame(venc.get(), frame) < 0) return;
  AVPacket* pk = pkt.get();
  while (avcodec_receive_packet(venc.get(), pk) == 0) {
    const std::int64_t dts_ms = std::llround(static_cast<double>(pk->dts) * 1000.0 / f.fps);
    const std::int64_t pts_ms = std::llround(static_cast<double>(pk->pts) * 1000.0 / f.fps);
    const bool key = (pk->flags & AV_PKT_FLAG_KEY) != 0;
    const std::int32_t cts = static_cast<std::int32_t>(pts_ms - dts_ms);
    media::Bytes body = {static_cast<std::uint8_t>(key ? 0x17 : 0x27), 0x01,
                         static_cast<std::uint8_t>(cts >> 16), static_cast<std::uint8_t>(cts >> 8),
                         static_cast<std::uint8_t>(cts)};
    auto nals = annexb_to_avcc_nals(pk->data, static_cast<std::size_t>(pk->size));
    body.insert(body.end(), nals.begin(), nals.end());
    pending_source.push_back(held_pts);
    emit(Packet::make(PacketKind::video, dts_ms, cts, key, false, body));
    ++stats.video_out;
    av_packet_unref(pk);
  }
}

void Conformer::Impl::push_audio(const Packet& p) {
  auto tag = media::parse_audio_tag(p.body());
  if (!tag) {
    ++stats.decode_errors;
    return;
  }
  if (tag->codec != media::AudioCodec::aac && tag->codec != media::AudioCodec::mp3) return;
  const auto body = p.body();
  if (tag->sequence_header) {
    adec_wanted.assign(body.begin() + static_cast<std::ptrdiff_t>(tag->header_bytes), body.end());
    adec_codec = tag->codec;
    if (!adec || adec_wanted != adec_config) open_audio_decoder();
    return;
  }
  if (tag->codec != adec_codec || !adec) {
    if (tag->codec == media::AudioCodec::aac) return;  // no configuration yet
    adec_codec = tag->codec;
    adec_wanted.clear();
    open_audio_decoder();
    if (!adec) return;
  }
  if (!send(adec.get(), p, tag->header_bytes, 0)) return;
  while (avcodec_receive_frame(adec.get(), dec_frame.get()) == 0) {
    decoded_audio(dec_frame.get());
    av_frame_unref(dec_frame.get());
  }
}

void Conformer::Impl::decoded_audio(AVFrame* frame) {
  std::int64_t pts = frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE || frame->nb_samples <= 0) return;
  AVChannelLayout in_layout{};
  if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || frame->ch_layout.nb_channels == 0)
    av_channel_layout_default(&in_layout, std::max(1, frame->ch_layout.nb_channels));
  else
    av_channel_layout_copy(&in_layout, &frame->ch_layout);
  if (!swr || frame->sample_rate != swr_rate || frame->format != swr_fmt ||
      av_channel_layout_compare(&in_layout, &swr_layout) != 0) {
    SwrContext* s = nullptr;
    AVChannelLayout out_layout{};
    av_channel_layout_default(&out_layout, AirFormat::kChannels);
    if (swr_alloc_set_opts2(&s, &out_layout, AV_SAMPLE_FMT_FLTP, AirFormat::kSampleRate, &in_layout,
                            static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0,
                            nullptr) < 0 ||
        swr_init(s) < 0) {
      swr_free(&s);
      av_channel_layout_uninit(&in_layout);
      ++stats.decode_errors;
      return;
    }
    swr.reset(s);
    swr_rate = frame->sample_rate;
    swr_fmt = frame->format;
    av_channel_layout_uninit(&swr_layout);
    av_channel_layout_copy(&swr_layout, &in_layout);
  }
  av_channel_layout_uninit(&in_layout);
  if (!have_origin) {
    have_origin = true;
    origin_ms = static_cast<double>(pts);
  }
  const int cap = swr_get_out_samples(swr.get(), frame->nb_samples);
  AVFrame* c = conv_frame.get();
  if (c->nb_samples < cap || !c->data[0]) {
    av_frame_unref(c);
    c->format = AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&c->ch_layout, AirFormat::kChannels);
    c->nb_samples = std::max(cap, 4096);
    if (av_frame_get_buffer(c, 0) < 0) return;
  }
  const int n =
      swr_convert(swr.get(), c->data, c->nb_samples,
                  const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
  if (n <= 0) return;
  const double delta_ms = static_cast<double>(pts) - audio_ms();
  int skip = 0;
  if (delta_ms > kAudioSlackMs) {
    const auto gap = static_cast<std::int64_t>(delta_ms * AirFormat::kSampleRate / 1000.0);
    if (gap > static_cast<std::int64_t>(kReanchorTicks) * AirFormat::kSampleRate / f.fps) {
      // A new timeline: go on from here without a long silence.
      origin_ms += delta_ms;
    } else {
      write_silence(gap);
    }
  } else if (delta_ms < -kAudioSlackMs) {
    skip = static_cast<int>(std::min<double>(n, -delta_ms * AirFormat::kSampleRate / 1000.0));
  }
  if (skip < n) {
    void* planes[2] = {c->data[0] + skip * sizeof(float), c->data[1] + skip * sizeof(float)};
    av_audio_fifo_write(fifo.get(), planes, n - skip);
    audio_written += n - skip;
  }
  encode_audio(false);
  fill_behind();
}

void Conformer::Impl::write_silence(std::int64_t samples) {
  static const float zeros[kAudioFrameSamples] = {};
  stats.silence_ms += static_cast<std::uint64_t>(samples * 1000 / AirFormat::kSampleRate);
  while (samples > 0) {
    const int n = static_cast<int>(std::min<std::int64_t>(samples, kAudioFrameSamples));
    void* planes[2] = {const_cast<float*>(zeros), const_cast<float*>(zeros)};
    av_audio_fifo_write(fifo.get(), planes, n);
    audio_written += n;
    samples -= n;
  }
}

void Conformer::Impl::encode_audio(bool flush) {
  AVCodecContext* a = aenc.get();
  for (;;) {
    const int avail = av_audio_fifo_size(fifo.get());
    if (avail <= 0 || (!flush && avail < kAudioFrameSamples)) break;
    AVFrame* e = aenc_frame.get();
    av_frame_unref(e);
    e->format = AV_SAMPLE_FMT_FLTP;
    av_channel_layout_default(&e->ch_layout, AirFormat::kChannels);
    e->sample_rate = AirFormat::kSampleRate;
    e->nb_samples = kAudioFrameSamples;
    if (av_frame_get_buffer(e, 0) < 0) return;
    av_samples_set_silence(e->data, 0, kAudioFrameSamples, AirFormat::kChannels,
                           AV_SAMPLE_FMT_FLTP);
    av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(e->data),
                       std::min(avail, kAudioFrameSamples));
    e->pts = audio_encoded;
    audio_encoded += kAudioFrameSamples;
    if (avcodec_send_frame(a, e) < 0) return;
    AVPacket* pk = pkt.get();
    while (avcodec_receive_packet(a, pk) == 0) {
      const std::int64_t at = std::max<std::int64_t>(0, pk->pts + a->initial_padding);
      const std::int64_t dts_ms = at * 1000 / AirFormat::kSampleRate;
      media::Bytes body = {kFlvAacByte, 0x01};
      body.insert(body.end(), pk->data, pk->data + pk->size);
      emit(Packet::make(PacketKind::audio, dts_ms, 0, false, false, body));
      ++stats.audio_out;
      av_packet_unref(pk);
    }
  }
}

// Air never waits for a track a camera does not send: audio falls behind
// video (a camera without sound) → silence; video behind audio → the last
// picture again.
void Conformer::Impl::fill_behind() {
  if (!have_origin) return;
  const double video_ms = tick_ms(tick);
  if (audio_ms() < video_ms - kTrackLagMs) {
    write_silence(static_cast<std::int64_t>((video_ms - kTrackLagMs / 2 - audio_ms()) *
                                            AirFormat::kSampleRate / 1000.0));
    encode_audio(false);
  }
  if (held)
    while (tick_ms(tick) < audio_ms() - kTrackLagMs) {
      ++stats.repeated;
      air_tick();
    }
}

void Conformer::drain(std::vector<PacketPtr>& out) {
  auto& d = *impl_;
  if (d.vdec) {
    avcodec_send_packet(d.vdec.get(), nullptr);
    while (avcodec_receive_frame(d.vdec.get(), d.dec_frame.get()) == 0) {
      d.decoded_video(d.dec_frame.get());
      av_frame_unref(d.dec_frame.get());
    }
    d.vdec.reset();
  }
  if (d.adec) {
    avcodec_send_packet(d.adec.get(), nullptr);
    while (avcodec_receive_frame(d.adec.get(), d.dec_frame.get()) == 0) {
      d.decoded_audio(d.dec_frame.get());
      av_frame_unref(d.dec_frame.get());
    }
    d.adec.reset();
  }
  d.release(out, true);
}

}  // namespace courtcast::program
