#include "program/delay_line.hpp"

namespace courtcast::program {

bool DelayLine::set_delay(std::int64_t delay_ms, Clock::time_point now,
                          const std::function<void(const media::PacketPtr&)>& skipped_header) {
  const std::int64_t before = delay_ms_;
  delay_ms_ = delay_ms;
  if (delay_ms >= before) return false;
  std::size_t keep_from = 0;
  bool found = false;
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    const auto& q = queue_[i];
    if (q.arrived + std::chrono::milliseconds(delay_ms) > now) break;
    if (q.packet->is_video() && q.packet->keyframe) {
      keep_from = i;
      found = true;
    }
  }
  for (std::size_t i = 0; found && i < keep_from; ++i) {
    const auto& p = queue_.front().packet;
    if (p->sequence_header && skipped_header) skipped_header(p);
    queue_.pop_front();
  }
  return found;
}

}  // namespace courtcast::program
