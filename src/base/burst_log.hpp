#pragma once
// Logs the first lines of a burst of like events, then nothing more until
// the interval has passed: a flood of connections must not flood the log.
// Each line carries the running count, so what was not logged is still
// counted.

#include <chrono>
#include <mutex>

namespace courtcast::base {

class BurstLog {
 public:
  // `lines` per 10 s: more than one where each line helps someone, such as
  // a camera operator trying a key again.
  explicit BurstLog(int lines = 1) : lines_(lines) {}

  bool due(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    if (now >= window_end_) {
      window_end_ = now + std::chrono::seconds(10);
      logged_ = 0;
    }
    if (logged_ >= lines_) return false;
    ++logged_;
    return true;
  }

 private:
  const int lines_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point window_end_{};
  int logged_ = 0;
};

}  // namespace courtcast::base
