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
  p->flv_tag_.resize(kTagHeaderBytes + body.size() + 4);
  write_flv_tag_header(p->flv_tag_.data(), static_cast<std::uint8_t>(kind), dts_ms, body.size());
  std::copy(body.begin(), body.end(), p->flv_tag_.begin() + kTagHeaderBytes);
  write_u32be(p->flv_tag_.data() + kTagHeaderBytes + body.size(),
              static_cast<std::uint32_t>(kTagHeaderBytes + body.size()));
  return p;
}

Packet::~Packet() {
  for (auto& cell : framings_) delete cell.load(std::memory_order_acquire);
}

}  // namespace courtcast::media
