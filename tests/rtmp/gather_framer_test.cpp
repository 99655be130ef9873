// The client's gathered sends frame a message to the same bytes as
// write_message(), whatever is copied and whatever is only referenced.

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <cstdint>
#include <vector>

#include "rtmp/chunk.hpp"
#include "rtmp/client.hpp"

namespace courtcast::rtmp {
namespace {

Bytes gathered(GatherFramer& framer) {
  Bytes out;
  for (const auto& b : framer.buffers()) {
    const auto* p = static_cast<const std::uint8_t*>(b.data());
    out.insert(out.end(), p, p + b.size());
  }
  return out;
}

TEST(GatherFramer, frames_every_message_as_write_message_does) {
  Bytes body(10'000);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(i * 7);
  for (std::uint32_t csid : {3u, 100u, 400u})
    for (std::uint32_t timestamp : {0u, 1000u, 0xFFFFFEu, 0xFFFFFFu, 0x12345678u})
      for (std::size_t size : {std::size_t{0}, std::size_t{100}, std::size_t{4096}, body.size()})
        for (std::uint32_t chunk_size : {128u, 4096u})
          for (bool copy : {false, true}) {
            const std::span<const std::uint8_t> payload(body.data(), size);
            Bytes want;
            write_message(want, csid, 9, 1, timestamp, payload, chunk_size);
            GatherFramer framer;
            framer.append_message(csid, 9, 1, timestamp, payload, chunk_size, copy);
            EXPECT_EQ(gathered(framer), want) << "csid " << csid << " ts " << timestamp << " size "
                                              << size << " chunk " << chunk_size;
            EXPECT_EQ(framer.size_bytes(), want.size());
          }
}

TEST(GatherFramer, a_batch_is_the_messages_one_after_another) {
  const Bytes a(300, 0xAA), b(5000, 0xBB);
  Bytes want;
  write_message(want, 4, 8, 1, 40, a, 128);
  write_message(want, 6, 9, 1, 0x1000000, b, 4096);
  GatherFramer framer;
  framer.append_message(4, 8, 1, 40, a, 128);
  framer.append_message(6, 9, 1, 0x1000000, b, 4096);
  EXPECT_EQ(gathered(framer), want);
}

}  // namespace
}  // namespace courtcast::rtmp
