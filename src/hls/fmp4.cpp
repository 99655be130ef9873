#include "hls/fmp4.hpp"

#include "hls/box_writer.hpp"

namespace courtcast::hls {

namespace {

constexpr std::uint32_t kMovieTimescale = 1000;

void matrix(BoxWriter& w) {
  for (std::uint32_t v : {0x00010000u, 0u, 0u, 0u, 0x00010000u, 0u, 0u, 0u, 0x40000000u}) w.u32(v);
}

void mvhd(BoxWriter& w, std::uint32_t next_track) {
  const auto box = w.begin_full("mvhd", 0, 0);
  w.u32(0);  // creation time
  w.u32(0);  // modification time
  w.u32(kMovieTimescale);
  w.u32(0);           // duration: unknown, fragments follow
  w.u32(0x00010000);  // rate 1.0
  w.u16(0x0100);      // volume 1.0
  w.zeros(10);
  matrix(w);
  w.zeros(24);  // pre_defined
  w.u32(next_track);
  w.end(box);
}

void tkhd(BoxWriter& w, std::uint32_t track_id, bool audio, std::uint32_t width,
          std::uint32_t height) {
  const auto box = w.begin_full("tkhd", 0, 0x000003);  // enabled, in movie
  w.u32(0);
  w.u32(0);
  w.u32(track_id);
  w.u32(0);
  w.u32(0);  // duration
  w.zeros(8);
  w.u16(0);  // layer
  w.u16(0);  // alternate group
  w.u16(audio ? 0x0100 : 0);
  w.u16(0);
  matrix(w);
  w.u32(width << 16);
  w.u32(height << 16);
  w.end(box);
}

void mdhd(BoxWriter& w, std::uint32_t timescale) {
  const auto box = w.begin_full("mdhd", 0, 0);
  w.u32(0);
  w.u32(0);
  w.u32(timescale);
  w.u32(0);
  w.u16(0x55C4);  // language "und"
  w.u16(0);
  w.end(box);
}

void hdlr(BoxWriter& w, bool audio) {
  const auto box = w.begin_full("hdlr", 0, 0);
  w.u32(0);
  w.fourcc(audio ? "soun" : "vide");
  w.zeros(12);
  const std::string_view name = audio ? "SoundHandler" : "VideoHandler";
  w.bytes({reinterpret_cast<const std::uint8_t*>(name.data()), name.size()});
  w.u8(0);
  w.end(box);
}

void dinf(BoxWriter& w) {
  const auto box = w.begin("dinf");
  const auto dref = w.begin_full("dref", 0, 0);
  w.u32(1);
  const auto url = w.begin_full("url ", 0, 1);  // media in the same file
  w.end(url);
  w.end(dref);
  w.end(box);
}

void video_entry(BoxWriter& w, const MediaConfig& c) {
  const bool hevc = c.video_codec == media::VideoCodec::hevc;
  const auto entry = w.begin(hevc ? "hvc1" : "avc1");
  w.zeros(6);
  w.u16(1);  // data reference index
  w.zeros(16);
  w.u16(c.width);
  w.u16(c.height);
  w.u32(0x00480000);  // 72 dpi
  w.u32(0x00480000);
  w.u32(0);
  w.u16(1);     // frame count
  w.zeros(32);  // compressor name
  w.u16(0x0018);
  w.u16(0xFFFF);
  const auto record = w.begin(hevc ? "hvcC" : "avcC");
  w.bytes(c.video_record);
  w.end(record);
  w.end(entry);
}

// An MPEG-4 descriptor: tag and a one-byte size (every descriptor here is
// far below 128 bytes).
void descriptor_head(BoxWriter& w, std::uint8_t tag, std::size_t size) {
  w.u8(tag);
  w.u8(static_cast<std::uint32_t>(size));
}

void audio_entry(BoxWriter& w, const MediaConfig& c) {
  const auto entry = w.begin("mp4a");
  w.zeros(6);
  w.u16(1);
  w.zeros(8);
  w.u16(c.channels);
  w.u16(16);  // sample size
  w.u32(0);
  w.u32(c.sample_rate < 65536 ? c.sample_rate << 16 : 0);
  const auto esds = w.begin_full("esds", 0, 0);
  const std::size_t asc = c.audio_config.size();
  const std::size_t decoder_specific = 2 + asc;
  const std::size_t decoder_config = 2 + 13 + decoder_specific;
  const std::size_t sl_config = 3;
  descriptor_head(w, 0x03, 3 + decoder_config + sl_config);  // ES_Descriptor
  w.u16(kAudioTrackId);
  w.u8(0);
  descriptor_head(w, 0x04, 13 + decoder_specific);  // DecoderConfigDescriptor
  w.u8(0x40);                                       // MPEG-4 audio
  w.u8(0x15);                                       // audio stream
  w.u24(0);                                         // buffer size
  w.u32(0);                                         // max bitrate
  w.u32(0);                                         // average bitrate
  descriptor_head(w, 0x05, asc);                    // DecoderSpecificInfo
  w.bytes(c.audio_config);
  descriptor_head(w, 0x06, 1);  // SLConfigDescriptor
  w.u8(0x02);
  w.end(esds);
  w.end(entry);
}

void empty_tables(BoxWriter& w) {
  for (const char* type : {"stts", "stsc", "stco"}) {
    const auto box = w.begin_full(type, 0, 0);
    w.u32(0);
    w.end(box);
  }
  const auto stsz = w.begin_full("stsz", 0, 0);
  w.u32(0);
  w.u32(0);
  w.end(stsz);
}

void trak(BoxWriter& w, const MediaConfig& c, bool audio) {
  const auto box = w.begin("trak");
  tkhd(w, audio ? kAudioTrackId : kVideoTrackId, audio, audio ? 0 : c.width, audio ? 0 : c.height);
  const auto mdia = w.begin("mdia");
  mdhd(w, audio ? c.sample_rate : kVideoTimescale);
  hdlr(w, audio);
  const auto minf = w.begin("minf");
  if (audio) {
    const auto smhd = w.begin_full("smhd", 0, 0);
    w.u32(0);
    w.end(smhd);
  } else {
    const auto vmhd = w.begin_full("vmhd", 0, 1);
    w.zeros(8);
    w.end(vmhd);
  }
  dinf(w);
  const auto stbl = w.begin("stbl");
  const auto stsd = w.begin_full("stsd", 0, 0);
  w.u32(1);
  if (audio)
    audio_entry(w, c);
  else
    video_entry(w, c);
  w.end(stsd);
  empty_tables(w);
  w.end(stbl);
  w.end(minf);
  w.end(mdia);
  w.end(box);
}

void trex(BoxWriter& w, std::uint32_t track_id) {
  const auto box = w.begin_full("trex", 0, 0);
  w.u32(track_id);
  w.u32(1);  // sample description
  w.u32(0);
  w.u32(0);
  w.u32(0);
  w.end(box);
}

// Sample flags (ISO/IEC 14496-12 8.8.3.1): a keyframe depends on nothing;
// any other frame depends on others and is not a sync sample.
constexpr std::uint32_t kSyncSample = 0x02000000;
constexpr std::uint32_t kNonSyncSample = 0x01010000;

}  // namespace

Bytes fmp4_init(const MediaConfig& c) {
  BoxWriter w;
  const auto ftyp = w.begin("ftyp");
  w.fourcc("iso6");
  w.u32(0);
  for (const char* brand : {"iso6", "cmfc", "mp41"}) w.fourcc(brand);
  w.end(ftyp);
  const auto moov = w.begin("moov");
  mvhd(w, kAudioTrackId + 1);
  if (c.has_video()) trak(w, c, false);
  if (c.has_audio()) trak(w, c, true);
  const auto mvex = w.begin("mvex");
  if (c.has_video()) trex(w, kVideoTrackId);
  if (c.has_audio()) trex(w, kAudioTrackId);
  w.end(mvex);
  w.end(moov);
  return std::move(w.bytes());
}

Bytes fmp4_fragment(std::uint32_t sequence, std::span<const TrackRun> runs) {
  BoxWriter w;
  const auto moof = w.begin("moof");
  const auto mfhd = w.begin_full("mfhd", 0, 0);
  w.u32(sequence);
  w.end(mfhd);
  std::vector<std::size_t> offset_at;  // where each run's data_offset goes
  for (const auto& run : runs) {
    if (run.samples.empty()) continue;
    const auto traf = w.begin("traf");
    const auto tfhd = w.begin_full("tfhd", 0, 0x020000);  // default-base-is-moof
    w.u32(run.track_id);
    w.end(tfhd);
    const auto tfdt = w.begin_full("tfdt", 1, 0);
    w.u64(run.base_time);
    w.end(tfdt);
    // data offset, duration, size, and for video flags and composition offset
    const std::uint32_t flags = run.video ? 0x000F01 : 0x000301;
    const auto trun = w.begin_full("trun", 1, flags);
    w.u32(static_cast<std::uint32_t>(run.samples.size()));
    offset_at.push_back(w.size());
    w.u32(0);
    for (const auto& s : run.samples) {
      w.u32(s.duration);
      w.u32(static_cast<std::uint32_t>(s.data.size()));
      if (run.video) {
        w.u32(s.keyframe ? kSyncSample : kNonSyncSample);
        w.u32(static_cast<std::uint32_t>(s.cts));
      }
    }
    w.end(trun);
    w.end(traf);
  }
  w.end(moof);
  std::size_t data_bytes = 0;
  for (const auto& run : runs)
    for (const auto& s : run.samples) data_bytes += s.data.size();
  w.u32(static_cast<std::uint32_t>(8 + data_bytes));
  w.fourcc("mdat");
  std::size_t next = 0;
  for (const auto& run : runs) {
    if (run.samples.empty()) continue;
    w.patch_u32(offset_at[next++], static_cast<std::uint32_t>(w.size()));
    for (const auto& s : run.samples) w.bytes(s.data);
  }
  return std::move(w.bytes());
}

}  // namespace courtcast::hls
