#pragma once
// The RTMP chunk stream: reassembles messages from chunks (all four header
// formats, extended timestamps, chunk size changes, abort) and writes
// messages as chunks. Pure translation between bytes and messages.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
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
  // The whole body's length: more than body.size() only for a skimmed
  // audio or video message (ChunkReader::set_skim_media).
  std::uint32_t length = 0;
};

// What one reader accepts. A peer that passes a limit gets an error, which
// closes its connection: memory is committed only to peers that earned it.
struct ChunkLimits {
  std::uint32_t max_chunk_size = 1 << 24;
  std::uint32_t max_message_bytes = 16 << 20;
  std::size_t max_chunk_streams = 64;
  // The buffers of this reader's messages, finished or not: what the peer can
  // make the process hold.
  std::size_t max_buffered_bytes = 32 << 20;
};

// Bytes the message buffers of many readers (every connection of a server)
// may hold together. Thread-safe; readers take and give back.
class BufferBudget {
 public:
  explicit BufferBudget(std::size_t limit_bytes) : limit_bytes_(limit_bytes) {}
  BufferBudget(const BufferBudget&) = delete;
  BufferBudget& operator=(const BufferBudget&) = delete;

  // False, taking nothing, when `bytes` more would pass the limit.
  bool take(std::size_t bytes);
  void give_back(std::size_t bytes) { used_bytes_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::size_t used_bytes() const { return used_bytes_.load(std::memory_order_relaxed); }
  std::size_t limit_bytes() const { return limit_bytes_; }

 private:
  const std::size_t limit_bytes_;
  std::atomic<std::size_t> used_bytes_{0};
};

// Reassembles incoming chunks, for the server's connections and the
// client's (relay destinations, courtcast-bench) alike. Set Chunk Size and
// Abort take effect inside the reader (they change how the next chunk
// parses) and are also delivered. A chunk's payload is taken as it arrives,
// so the caller's read buffer never has to hold a whole chunk. A message's
// buffer grows with what arrives, never to its declared length up front,
// and is kept for the next message on its chunk stream.
class ChunkReader {
 public:
  // `shared`, when given, must outlive the reader.
  explicit ChunkReader(ChunkLimits limits = {}, BufferBudget* shared = nullptr)
      : limits_(limits), shared_(shared) {}
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // New limits for what comes next, e.g. raised once a publish is accepted;
  // may be called from `on_message`. Buffers already held are kept.
  void set_limits(const ChunkLimits& limits) { limits_ = limits; }
  const ChunkLimits& limits() const { return limits_; }

  // Parses `data` and calls `on_message` for each complete message (its
  // body is valid only during the call). Returns the bytes consumed; the
  // caller keeps the rest (at most an incomplete chunk header) for the next
  // call.
  Result<std::size_t> parse(std::span<const std::uint8_t> data,
                            const std::function<void(const Message&)>& on_message);
  // Parses `data` up to the end of the first message it completes, which
  // goes into `out` (its body valid until the next call); `out` stays empty
  // when `data` completes none. Returns the bytes consumed. For a caller
  // that handles one message at a time (the client's coroutines).
  Result<std::size_t> parse_one(std::span<const std::uint8_t> data, std::optional<Message>& out);

  // Audio and video bodies are kept only up to `bytes` (0: whole), their
  // Message::length still the whole: a load generator's players need the
  // sizes and the first bytes, not the media.
  void set_skim_media(std::size_t bytes) { skim_bytes_ = bytes; }

  std::uint32_t chunk_size() const { return chunk_size_; }
  // Bytes the message buffers hold now (their capacity).
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  // Whether the last error was a limit (too large, too many, too much held)
  // rather than a malformed chunk: the caller counts those apart.
  bool over_limit() const { return over_limit_; }

 private:
  struct ChunkStream {
    std::uint32_t csid = 0;
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    std::uint32_t stream_id = 0;
    std::uint8_t type = 0;
    bool extended = false;  // last header carried an extended timestamp
    bool seen = false;
    bool keep = true;            // false: a skimmed message, payload its first bytes
    std::uint32_t received = 0;  // of the message being assembled
    Bytes payload;               // the message being assembled
    std::size_t reserved = 0;    // payload's capacity, as charged to the budgets
  };

  // Makes room for `bytes` more of a `length`-byte message in `cs`'s
  // payload, charging the budgets.
  Result<void> grow(ChunkStream& cs, std::uint32_t length, std::size_t bytes);

  ChunkLimits limits_;
  BufferBudget* shared_;
  std::size_t buffered_bytes_ = 0;
  bool over_limit_ = false;
  std::uint32_t chunk_size_ = 128;
  std::size_t skim_bytes_ = 0;
  std::unordered_map<std::uint32_t, ChunkStream> streams_;
  // The chunk whose payload is being read, and how much of it is to come.
  // (unordered_map keeps its elements where they are.)
  ChunkStream* in_payload_ = nullptr;
  std::uint32_t payload_left_ = 0;
  ChunkStream* delivered_ = nullptr;  // its payload is cleared at the next call
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

// The chunk headers of an outgoing message, for every writer (write_message
// below, the client's gathered sends): the type-0 header that starts it, and
// the type-3 header before each continuation chunk, which repeats an
// extended timestamp. Each writes at `p` and returns the end; a header takes
// at most kMaxChunkHeaderBytes.
constexpr std::size_t kMaxChunkHeaderBytes = 3 + 11 + 4;
std::uint8_t* put_message_header(std::uint8_t* p, std::uint32_t chunk_stream_id, std::uint8_t type,
                                 std::uint32_t stream_id, std::uint32_t timestamp,
                                 std::size_t body_bytes);
std::uint8_t* put_continuation_header(std::uint8_t* p, std::uint32_t chunk_stream_id,
                                      std::uint32_t timestamp);

// Appends `body` as one message: a type-0 header, then type-3 continuation
// chunks of `chunk_size` bytes (each repeating an extended timestamp).
void write_message(Bytes& out, std::uint32_t chunk_stream_id, std::uint8_t type,
                   std::uint32_t stream_id, std::uint32_t timestamp,
                   std::span<const std::uint8_t> body, std::uint32_t chunk_size);

// Bytes the chunk headers of such a message take, for sizing buffers.
std::size_t chunked_size(std::uint32_t chunk_stream_id, std::uint32_t timestamp,
                         std::size_t body_bytes, std::uint32_t chunk_size);

}  // namespace courtcast::rtmp
