#pragma once
// The SRT stream id: which stream a caller publishes and with which key, in
// the access-control form of the SRT specification (`#!::r=live/NAME,
// m=publish,s=KEY`) or the short form encoders' URL fields take
// (`live/NAME?key=KEY`). Pure parsing: the listener and the tests share it.

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace courtcast::srt {

enum class StreamMode : std::uint8_t { publish, request };

struct StreamId {
  std::string app;   // "live"
  std::string name;  // the stream, e.g. "cam-a"
  StreamMode mode = StreamMode::publish;
  std::string key;  // may be empty; admission decides
};

// Errors name what was wrong and the forms that are understood.
base::Result<StreamId> parse_stream_id(std::string_view text);

}  // namespace courtcast::srt
