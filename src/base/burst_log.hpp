#pragma once
// Logs the first of a burst of like events, then at most one line per
// interval: a flood of connections must not flood the log. Each line carries
// the running count, so what was not logged is still counted.

#include <chrono>
#include <mutex>

namespace courtcast::base {

class BurstLog {
 public:
  bool due(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (now < next_) return false;
    next_ = now + std::chrono::seconds(10);
    return true;
  }

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace courtcast::base
