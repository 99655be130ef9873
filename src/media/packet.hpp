#pragma once
// One media packet as it travels from an ingest to every egress: parsed once,
// immutable, shared by reference between all subscribers on all threads.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace courtcast::media {

using Bytes = std::vector<std::uint8_t>;

// Values match FLV tag types so the FLV framing needs no table.
enum class PacketKind : std::uint8_t { audio = 8, video = 9, data = 18 };

// Wire framings a packet can carry; each is built at most once per packet.
enum class Framing : std::uint8_t { rtmp_play = 0, count };

class Packet;
using PacketPtr = std::shared_ptr<const Packet>;

// The payload is stored inside its FLV tag (11-byte header, body, 4-byte
// previous-tag-size) so that HTTP-FLV egress sends the buffer as it is.
class Packet {
 public:
  PacketKind kind;
  std::int64_t dts_ms = 0;
  std::int32_t cts_ms = 0;  // pts - dts, video only
  bool keyframe = false;
  bool sequence_header = false;

  static PacketPtr make(PacketKind kind, std::int64_t dts_ms, std::int32_t cts_ms, bool keyframe,
                        bool sequence_header, std::span<const std::uint8_t> body);

  std::span<const std::uint8_t> body() const {
    return {flv_tag_.data() + kTagHeaderBytes, flv_tag_.size() - kTagHeaderBytes - 4};
  }
  std::span<const std::uint8_t> flv_tag() const { return flv_tag_; }
  std::size_t size_bytes() const { return flv_tag_.size(); }
  bool is_video() const { return kind == PacketKind::video; }
  bool is_audio() const { return kind == PacketKind::audio; }

  // Returns the framing for `slot`, building it with `build(*this)` the first
  // time. Safe from several threads: a losing builder's result is discarded.
  template <typename Build>
  const Bytes& framed(Framing slot, Build&& build) const {
    auto& cell = framings_[static_cast<std::size_t>(slot)];
    if (const Bytes* ready = cell.load(std::memory_order_acquire)) return *ready;
    auto* fresh = new Bytes(build(*this));
    const Bytes* expected = nullptr;
    if (cell.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) return *fresh;
    delete fresh;
    return *expected;
  }

  Packet(const Packet&) = delete;
  Packet& operator=(const Packet&) = delete;
  ~Packet();

  static constexpr std::size_t kTagHeaderBytes = 11;

 private:
  Packet() = default;
  Bytes flv_tag_;
  mutable std::atomic<const Bytes*> framings_[static_cast<std::size_t>(Framing::count)] = {};
};

}  // namespace courtcast::media
