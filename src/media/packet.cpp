#include "media/packet.hpp"

#include "media/flv.hpp"

namespace courtcast::media {

PacketPtr Packet::make(PacketKind kind, std::int64_t dts_ms, std::int32_t cts_ms, bool keyframe,
                       bool sequence_header, std::span<const std::uint8_t> body) {
  std::shared_ptr<Packet> p(new Packet());
  p->kind = kind;
  p->dts_ms = dts_ms;
  p->cts_ms = cts_ms;
  p->keyframe = keyframe;
  p->sequence_header = sequence_header;
  // Appended piece by piece rather than resized and overwritten: zero-filling
  // every payload first was a sixth of the relay's instructions.
  std::uint8_t header[kTagHeaderBytes];
  write_flv_tag_header(header, static_cast<std::uint8_t>(kind), dts_ms, body.size());
  std::uint8_t trailer[4];
  write_u32be(trailer, static_cast<std::uint32_t>(kTagHeaderBytes + body.size()));
  auto& tag = p->flv_tag_;
  tag.reserve(kTagHeaderBytes + body.size() + 4);
  tag.insert(tag.end(), header, header + kTagHeaderBytes);
  tag.insert(tag.end(), body.begin(), body.end());
  tag.insert(tag.end(), trailer, trailer + 4);
  return p;
}

Packet::~Packet() {
  for (auto& cell : framings_) delete cell.load(std::memory_order_acquire);
}

}  // namespace courtcast::media
