// Answers arbitrary C0+C1 blocks and S0+S1+S2 blocks.
#include <cstddef>
#include <cstdint>

#include "rtmp/handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::rtmp;
  (void)make_server_handshake({data, size});
  (void)make_client_c2({data, size});
  return 0;
}
