#include "rtmp/chunk.hpp"

#include <algorithm>
#include <string>

#include "media/bytes_io.hpp"

namespace courtcast::rtmp {

using media::make_error;
using media::read_u24be;
using media::read_u32be;

bool BufferBudget::take(std::size_t bytes) {
  std::size_t used = used_bytes_.load(std::memory_order_relaxed);
  do {
    if (bytes > limit_bytes_ - std::min(used, limit_bytes_)) return false;
  } while (!used_bytes_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

ChunkReader::~ChunkReader() {
  if (shared_) shared_->give_back(buffered_bytes_);
}

Result<void> ChunkReader::grow(ChunkStream& cs, std::uint32_t length, std::size_t bytes) {
  const std::size_t need = cs.payload.size() + bytes;
  if (need <= cs.reserved) return {};
  // Doubling keeps a growing message to a few copies; the declared length
  // caps it, so a lie about the length costs the liar, not the server.
  const std::size_t want = std::max(need, std::min<std::size_t>(length, 2 * cs.reserved));
  const std::size_t more = want - cs.reserved;
  if (buffered_bytes_ + more > limits_.max_buffered_bytes) {
    over_limit_ = true;
    return make_error("rtmp chunk: messages would hold more than " +
                      std::to_string(limits_.max_buffered_bytes) + " bytes");
  }
  if (shared_ && !shared_->take(more)) {
    over_limit_ = true;
    return make_error("rtmp chunk: the server's buffers for messages are full (" +
                      std::to_string(shared_->limit_bytes()) + " bytes)");
  }
  cs.payload.reserve(want);
  cs.reserved = want;
  buffered_bytes_ += more;
  return {};
}

Result<std::size_t> ChunkReader::parse(std::span<const std::uint8_t> data,
                                       const std::function<void(const Message&)>& on_message) {
  std::size_t pos = 0;
  for (;;) {
    std::optional<Message> m;
    auto used = parse_one(data.subspan(pos), m);
    if (!used) return used.error();
    pos += *used;
    if (!m) return pos;
    on_message(*m);
  }
}

Result<std::size_t> ChunkReader::parse_one(std::span<const std::uint8_t> data,
                                           std::optional<Message>& out) {
  over_limit_ = false;
  if (delivered_) {
    delivered_->payload.clear();
    delivered_->received = 0;
    delivered_ = nullptr;
  }
  std::size_t pos = 0;
  for (;;) {
    const std::uint8_t* p = data.data() + pos;
    const std::size_t avail = data.size() - pos;
    if (in_payload_) {
      // A chunk's payload may arrive over several reads: take what is there.
      ChunkStream& cs = *in_payload_;
      const auto n = static_cast<std::uint32_t>(std::min<std::size_t>(payload_left_, avail));
      if (n == 0 && payload_left_ > 0) return pos;
      const std::size_t kept =
          cs.keep
              ? n
              : std::min<std::size_t>(n, skim_bytes_ - std::min(skim_bytes_, cs.payload.size()));
      if (kept > 0) {
        if (auto grown =
                grow(cs, cs.keep ? cs.length : static_cast<std::uint32_t>(skim_bytes_), kept);
            !grown)
          return grown.error();
        cs.payload.insert(cs.payload.end(), p, p + kept);
      }
      pos += n;
      payload_left_ -= n;
      cs.received += n;
      if (payload_left_ > 0) return pos;
      in_payload_ = nullptr;
      if (cs.received < cs.length) continue;

      Message m{cs.csid, cs.type, cs.stream_id, cs.timestamp, cs.payload, cs.length};
      if (m.type == kSetChunkSize) {
        if (m.body.size() < 4) return make_error("rtmp chunk: Set Chunk Size shorter than 4 bytes");
        const std::uint32_t size = read_u32be(m.body.data()) & 0x7FFFFFFF;
        if (size < 1 || size > limits_.max_chunk_size)
          return make_error("rtmp chunk: chunk size " + std::to_string(size) + " out of range");
        chunk_size_ = size;
      } else if (m.type == kAbort) {
        if (m.body.size() < 4) return make_error("rtmp chunk: Abort shorter than 4 bytes");
        if (auto a = streams_.find(read_u32be(m.body.data()));
            a != streams_.end() && &a->second != &cs) {
          a->second.payload.clear();
          a->second.received = 0;
        }
      }
      out = m;
      delivered_ = &cs;
      return pos;
    }

    if (avail < 1) return pos;
    const unsigned fmt = p[0] >> 6;
    std::uint32_t csid = p[0] & 0x3F;
    std::size_t hdr = 1;
    if (csid == 0) {
      if (avail < 2) return pos;
      csid = 64 + p[1];
      hdr = 2;
    } else if (csid == 1) {
      if (avail < 3) return pos;
      csid = 64 + p[1] + 256u * p[2];
      hdr = 3;
    }
    static constexpr std::size_t kMsgHeaderBytes[] = {11, 7, 3, 0};
    if (avail < hdr + kMsgHeaderBytes[fmt]) return pos;

    auto it = streams_.find(csid);
    if (it == streams_.end()) {
      if (fmt != 0) return make_error("rtmp chunk: first chunk on a chunk stream is not type 0");
      if (streams_.size() >= limits_.max_chunk_streams) {
        over_limit_ = true;
        return make_error("rtmp chunk: more than " + std::to_string(limits_.max_chunk_streams) +
                          " chunk streams");
      }
      it = streams_.emplace(csid, ChunkStream{}).first;
      it->second.csid = csid;
    }
    ChunkStream& cs = it->second;
    const bool new_message = cs.received == 0;

    std::uint32_t ts_field = 0;
    std::uint32_t length = cs.length;
    std::uint8_t type = cs.type;
    std::uint32_t stream_id = cs.stream_id;
    const std::uint8_t* mh = p + hdr;
    if (fmt <= 2) ts_field = read_u24be(mh);
    if (fmt <= 1) {
      length = read_u24be(mh + 3);
      type = mh[6];
    }
    if (fmt == 0)
      stream_id = mh[7] | mh[8] << 8 | mh[9] << 16 | static_cast<std::uint32_t>(mh[10]) << 24;
    const bool extended = fmt <= 2 ? ts_field == 0xFFFFFF : cs.extended;
    const std::size_t header_bytes = hdr + kMsgHeaderBytes[fmt] + (extended ? 4 : 0);
    if (avail < header_bytes) return pos;
    if (extended) ts_field = read_u32be(p + hdr + kMsgHeaderBytes[fmt]);

    if (fmt != 3 || new_message) {
      if (length > limits_.max_message_bytes) {
        over_limit_ = true;
        return make_error("rtmp chunk: message length " + std::to_string(length) +
                          " exceeds the limit of " + std::to_string(limits_.max_message_bytes));
      }
      // A header other than type 3 mid-message restarts the message.
      if (fmt != 3 && !new_message) {
        cs.payload.clear();
        cs.received = 0;
      }
    }
    const std::uint32_t have = fmt == 3 && !new_message ? cs.received : 0;
    // The header is complete: commit its state, then read its chunk.
    advance_timestamp(fmt, ts_field, new_message, cs.seen, cs.timestamp, cs.delta);
    cs.seen = true;
    cs.extended = extended;
    cs.length = length;
    cs.type = type;
    cs.stream_id = stream_id;
    if (have == 0) cs.keep = skim_bytes_ == 0 || (type != kAudio && type != kVideo);
    pos += header_bytes;
    in_payload_ = &cs;
    payload_left_ = std::min(chunk_size_, length - have);
  }
}

namespace {

std::size_t basic_header_bytes(std::uint32_t csid) {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

std::uint8_t* put_basic_header(std::uint8_t* p, unsigned fmt, std::uint32_t csid) {
  if (csid < 64) {
    *p++ = static_cast<std::uint8_t>(fmt << 6 | csid);
  } else if (csid < 320) {
    *p++ = static_cast<std::uint8_t>(fmt << 6);
    *p++ = static_cast<std::uint8_t>(csid - 64);
  } else {
    *p++ = static_cast<std::uint8_t>(fmt << 6 | 1);
    *p++ = static_cast<std::uint8_t>((csid - 64) & 0xFF);
    *p++ = static_cast<std::uint8_t>((csid - 64) >> 8);
  }
  return p;
}

}  // namespace

std::uint8_t* put_message_header(std::uint8_t* p, std::uint32_t csid, std::uint8_t type,
                                 std::uint32_t stream_id, std::uint32_t timestamp,
                                 std::size_t body_bytes) {
  const bool ext = timestamp >= 0xFFFFFF;
  p = put_basic_header(p, 0, csid);
  media::write_u24be(p, ext ? 0xFFFFFF : timestamp);
  media::write_u24be(p + 3, static_cast<std::uint32_t>(body_bytes));
  p[6] = type;
  // The message stream id is the one little-endian field of RTMP.
  p[7] = static_cast<std::uint8_t>(stream_id);
  p[8] = static_cast<std::uint8_t>(stream_id >> 8);
  p[9] = static_cast<std::uint8_t>(stream_id >> 16);
  p[10] = static_cast<std::uint8_t>(stream_id >> 24);
  p += 11;
  if (ext) {
    media::write_u32be(p, timestamp);
    p += 4;
  }
  return p;
}

std::uint8_t* put_continuation_header(std::uint8_t* p, std::uint32_t csid,
                                      std::uint32_t timestamp) {
  p = put_basic_header(p, 3, csid);
  if (timestamp >= 0xFFFFFF) {
    media::write_u32be(p, timestamp);
    p += 4;
  }
  return p;
}

std::size_t chunked_size(std::uint32_t csid, std::uint32_t timestamp, std::size_t body_bytes,
                         std::uint32_t chunk_size) {
  const std::size_t ext = timestamp >= 0xFFFFFF ? 4 : 0;
  const std::size_t chunks = body_bytes == 0 ? 1 : (body_bytes + chunk_size - 1) / chunk_size;
  return basic_header_bytes(csid) + 11 + ext + (chunks - 1) * (basic_header_bytes(csid) + ext) +
         body_bytes;
}

void write_message(Bytes& out, std::uint32_t csid, std::uint8_t type, std::uint32_t stream_id,
                   std::uint32_t timestamp, std::span<const std::uint8_t> body,
                   std::uint32_t chunk_size) {
  const std::size_t start = out.size();
  out.resize(start + chunked_size(csid, timestamp, body.size(), chunk_size));
  std::uint8_t* p =
      put_message_header(out.data() + start, csid, type, stream_id, timestamp, body.size());
  std::size_t off = 0;
  for (;;) {
    const std::size_t n = std::min<std::size_t>(chunk_size, body.size() - off);
    std::copy_n(body.data() + off, n, p);
    p += n;
    off += n;
    if (off >= body.size()) break;
    p = put_continuation_header(p, csid, timestamp);
  }
}

}  // namespace courtcast::rtmp
