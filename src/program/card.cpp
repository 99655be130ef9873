#include "program/card.hpp"

#include <fstream>
#include <iterator>

#include "media/flv.hpp"

namespace courtcast::program {

using media::make_error;
using media::Packet;
using media::PacketKind;

media::Result<StandbyCard> load_card(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("standby card: cannot read '" + path + "'");
  const media::Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_card(data);
}

media::Result<StandbyCard> parse_card(std::span<const std::uint8_t> flv) {
  media::FlvReader reader;
  std::span<const std::uint8_t> rest = flv;
  StandbyCard card;
  std::int64_t first_dts = -1;
  for (;;) {
    std::size_t used = 0;
    auto tag = reader.next(rest, used);
    if (!tag) return make_error("standby card: " + tag.error().message);
    if (!*tag) break;
    const auto& t = **tag;
    rest = rest.subspan(used);
    if (t.type == 9) {
      auto v = media::parse_video_tag(t.body);
      if (!v) return make_error("standby card: a video tag is damaged: " + v.error().message);
      if (v->codec != media::VideoCodec::h264)
        return make_error(std::string("standby card: video must be H.264 (the file has ") +
                          media::to_string(v->codec) + ")");
      if (v->sequence_header) {
        card.video_header = Packet::make(PacketKind::video, 0, 0, false, true, t.body);
        continue;
      }
      // FFmpeg ends a clip with an end-of-sequence tag stamped like the last
      // frame: looped, it would end every loop and stamp it twice.
      if (v->end_of_sequence) continue;
      if (first_dts < 0) {
        if (!v->keyframe) return make_error("standby card: the clip must start with a keyframe");
        first_dts = t.dts_ms;
      }
      card.packets.push_back(Packet::make(PacketKind::video, t.dts_ms - first_dts, v->cts_ms,
                                          v->keyframe, false, t.body));
    } else if (t.type == 8) {
      auto a = media::parse_audio_tag(t.body);
      if (!a) return make_error("standby card: an audio tag is damaged: " + a.error().message);
      if (a->codec != media::AudioCodec::aac)
        return make_error(std::string("standby card: audio must be AAC (the file has ") +
                          media::to_string(a->codec) + ")");
      if (a->sequence_header) {
        card.audio_header = Packet::make(PacketKind::audio, 0, 0, false, true, t.body);
        continue;
      }
      if (first_dts < 0) continue;  // audio before the first keyframe: not needed
      card.packets.push_back(Packet::make(PacketKind::audio,
                                          std::max<std::int64_t>(0, t.dts_ms - first_dts), 0, false,
                                          false, t.body));
    }
  }
  if (!card.video_header)
    return make_error("standby card: no H.264 video (or no sequence header before its frames)");
  if (!card.audio_header)
    return make_error(
        "standby card: no AAC audio (or no sequence header before its frames); a card needs "
        "audio, silence will do");
  if (card.packets.empty()) return make_error("standby card: no frames");
  // A loop lasts until one video frame interval after its last frame, so the
  // next loop's first frame comes exactly one frame later, as if the clip
  // went on. Audio the encoder padded past that end is dropped: it would
  // overlap the next loop's first audio.
  std::int64_t last_video = -1, frame_ms = 40, last_audio = -1, audio_frame_ms = 0;
  for (const auto& p : card.packets) {
    std::int64_t& last = p->is_video() ? last_video : last_audio;
    if (last >= 0 && p->dts_ms > last) {
      const std::int64_t gap = p->dts_ms - last;
      if (p->is_video()) frame_ms = gap;
      if (p->is_audio() && (audio_frame_ms == 0 || gap < audio_frame_ms)) audio_frame_ms = gap;
    }
    last = p->dts_ms;
  }
  if (last_video < 1000) return make_error("standby card: shorter than one second");
  card.duration_ms = last_video + frame_ms;
  std::erase_if(card.packets, [&](const media::PacketPtr& p) {
    return p->is_audio() && p->dts_ms + audio_frame_ms > card.duration_ms;
  });
  return card;
}

void CardPlayout::due(std::int64_t elapsed_ms, std::vector<media::PacketPtr>& out) {
  for (;;) {
    if (index_ >= card_->packets.size()) {
      index_ = 0;
      loop_offset_ms_ += card_->duration_ms;
    }
    const auto& p = card_->packets[index_];
    const std::int64_t dts = p->dts_ms + loop_offset_ms_;
    if (dts > elapsed_ms) return;
    out.push_back(loop_offset_ms_ == 0
                      ? p
                      : Packet::make(p->kind, dts, p->cts_ms, p->keyframe, false, p->body()));
    ++index_;
  }
}

}  // namespace courtcast::program
