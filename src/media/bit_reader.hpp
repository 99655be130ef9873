#pragma once
// MSB-first bit reader with Exp-Golomb codes, for parameter sets. Reading
// past the end sets `overrun()` and returns zeros instead of throwing.

#include <cstddef>
#include <cstdint>
#include <span>

namespace courtcast::media {

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> data) : data_(data) {}

  std::uint32_t bits(unsigned n) {
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }
  std::uint32_t bit() {
    if (pos_ >= data_.size() * 8) {
      overrun_ = true;
      return 0;
    }
    const std::uint32_t b = (data_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
    ++pos_;
    return b;
  }
  void skip(std::size_t n) {
    pos_ += n;
    if (pos_ > data_.size() * 8) overrun_ = true;
  }
  std::uint32_t ue() {
    unsigned zeros = 0;
    while (bit() == 0) {
      if (overrun_ || ++zeros > 31) {
        overrun_ = true;
        return 0;
      }
    }
    return ((1u << zeros) - 1) + bits(zeros);
  }
  std::int32_t se() {
    const std::uint32_t k = ue();
    return (k & 1) ? static_cast<std::int32_t>((k + 1) / 2) : -static_cast<std::int32_t>(k / 2);
  }
  bool overrun() const { return overrun_; }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace courtcast::media
