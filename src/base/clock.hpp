#pragma once
// Wall-clock time as the store, the API and the logs write it.

#include <cstdint>

namespace courtcast::base {

// Milliseconds since 1970-01-01T00:00:00Z.
std::int64_t utc_now_ms();

}  // namespace courtcast::base
