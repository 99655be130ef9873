#pragma once
// Where an RTMP client connects and what it asks for: the URL of a
// destination or of a player, split once. No sockets here.

#include <cstdint>
#include <string>
#include <string_view>

#include "media/result.hpp"

namespace courtcast::rtmp {

// An rtmp:// or rtmps:// URL split as FFmpeg splits it: the application is
// the first path segment, the stream name is the rest, query included.
struct Url {
  std::string scheme;  // "rtmp" or "rtmps"
  std::string host;
  std::uint16_t port = 1935;
  std::string app;
  std::string stream;
  std::string tc_url;  // scheme://host[:port]/app, what connect announces

  bool secure() const { return scheme == "rtmps"; }
};

// The error names what is missing or wrong; one without a scheme quotes the
// whole text, stream key included.
media::Result<Url> parse_url(std::string_view url);

}  // namespace courtcast::rtmp
