#pragma once
// Builders for the control, user-control and command messages both the
// server and the client send, and the fixed chunk streams they use.

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "media/packet.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/chunk.hpp"

namespace courtcast::rtmp {

// Chunk stream ids by purpose; media ones are shared by every play framing.
enum ChunkStreamId : std::uint32_t {
  kControlCsid = 2,
  kCommandCsid = 3,
  kAudioCsid = 4,
  kDataCsid = 5,
  kVideoCsid = 6,
};

enum UserControlEvent : std::uint16_t {
  kStreamBegin = 0,
  kStreamEof = 1,
  kStreamDry = 2,
  kSetBufferLength = 3,
  kStreamIsRecorded = 4,
  kPingRequest = 6,
  kPingResponse = 7,
};

// The chunk size every RTMP player is told, so that one framing of a packet
// serves them all.
constexpr std::uint32_t kPlayChunkSize = 60000;
// The message stream id createStream hands out; play framings carry it.
constexpr std::uint32_t kMediaStreamId = 1;

void write_set_chunk_size(media::Bytes& out, std::uint32_t size);
void write_window_ack_size(media::Bytes& out, std::uint32_t size);
void write_set_peer_bandwidth(media::Bytes& out, std::uint32_t size, std::uint8_t limit_type);
void write_acknowledgement(media::Bytes& out, std::uint32_t sequence);
void write_user_control(media::Bytes& out, std::uint16_t event, std::uint32_t value,
                        std::uint32_t chunk_size);
void write_command(media::Bytes& out, std::uint32_t stream_id,
                   std::initializer_list<amf0::Value> values, std::uint32_t chunk_size);
// An onStatus command with the usual level/code/description object.
void write_status(media::Bytes& out, std::uint32_t stream_id, std::string_view level,
                  std::string_view code, std::string_view description, std::uint32_t chunk_size);

// The framing of a packet for RTMP players: one type-0 message on the kind's
// chunk stream, message stream kMediaStreamId, chunk size kPlayChunkSize.
media::Bytes frame_for_play(const media::Packet& p);

}  // namespace courtcast::rtmp
