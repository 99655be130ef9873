#pragma once
// Publishes an FLV file over RTMP in real time: paced by its timestamps,
// looping with continuous timestamps, recording when each video packet left.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "media/packet.hpp"
#include "media/result.hpp"
#include "tools/send_clock.hpp"

namespace courtcast::tools {

struct FlvFile {
  struct Tag {
    media::PacketKind kind;
    std::int64_t dts_ms;
    bool header;               // metadata or a sequence header: sent on the first loop only
    std::size_t offset, size;  // body within `bytes`
  };
  media::Bytes bytes;
  std::vector<Tag> tags;
  std::int64_t loop_ms = 0;  // timestamp advance from one loop to the next
  double bitrate_bps = 0;    // audio + video payload over the file's duration
};

media::Result<FlvFile> load_flv(const std::string& path);

// State the publisher shares with the rest of the bench (any thread).
struct PublishState {
  std::atomic<int> phase{0};                  // 0 starting, 1 publishing, -1 failed, 2 ended
  std::atomic<std::uint64_t> media_bytes{0};  // audio + video payload sent
  std::atomic<std::uint64_t> late_sends{0};   // packets sent > 50 ms behind schedule
  std::string error;                          // set before phase becomes -1 or 2
  std::atomic<bool> stop{false};
};

// `clock` gets the send time of every video frame, `audio_clock` of every
// audio frame (kept apart: an audio and a video frame may share a dts).
boost::asio::awaitable<void> publish_flv(const FlvFile& file, std::string url, SendClock& clock,
                                         SendClock& audio_clock, PublishState& state);

}  // namespace courtcast::tools
