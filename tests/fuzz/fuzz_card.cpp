// Standby card uploads: the bytes a court sends to PUT /api/v1/programs/
// {name}/card, FLV as is or MP4 remuxed by libavformat, then parsed and every
// frame decoded (libavcodec). libav* is not instrumented; courtcast's side
// of it (the memory I/O callbacks, the FLV parse, the checks) is. A card
// that is accepted has both sequence headers and a picture size.
#include <cstddef>
#include <cstdint>

#include "program/card_upload.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace courtcast::program;
  auto card = convert_card_upload({data, size});
  if (!card) {
    if (card.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (!card->card.video_header || !card->card.audio_header) __builtin_trap();
  (void)card_size(card->card);
  return 0;
}
