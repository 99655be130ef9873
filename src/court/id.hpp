#pragma once
// Row identity of domain objects. The store assigns ids; 0 means "not stored yet".

#include <cstdint>

namespace courtcast::court {

using Id = std::int64_t;

}  // namespace courtcast::court
