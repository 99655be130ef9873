// Feeds arbitrary bytes, split at a data-chosen point, to the chunk reader,
// as the server reads (parse) or as the client does (parse_one, one message
// at a time, skimming media when the first byte says so).
#include <cstddef>
#include <cstdint>
#include <optional>

#include "rtmp/chunk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::rtmp;
  ChunkReader reader(ChunkLimits{1 << 20, 1 << 20, 16});
  const bool as_client = size && (data[0] & 0x80);
  if (size && (data[0] & 0x40)) reader.set_skim_media(16);
  std::size_t split = size ? data[0] % (size + 1) : 0;
  courtcast::media::Bytes buffer;
  std::size_t messages = 0;
  auto feed = [&](const std::uint8_t* p, std::size_t n) {
    buffer.insert(buffer.end(), p, p + n);
    std::size_t consumed = 0;
    if (as_client) {
      for (;;) {
        std::optional<Message> m;
        auto used = reader.parse_one(std::span(buffer).subspan(consumed), m);
        if (!used) return false;
        consumed += *used;
        if (!m) break;
        messages += m->body.size() > 0 && m->body.size() <= m->length;
      }
    } else {
      auto used = reader.parse(buffer, [&](const Message& m) { messages += m.body.size() > 0; });
      if (!used) return false;
      consumed = *used;
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(consumed));
    return true;
  };
  if (feed(data, split)) feed(data + split, size - split);
  return 0;
}
