#include "rtmp/messages.hpp"

#include "media/bytes_io.hpp"

namespace courtcast::rtmp {

namespace {

void write_u32_message(media::Bytes& out, std::uint8_t type, std::uint32_t value) {
  std::uint8_t body[4];
  media::write_u32be(body, value);
  write_message(out, kControlCsid, type, 0, 0, body, 128);
}

}  // namespace

void write_set_chunk_size(media::Bytes& out, std::uint32_t size) {
  write_u32_message(out, kSetChunkSize, size);
}
void write_window_ack_size(media::Bytes& out, std::uint32_t size) {
  write_u32_message(out, kWindowAckSize, size);
}
void write_acknowledgement(media::Bytes& out, std::uint32_t sequence) {
  write_u32_message(out, kAcknowledgement, sequence);
}
void write_set_peer_bandwidth(media::Bytes& out, std::uint32_t size, std::uint8_t limit_type) {
  std::uint8_t body[5];
  media::write_u32be(body, size);
  body[4] = limit_type;
  write_message(out, kControlCsid, kSetPeerBandwidth, 0, 0, body, 128);
}

void write_user_control(media::Bytes& out, std::uint16_t event, std::uint32_t value,
                        std::uint32_t chunk_size) {
  std::uint8_t body[6];
  media::write_u16be(body, event);
  media::write_u32be(body + 2, value);
  write_message(out, kControlCsid, kUserControl, 0, 0, body, chunk_size);
}

void write_command(media::Bytes& out, std::uint32_t stream_id,
                   std::initializer_list<amf0::Value> values, std::uint32_t chunk_size) {
  media::Bytes body;
  for (const auto& v : values) amf0::encode(body, v);
  write_message(out, kCommandCsid, kCommandAmf0, stream_id, 0, body, chunk_size);
}

void write_status(media::Bytes& out, std::uint32_t stream_id, std::string_view level,
                  std::string_view code, std::string_view description, std::uint32_t chunk_size) {
  using amf0::Value;
  write_command(
      out, stream_id,
      {Value::make_string("onStatus"), Value::make_number(0), Value::make_null(),
       Value::make_object({{"level", Value::make_string(std::string(level))},
                           {"code", Value::make_string(std::string(code))},
                           {"description", Value::make_string(std::string(description))}})},
      chunk_size);
}

media::Bytes frame_for_play(const media::Packet& p) {
  const std::uint32_t csid = p.is_audio() ? kAudioCsid : p.is_video() ? kVideoCsid : kDataCsid;
  const auto ts = static_cast<std::uint32_t>(p.dts_ms);
  media::Bytes out;
  out.reserve(chunked_size(csid, ts, p.body().size(), kPlayChunkSize));
  write_message(out, csid, static_cast<std::uint8_t>(p.kind), kMediaStreamId, ts, p.body(),
                kPlayChunkSize);
  return out;
}

}  // namespace courtcast::rtmp
