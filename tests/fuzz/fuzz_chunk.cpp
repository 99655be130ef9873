// Feeds arbitrary bytes, split at a data-chosen point, to the chunk reader.
#include <cstddef>
#include <cstdint>

#include "rtmp/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::rtmp;
  ChunkReader reader(ChunkLimits{1 << 20, 1 << 20, 16});
  std::size_t split = size ? data[0] % (size + 1) : 0;
  courtcast::media::Bytes buffer;
  std::size_t messages = 0;
  auto feed = [&](const std::uint8_t* p, std::size_t n) {
    buffer.insert(buffer.end(), p, p + n);
    auto used = reader.parse(buffer, [&](const Message& m) { messages += m.body.size() > 0; });
    if (!used) return false;
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*used));
    return true;
  };
  if (feed(data, split)) feed(data + split, size - split);
  return 0;
}
