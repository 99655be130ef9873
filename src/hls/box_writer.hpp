#pragma once
// A growing big-endian byte buffer with ISO BMFF box nesting: begin() writes
// a size placeholder and the type, end() patches the size. Muxers write into
// it; nothing here knows a box's meaning.

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace courtcast::hls {

class BoxWriter {
 public:
  std::vector<std::uint8_t>& bytes() { return out_; }
  std::size_t size() const { return out_.size(); }

  void u8(std::uint32_t v) { out_.push_back(static_cast<std::uint8_t>(v)); }
  void u16(std::uint32_t v) {
    u8(v >> 8);
    u8(v);
  }
  void u24(std::uint32_t v) {
    u8(v >> 16);
    u16(v);
  }
  void u32(std::uint32_t v) {
    u16(v >> 16);
    u16(v);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
  }
  void zeros(std::size_t n) { out_.insert(out_.end(), n, 0); }
  void fourcc(std::string_view t) { out_.insert(out_.end(), t.begin(), t.begin() + 4); }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

  // Opens a box; returns its offset for end().
  std::size_t begin(std::string_view type) {
    const std::size_t at = out_.size();
    u32(0);
    fourcc(type);
    return at;
  }
  // A full box: version and 24-bit flags after the type.
  std::size_t begin_full(std::string_view type, std::uint8_t version, std::uint32_t flags) {
    const std::size_t at = begin(type);
    u8(version);
    u24(flags);
    return at;
  }
  void end(std::size_t at) { patch_u32(at, static_cast<std::uint32_t>(out_.size() - at)); }
  void patch_u32(std::size_t at, std::uint32_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 24);
    out_[at + 1] = static_cast<std::uint8_t>(v >> 16);
    out_[at + 2] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 3] = static_cast<std::uint8_t>(v);
  }

 private:
  std::vector<std::uint8_t> out_;
};

}  // namespace courtcast::hls
