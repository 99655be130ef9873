#pragma once
// The delay between program and air: packets wait here until they are
// `delay_ms` old. Time is passed in, so the rules (what a shorter delay
// skips, what a cut drops) are tested without a clock. Owned by the
// program's executor, like the rest of its state.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>

#include "media/packet.hpp"

namespace courtcast::program {

class DelayLine {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DelayLine(std::int64_t delay_ms) : delay_ms_(delay_ms) {}

  std::int64_t delay_ms() const { return delay_ms_; }
  std::size_t size() const { return queue_.size(); }
  bool empty() const { return queue_.empty(); }
  // How much program waits here at `now`: the age of the oldest packet, so
  // it climbs to delay_ms after a start, a cut or a longer delay.
  std::int64_t buffered_ms(Clock::time_point now) const {
    if (queue_.empty()) return 0;
    const auto age =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - queue_.front().arrived);
    return age.count() > 0 ? age.count() : 0;
  }

  void push(Clock::time_point arrived, media::PacketPtr p) {
    queue_.push_back(Queued{arrived, std::move(p)});
  }

  // The oldest packet if it is due at `now` (it arrived delay_ms ago or
  // earlier), else nullptr.
  media::PacketPtr pop_due(Clock::time_point now) {
    if (queue_.empty() || queue_.front().arrived + std::chrono::milliseconds(delay_ms_) > now)
      return nullptr;
    media::PacketPtr p = std::move(queue_.front().packet);
    queue_.pop_front();
    return p;
  }

  // Changes the delay. A shorter one skips what is then overdue up to the
  // newest keyframe that is due, so air goes on from a keyframe; the
  // sequence headers skipped on the way are handed to `skipped_header`
  // (air still needs the newest ones). Returns whether it skipped, i.e.
  // whether air starts a new segment.
  bool set_delay(std::int64_t delay_ms, Clock::time_point now,
                 const std::function<void(const media::PacketPtr&)>& skipped_header);

  // Drops everything waiting (a cut); returns how many packets that was.
  // The sequence headers dropped are handed to `dropped_header` in order:
  // air needs the newest ones when it comes back, or it would send the new
  // camera's pictures under the old one's configuration.
  std::size_t clear(const std::function<void(const media::PacketPtr&)>& dropped_header = nullptr) {
    const std::size_t n = queue_.size();
    if (dropped_header)
      for (const auto& q : queue_)
        if (q.packet->sequence_header) dropped_header(q.packet);
    queue_.clear();
    return n;
  }

 private:
  struct Queued {
    Clock::time_point arrived;
    media::PacketPtr packet;
  };
  std::int64_t delay_ms_;
  std::deque<Queued> queue_;
};

}  // namespace courtcast::program
