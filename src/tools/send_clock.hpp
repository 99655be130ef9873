#pragma once
// When the bench's publisher sent each video packet, by dts, for the players
// of the same process to turn a received dts into a pass-through latency.
// One writer (the publisher), any number of reader threads, no locks.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>

namespace courtcast::tools {

class SendClock {
 public:
  using Clock = std::chrono::steady_clock;

  SendClock() {
    for (auto& s : slots_) s.dts.store(-1, std::memory_order_relaxed);
  }

  void record(std::int64_t dts_ms, Clock::time_point sent_at) {
    Slot& s = slots_[static_cast<std::uint64_t>(dts_ms) % kSlots];
    s.dts.store(-1, std::memory_order_relaxed);
    s.sent_ns.store(sent_at.time_since_epoch().count(), std::memory_order_relaxed);
    s.dts.store(dts_ms, std::memory_order_release);
  }

  // The send time of the video packet with this wire timestamp (32-bit
  // wrapping, as RTMP and FLV carry it), if the publisher sent one recently.
  std::optional<Clock::time_point> sent_at(std::uint32_t wire_dts_ms) const {
    const Slot& s = slots_[wire_dts_ms % kSlots];
    const std::int64_t before = s.dts.load(std::memory_order_acquire);
    const std::int64_t ns = s.sent_ns.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    const std::int64_t after = s.dts.load(std::memory_order_relaxed);
    if (before < 0 || before != after || static_cast<std::uint32_t>(before) != wire_dts_ms)
      return std::nullopt;
    return Clock::time_point(Clock::duration(ns));
  }

 private:
  // 2^16 ms: a minute of distinct timestamps, far more than any latency.
  static constexpr std::uint64_t kSlots = 1 << 16;
  struct Slot {
    std::atomic<std::int64_t> dts;
    std::atomic<std::int64_t> sent_ns;
  };
  std::array<Slot, kSlots> slots_;
};

}  // namespace courtcast::tools
