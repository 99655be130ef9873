#pragma once
// Counters that stop at their maximum instead of wrapping to zero: a count
// shown to people ("refused since start-up") must never go back down, and
// one that wrapped would hide a flood in progress.

#include <atomic>
#include <cstdint>
#include <limits>

namespace courtcast::base {

// Adds one unless `counter` is at its maximum; returns the new value. Any
// thread; lock-free where the atomic is.
inline std::uint64_t saturating_increment(std::atomic<std::uint64_t>& counter) {
  std::uint64_t now = counter.load(std::memory_order_relaxed);
  while (now != std::numeric_limits<std::uint64_t>::max() &&
         !counter.compare_exchange_weak(now, now + 1, std::memory_order_relaxed)) {
  }
  return now == std::numeric_limits<std::uint64_t>::max() ? now : now + 1;
}

}  // namespace courtcast::base
