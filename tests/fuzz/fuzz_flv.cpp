// Reads arbitrary bytes as an FLV stream and parses every tag body the way
// ingest does: tag headers, codec configuration records, parameter sets.
#include <cstddef>
#include <cstdint>

#include "media/codec_config.hpp"
#include "media/flv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::media;
  std::span<const std::uint8_t> in(data, size);
  // Whatever the stream, the raw bytes are also a candidate config record.
  (void)parse_avc_config(in);
  (void)parse_hevc_config(in);
  (void)parse_aac_config(in);
  FlvReader reader(1 << 20);
  for (;;) {
    std::size_t used = 0;
    auto tag = reader.next(in, used);
    if (!tag || !*tag) break;
    const auto body = (*tag)->body;
    if ((*tag)->type == 9) {
      if (auto v = parse_video_tag(body); v && v->sequence_header) {
        const auto rec = body.subspan(v->header_bytes);
        (void)(v->codec == VideoCodec::hevc ? parse_hevc_config(rec) : parse_avc_config(rec));
      }
    } else if ((*tag)->type == 8) {
      if (auto a = parse_audio_tag(body); a && a->sequence_header)
        (void)parse_aac_config(body.subspan(a->header_bytes));
    }
    in = in.subspan(used);
  }
  return 0;
}
