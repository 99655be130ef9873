// Decodes arbitrary bytes as AMF0 and re-encodes what decoded.
#include <cstddef>
#include <cstdint>

#include "rtmp/amf0.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::rtmp;
  auto values = amf0::decode_all({data, size});
  if (!values) return 0;
  courtcast::media::Bytes out;
  for (const auto& v : *values) amf0::encode(out, v);
  auto again = amf0::decode_all(out);
  if (!again || again->size() != values->size()) __builtin_trap();
  return 0;
}
