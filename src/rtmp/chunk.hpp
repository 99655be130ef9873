#pragma once
// The RTMP chunk stream: reassembles messages from chunks (all four header
// formats, extended timestamps, chunk size changes, abort) and writes
// messages as chunks. Pure translation between bytes and messages.

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>

#include "media/packet.hpp"
#include "media/result.hpp"

namespace courtcast::rtmp {

using media::Bytes;
using media::Result;

// Message type ids (RTMP spec 5.4, 7.1).
enum MessageType : std::uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

struct Message {
  std::uint32_t chunk_stream_id = 0;
  std::uint8_t type = 0;
  std::uint32_t stream_id = 0;
  std::uint32_t timestamp = 0;  // absolute, 32-bit wrapping milliseconds
  std::span<const std::uint8_t> body;
};

struct ChunkLimits {
  std::uint32_t max_chunk_size = 1 << 24;
  std::uint32_t max_message_bytes = 16 << 20;
  std::size_t max_chunk_streams = 64;
};

// Reassembles incoming chunks. Set Chunk Size and Abort take effect inside the
// reader (they change how the next chunk parses) and are also delivered.
class ChunkReader {
 public:
  explicit ChunkReader(ChunkLimits limits = {}) : limits_(limits) {}

  // Parses every complete chunk in `data` and calls `on_message` for each
  // complete message (its body is valid only during the call). Returns the
  // bytes consumed; the caller keeps the rest for the next call.
  Result<std::size_t> parse(std::span<const std::uint8_t> data,
                            const std::function<void(const Message&)>& on_message);

  std::uint32_t chunk_size() const { return chunk_size_; }

 private:
  struct ChunkStream {
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint8_t type = 0;
    bool extended = false;  // last header carried an extended timestamp
    bool seen = false;
    Bytes payload;  // the message being assembled
  };

  ChunkLimits limits_;
  std::uint32_t chunk_size_ = 128;
  std::unordered_map<std::uint32_t, ChunkStream> streams_;
};

// The timestamp rules of RTMP 5.3.1.2, for every chunk reader: a chunk
// header of type `fmt` carrying `ts_field` (absolute for type 0, a delta for
// types 1 and 2, nothing for 3) moves a chunk stream's timestamp and delta.
// A type 3 that starts a message repeats the last delta; after a type 0 that
// delta is the type 0's timestamp (FFmpeg's writer counts on it).
inline void advance_timestamp(unsigned fmt, std::uint32_t ts_field, bool starts_message,
                              bool seen_before, std::uint32_t& timestamp, std::uint32_t& delta) {
  if (fmt == 0) {
    delta = ts_field;
    timestamp = ts_field;
  } else if (fmt == 1 || fmt == 2) {
    delta = ts_field;
    timestamp += ts_field;
  } else if (starts_message && seen_before) {
    timestamp += delta;
  }
}

// Appends `body` as one message: a type-0 header, then type-3 continuation
// chunks of `chunk_size` bytes (each repeating an extended timestamp).
void write_message(Bytes& out, std::uint32_t chunk_stream_id, std::uint8_t type,
                   std::uint32_t stream_id, std::uint32_t timestamp,
                   std::span<const std::uint8_t> body, std::uint32_t chunk_size);

// Bytes the chunk headers of such a message take, for sizing buffers.
std::size_t chunked_size(std::uint32_t chunk_stream_id, std::uint32_t timestamp,
                         std::size_t body_bytes, std::uint32_t chunk_size);

}  // namespace courtcast::rtmp
