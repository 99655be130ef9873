// Reads arbitrary bytes as an MPEG-TS stream the way SRT ingest does, in
// pieces whose sizes the input chooses, and checks that what comes out is
// something live::Stream accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "media/flv.hpp"
#include "media/ts_demux.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::media;
  if (size < 1) return 0;
  // The first byte picks the piece size: whole SRT messages, odd splits, bytes.
  const std::size_t piece = data[0] == 0 ? 1316 : data[0];
  std::span<const std::uint8_t> in(data + 1, size - 1);
  TsDemuxer demuxer;
  std::vector<DemuxedPacket> out;
  while (!in.empty()) {
    const std::size_t n = std::min(piece, in.size());
    demuxer.feed(in.first(n), out);
    in = in.subspan(n);
  }
  demuxer.finish(out);
  for (const auto& p : out) {
    const bool ok = p.kind == PacketKind::video ? parse_video_tag(p.body).has_value()
                                                : parse_audio_tag(p.body).has_value();
    if (!ok) std::abort();
  }
  return 0;
}
