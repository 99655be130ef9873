#pragma once
// HLS under /live: the playlists, init segments, parts and segments of a
// public stream's hls::Channel, as answers the server writes out. Only
// what Access::refuse_play lets the public play (air, `public` streams),
// asked exactly as the HTTP-FLV path asks it for a caller with no key and
// no login: HLS goes through caches, so nothing private ever may.
//
//   /live/NAME/index.m3u8          fMP4 (CMAF) LL-HLS media playlist
//   /live/NAME/ts.m3u8             the same segments as MPEG-TS
//   /live/NAME.m3u8                a redirect to /live/NAME/index.m3u8
//   /live/NAME/EPOCH/init{N}.mp4   init segment, one per codec configuration
//   /live/NAME/EPOCH/seg{M}.m4s    segment M (its parts, concatenated)
//   /live/NAME/EPOCH/part{M}.{P}.m4s  part P of segment M
//   /live/NAME/EPOCH/seg{M}.ts     segment M as MPEG-TS

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/status.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hls/segmenter.hpp"

namespace courtcast::http {

struct Services;

struct HlsReply {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string content_type;
  std::string cache_control;
  std::string location;                     // a redirect's target
  std::string retry_after;                  // on 503
  std::shared_ptr<const std::string> text;  // a playlist or an error's JSON
  std::vector<hls::SharedBytes> body;       // gathered media bytes
  std::size_t size() const;
};

bool is_hls_path(std::string_view path);

// Runs on the connection's worker; a blocking reload parks here.
boost::asio::awaitable<HlsReply> hls_reply(const Services& services, std::string_view path,
                                           std::string_view query);

}  // namespace courtcast::http
