#include "base/clock.hpp"

#include <chrono>

namespace courtcast::base {

std::int64_t utc_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace courtcast::base
