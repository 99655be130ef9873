#include "program/card_upload.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
}

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "base/codes.hpp"
#include "media/codec_config.hpp"
#include "media/flv.hpp"

namespace courtcast::program {

namespace {

CardError invalid(std::string message) {
  return CardError{CardError::Kind::invalid, "standby card: " + std::move(message)};
}

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

std::string mib(std::size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

bool is_flv(std::span<const std::uint8_t> d) {
  return d.size() >= 9 && d[0] == 'F' && d[1] == 'L' && d[2] == 'V' && d[3] == 1;
}

// An ISO BMFF file (MP4, and QuickTime which libavformat reads the same way)
// starts with a box; these are the types found first in real files.
bool is_mp4(std::span<const std::uint8_t> d) {
  if (d.size() < 8) return false;
  const std::string_view type(reinterpret_cast<const char*>(d.data() + 4), 4);
  for (std::string_view t : {"ftyp", "moov", "mdat", "free", "skip", "wide"})
    if (type == t) return true;
  return false;
}

// The upload as a seekable read-only stream for libavformat: MP4 keeps its
// index (moov) at either end, so the demuxer must be able to seek.
struct MemoryInput {
  std::span<const std::uint8_t> data;
  std::size_t pos = 0;

  static int read(void* opaque, std::uint8_t* buf, int size) {
    auto* in = static_cast<MemoryInput*>(opaque);
    const std::size_t n = std::min<std::size_t>(size, in->data.size() - in->pos);
    if (n == 0) return AVERROR_EOF;
    std::memcpy(buf, in->data.data() + in->pos, n);
    in->pos += n;
    return static_cast<int>(n);
  }
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
    auto* in = static_cast<MemoryInput*>(opaque);
    const auto size = static_cast<std::int64_t>(in->data.size());
    if (whence & AVSEEK_SIZE) return size;
    std::int64_t to = offset;
    if ((whence & 3) == SEEK_CUR) to += static_cast<std::int64_t>(in->pos);
    if ((whence & 3) == SEEK_END) to += size;
    if (to < 0 || to > size) return AVERROR(EINVAL);
    in->pos = static_cast<std::size_t>(to);
    return to;
  }
};

struct IoFree {
  void operator()(AVIOContext* io) const {
    av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
struct InputClose {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct OutputFree {
  void operator()(AVFormatContext* c) const { avformat_free_context(c); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};

// Stream copy of the first video and the first audio track into FLV.
CardResult<media::Bytes> mp4_to_flv(std::span<const std::uint8_t> mp4) {
  MemoryInput source{mp4, 0};
  constexpr int kIoBufferBytes = 64 * 1024;
  auto* io_buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferBytes));
  if (!io_buffer) return CardError{CardError::Kind::storage, "standby card: out of memory"};
  std::unique_ptr<AVIOContext, IoFree> io(avio_alloc_context(
      io_buffer, kIoBufferBytes, 0, &source, &MemoryInput::read, nullptr, &MemoryInput::seek));
  if (!io) {
    av_free(io_buffer);
    return CardError{CardError::Kind::storage, "standby card: out of memory"};
  }
  AVFormatContext* raw_in = avformat_alloc_context();
  if (!raw_in) return CardError{CardError::Kind::storage, "standby card: out of memory"};
  raw_in->pb = io.get();
  raw_in->flags |= AVFMT_FLAG_CUSTOM_IO;
  // libavformat's own chatter would bury the one line a person needs.
  av_log_set_level(AV_LOG_ERROR);
  // Only the MP4 demuxer, whatever the bytes claim; it frees raw_in on failure.
  if (int rc = avformat_open_input(&raw_in, nullptr, av_find_input_format("mp4"), nullptr); rc < 0)
    return invalid("not a readable MP4 file (" + av_error(rc) + ")");
  std::unique_ptr<AVFormatContext, InputClose> in(raw_in);

  int video = -1, audio = -1;
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    const auto type = in->streams[i]->codecpar->codec_type;
    if (type == AVMEDIA_TYPE_VIDEO && video < 0) video = static_cast<int>(i);
    if (type == AVMEDIA_TYPE_AUDIO && audio < 0) audio = static_cast<int>(i);
  }
  if (in->nb_streams == 0) return invalid("the MP4 file has no tracks (damaged or cut short)");
  if (video < 0) return invalid("the file has no video; a card needs H.264 video and AAC audio");
  const AVCodecID video_codec = in->streams[video]->codecpar->codec_id;
  // A cut-off index leaves tracks without a codec: say so, not "no audio".
  if (video_codec == AV_CODEC_ID_NONE)
    return invalid("the MP4 file is damaged or cut short (its video track cannot be read)");
  if (video_codec != AV_CODEC_ID_H264)
    return invalid(std::string("video must be H.264 (the file has ") +
                   avcodec_get_name(video_codec) + ")");
  if (audio < 0) return invalid("the file has no audio; a card needs AAC audio (silence will do)");
  const AVCodecID audio_codec = in->streams[audio]->codecpar->codec_id;
  if (audio_codec == AV_CODEC_ID_NONE)
    return invalid("the MP4 file is damaged or cut short (its audio track cannot be read)");
  if (audio_codec != AV_CODEC_ID_AAC)
    return invalid(std::string("audio must be AAC (the file has ") + avcodec_get_name(audio_codec) +
                   ")");

  AVFormatContext* raw_out = nullptr;
  if (int rc = avformat_alloc_output_context2(&raw_out, nullptr, "flv", nullptr); rc < 0)
    return CardError{CardError::Kind::storage, "standby card: no FLV muxer: " + av_error(rc)};
  std::unique_ptr<AVFormatContext, OutputFree> out(raw_out);
  // Written forward only: the FLV muxer seeks back to patch its metadata
  // when it can, and that is not needed for a card.
  media::Bytes flv;
  auto* out_buffer = static_cast<std::uint8_t*>(av_malloc(kIoBufferBytes));
  if (!out_buffer) return CardError{CardError::Kind::storage, "standby card: out of memory"};
  std::unique_ptr<AVIOContext, IoFree> out_io(avio_alloc_context(
      out_buffer, kIoBufferBytes, 1, &flv, nullptr,
      [](void* opaque, auto* buf, int size) -> int {
        static_cast<media::Bytes*>(opaque)->insert(static_cast<media::Bytes*>(opaque)->end(), buf,
                                                   buf + size);
        return size;
      },
      nullptr));
  if (!out_io) {
    av_free(out_buffer);
    return CardError{CardError::Kind::storage, "standby card: out of memory"};
  }
  out->pb = out_io.get();
  out->flags |= AVFMT_FLAG_CUSTOM_IO;
  int out_index[2] = {-1, -1};  // video, audio
  for (int k = 0; k < 2; ++k) {
    AVStream* s = avformat_new_stream(out.get(), nullptr);
    if (!s) return CardError{CardError::Kind::storage, "standby card: out of memory"};
    avcodec_parameters_copy(s->codecpar, in->streams[k == 0 ? video : audio]->codecpar);
    s->codecpar->codec_tag = 0;  // MP4's avc1/mp4a mean nothing to FLV
    out_index[k] = s->index;
  }
  if (int rc = avformat_write_header(out.get(), nullptr); rc < 0)
    return invalid("cannot be written as FLV (" + av_error(rc) + ")");

  std::unique_ptr<AVPacket, PacketFree> pkt(av_packet_alloc());
  const AVStream* in_video = in->streams[video];
  std::int64_t video_end = 0;  // in the input's video time base
  for (;;) {
    const int rc = av_read_frame(in.get(), pkt.get());
    if (rc == AVERROR_EOF) break;
    if (rc < 0) return invalid("the MP4 file is damaged (" + av_error(rc) + ")");
    const int k = pkt->stream_index == video ? 0 : pkt->stream_index == audio ? 1 : -1;
    if (k < 0) {
      av_packet_unref(pkt.get());
      continue;
    }
    if (pkt->flags & AV_PKT_FLAG_CORRUPT)
      return invalid("the MP4 file is cut short (a frame ends past the end of the file)");
    if (k == 0 && pkt->pts != AV_NOPTS_VALUE)
      video_end = std::max(video_end, pkt->pts + pkt->duration);
    AVStream* os = out->streams[out_index[k]];
    av_packet_rescale_ts(pkt.get(), in->streams[pkt->stream_index]->time_base, os->time_base);
    pkt->stream_index = out_index[k];
    pkt->pos = -1;
    if (int w = av_interleaved_write_frame(out.get(), pkt.get()); w < 0)
      return invalid("its timestamps cannot be carried in FLV (" + av_error(w) + ")");
  }
  // The index promises more than the file holds: an incomplete copy, and
  // the card would loop early.
  const std::int64_t promised = in_video->duration;
  if (promised > 0 &&
      video_end + av_rescale_q(500, AVRational{1, 1000}, in_video->time_base) <
          promised + (in_video->start_time == AV_NOPTS_VALUE ? 0 : in_video->start_time))
    return invalid("the MP4 file is cut short (its index lists more video than it holds)");
  if (int rc = av_write_trailer(out.get()); rc < 0)
    return invalid("cannot be written as FLV (" + av_error(rc) + ")");
  avio_flush(out_io.get());
  return flv;
}

struct CodecFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};

// A decoder for one track of the card, strict: an error the bitstream shows
// is an error, not something to conceal.
class TrackDecoder {
 public:
  // `config`: the track's sequence header payload (AVC or AAC config record).
  static CardResult<TrackDecoder> open(AVCodecID id, std::span<const std::uint8_t> config) {
    TrackDecoder d;
    const AVCodec* codec = avcodec_find_decoder(id);
    if (!codec)
      return CardError{CardError::Kind::storage,
                       std::string("standby card: no ") + avcodec_get_name(id) + " decoder"};
    d.ctx_.reset(avcodec_alloc_context3(codec));
    d.frame_.reset(av_frame_alloc());
    d.packet_.reset(av_packet_alloc());
    if (!d.ctx_ || !d.frame_ || !d.packet_)
      return CardError{CardError::Kind::storage, "standby card: out of memory"};
    d.ctx_->extradata =
        static_cast<std::uint8_t*>(av_mallocz(config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!d.ctx_->extradata)
      return CardError{CardError::Kind::storage, "standby card: out of memory"};
    std::memcpy(d.ctx_->extradata, config.data(), config.size());
    d.ctx_->extradata_size = static_cast<int>(config.size());
    d.ctx_->err_recognition = AV_EF_CRCCHECK | AV_EF_BITSTREAM | AV_EF_BUFFER | AV_EF_EXPLODE;
    d.ctx_->thread_count = 1;  // an error is told at the frame that has it
    if (int rc = avcodec_open2(d.ctx_.get(), codec, nullptr); rc < 0)
      return invalid(std::string("its ") + avcodec_get_name(id) +
                     " configuration cannot be decoded (" + av_error(rc) + ")");
    return d;
  }

  // Decodes one frame's data; an empty `data` drains the decoder.
  bool decode(std::span<const std::uint8_t> data, std::string& why, std::int64_t dts_ms = 0,
              std::int64_t pts_ms = 0) {
    if (!data.empty()) {
      if (av_new_packet(packet_.get(), static_cast<int>(data.size())) < 0) {
        why = "out of memory";
        return false;
      }
      std::memcpy(packet_->data, data.data(), data.size());
      packet_->dts = dts_ms;
      packet_->pts = pts_ms;
      ++sent_;
    }
    const int rc = avcodec_send_packet(ctx_.get(), data.empty() ? nullptr : packet_.get());
    av_packet_unref(packet_.get());
    if (rc < 0 && rc != AVERROR_EOF) {
      why = av_error(rc);
      return false;
    }
    for (;;) {
      const int r = avcodec_receive_frame(ctx_.get(), frame_.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return true;
      if (r < 0) {
        why = av_error(r);
        return false;
      }
      const bool corrupt = (frame_->flags & AV_FRAME_FLAG_CORRUPT) || frame_->decode_error_flags;
      // Pictures come out in the order the bitstream shows them; their
      // presentation times come from the file's index (MP4 ctts, FLV
      // composition time). A damaged index decodes fine but would play the
      // card's frames out of order: the times must rise as the pictures do.
      const std::int64_t pts = frame_->pts;
      av_frame_unref(frame_.get());
      ++received_;
      if (corrupt) {
        why = "the decoder found damage in it";
        return false;
      }
      if (pts != AV_NOPTS_VALUE) {
        if (received_ > 1 && pts <= last_pts_) {
          why = "its presentation time goes back: the file's timing index is damaged";
          return false;
        }
        last_pts_ = pts;
      }
    }
  }

  std::size_t sent() const { return sent_; }
  std::size_t received() const { return received_; }

 private:
  std::unique_ptr<AVCodecContext, CodecFree> ctx_;
  std::unique_ptr<AVFrame, FrameFree> frame_;
  std::unique_ptr<AVPacket, PacketFree> packet_;
  std::size_t sent_ = 0, received_ = 0;
  std::int64_t last_pts_ = 0;
};

// A card is what viewers see whenever the court is off air: every frame of
// it must decode, not just its structure parse (a damaged mdat parses fine).
CardResult<void> check_card_decodes(const StandbyCard& card) {
  const auto video_body = card.video_header->body();
  auto vtag = media::parse_video_tag(video_body);
  if (!vtag) return invalid("its video sequence header cannot be read");
  auto video = TrackDecoder::open(AV_CODEC_ID_H264, video_body.subspan(vtag->header_bytes));
  if (!video) return video.error();
  const auto audio_body = card.audio_header->body();
  auto atag = media::parse_audio_tag(audio_body);
  if (!atag) return invalid("its audio sequence header cannot be read");
  auto audio = TrackDecoder::open(AV_CODEC_ID_AAC, audio_body.subspan(atag->header_bytes));
  if (!audio) return audio.error();

  std::string why;
  for (const auto& p : card.packets) {
    if (p->sequence_header || (!p->is_video() && !p->is_audio())) continue;
    const auto body = p->body();
    std::size_t header = 0;
    if (p->is_video()) {
      auto tag = media::parse_video_tag(body);
      if (!tag || tag->end_of_sequence) continue;
      header = tag->header_bytes;
    } else {
      auto tag = media::parse_audio_tag(body);
      if (!tag)
        return invalid("the audio frame at " + std::to_string(p->dts_ms) + " ms is damaged");
      header = tag->header_bytes;
    }
    if (body.size() <= header) continue;
    TrackDecoder& d = p->is_video() ? *video : *audio;
    if (!d.decode(body.subspan(header), why, p->dts_ms, p->dts_ms + p->cts_ms))
      return invalid(std::string("the ") + (p->is_video() ? "video" : "audio") + " frame at " +
                     std::to_string(p->dts_ms) + " ms cannot be decoded (" + why + ")");
  }
  for (auto* d : {&*video, &*audio}) {
    const char* what = d == &*video ? "video" : "audio";
    if (!d->decode({}, why))
      return invalid(std::string("the last ") + what + " frames cannot be decoded (" + why + ")");
    // A decoder that drops a frame it cannot use says so only by not
    // returning it.
    if (d->received() < d->sent())
      return invalid(std::to_string(d->sent() - d->received()) + " of its " +
                     std::to_string(d->sent()) + " " + what + " frames cannot be decoded");
  }
  return {};
}

}  // namespace

constexpr base::CodeTable<CardFormat, 2> kCardFormats = {
    {{CardFormat::flv, "flv"}, {CardFormat::mp4, "mp4"}}};

const char* to_string(CardFormat f) {
  return base::code_of(kCardFormats, f, "flv").data();
}

std::optional<CardFormat> card_format_from_code(std::string_view code) {
  return base::from_code(kCardFormats, code);
}

CardResult<ConvertedCard> convert_card_upload(std::span<const std::uint8_t> upload) {
  if (upload.size() > kCardMaxBytes)
    return CardError{CardError::Kind::too_large,
                     "standby card: the file is " + mib(upload.size()) + ", more than the " +
                         std::to_string(kCardMaxBytes >> 20) + " MiB a card may be"};
  if (upload.empty()) return invalid("the upload is empty; send the FLV or MP4 file as the body");
  ConvertedCard out;
  if (is_flv(upload)) {
    out.format = CardFormat::flv;
    out.flv.assign(upload.begin(), upload.end());
  } else if (is_mp4(upload)) {
    out.format = CardFormat::mp4;
    auto flv = mp4_to_flv(upload);
    if (!flv) return flv.error();
    out.flv = std::move(*flv);
  } else {
    return invalid("the file is neither FLV nor MP4; upload an H.264/AAC clip as .flv or .mp4");
  }
  auto card = parse_card(out.flv);
  if (!card) return CardError{CardError::Kind::invalid, card.error().message};
  if (card->duration_ms > kCardMaxDurationMs) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "the clip lasts %.1f s; at most %lld s",
                  static_cast<double>(card->duration_ms) / 1000.0,
                  static_cast<long long>(kCardMaxDurationMs / 1000));
    return invalid(buf);
  }
  if (auto decoded = check_card_decodes(*card); !decoded) return decoded.error();
  out.card = std::move(*card);
  return out;
}

CardSize card_size(const StandbyCard& card) {
  if (!card.video_header) return {};
  const auto body = card.video_header->body();
  auto tag = media::parse_video_tag(body);
  if (!tag || tag->codec != media::VideoCodec::h264) return {};
  auto config = media::parse_avc_config(body.subspan(tag->header_bytes));
  if (!config) return {};
  return {config->width, config->height};
}

}  // namespace courtcast::program
