#pragma once
// Cuts one stream into HLS: fMP4 segments of about `segment_ms` starting at
// keyframes, each made of LL-HLS parts of at most `part_ms`, the same
// segments as MPEG-TS, and the sliding window of the newest ones with the
// playlists that list them. Pure: packets in, bytes and text out, no clock
// (wall time is passed in), no locks (the owner guards it).
//
// A segment is the concatenation of its parts (each a moof + mdat), so its
// bytes are never held twice: serving a segment gathers its parts.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hls/fmp4.hpp"
#include "hls/ts_mux.hpp"
#include "media/packet.hpp"

namespace courtcast::hls {

struct SegmenterOptions {
  std::int64_t segment_ms = 2000;
  std::int64_t part_ms = 500;
  std::size_t window_segments = 6;  // complete segments kept and listed
  bool ts = true;                   // also make the MPEG-TS variant
  std::string uri_prefix;           // before every segment URI (e.g. "EPOCH/")
};

using SharedBytes = std::shared_ptr<const Bytes>;

struct Part {
  SharedBytes bytes;
  std::int64_t duration_ms = 0;
  bool independent = false;  // starts with a keyframe
};

struct Segment {
  std::uint64_t msn = 0;
  std::uint32_t init_id = 0;
  bool discontinuity = false;  // the codec configuration changed before it
  std::int64_t utc_ms = 0;     // wall time of its first frame (EXT-X-PROGRAM-DATE-TIME)
  std::vector<Part> parts;
  std::int64_t duration_ms = 0;
  bool complete = false;
  SharedBytes ts;  // once complete, when the TS variant is on
  std::size_t bytes() const;
};

struct Init {
  std::uint32_t id = 0;
  SharedBytes bytes;
  MediaConfig config;
};

// Where a blocking playlist request stands (_HLS_msn / _HLS_part).
enum class BlockState { ready, wait, too_far };

class Segmenter {
 public:
  explicit Segmenter(SegmenterOptions options);

  // Returns true when a part or segment was completed (the window changed).
  bool push(const media::PacketPtr& p, std::int64_t utc_ms);
  // The publisher left: what is open is completed, the next packets start
  // a new segment at a keyframe.
  bool flush();

  const std::deque<Segment>& segments() const { return segments_; }
  const Segment* segment(std::uint64_t msn) const;
  const Init* init(std::uint32_t id) const;
  // Whether part `part` of segment `msn` (or, without a part, the whole
  // segment) is in the playlist yet; too_far when it cannot be soon
  // (more than two segments ahead, as the LL-HLS spec puts it).
  BlockState block_state(std::uint64_t msn, std::optional<std::uint64_t> part) const;
  // The part the next EXT-X-PRELOAD-HINT names: (msn, part index).
  std::pair<std::uint64_t, std::uint64_t> next_part() const;
  bool has_complete_segment() const;
  std::int64_t target_duration_s() const { return target_s_; }

  std::string fmp4_playlist() const;
  std::string ts_playlist() const;
  // Bytes held by the window: what the memory bound is about.
  std::size_t window_bytes() const;

 private:
  void note_header(const media::Packet& p);
  void open_segment(std::int64_t dts_ms, std::int64_t utc_ms);
  void close_part(std::int64_t end_dts_ms);
  void close_segment(std::int64_t end_dts_ms);
  Segment* open() {
    return !segments_.empty() && !segments_.back().complete ? &segments_.back() : nullptr;
  }
  const Segment* open() const {
    return !segments_.empty() && !segments_.back().complete ? &segments_.back() : nullptr;
  }
  void slide();

  SegmenterOptions options_;
  MediaConfig incoming_;  // from the latest sequence headers
  MediaConfig active_;    // what the open segment's init says
  bool started_ = false;
  bool need_keyframe_ = true;  // at start, after a flush or a configuration change
  std::deque<Segment> segments_;
  std::deque<Init> inits_;
  std::uint32_t next_init_id_ = 0;
  std::uint64_t next_msn_ = 0;
  std::uint64_t discontinuity_sequence_ = 0;
  std::uint32_t fragment_sequence_ = 0;
  std::int64_t target_s_ = 2;

  // The open part and segment.
  std::vector<media::PacketPtr> part_video_, part_audio_;
  std::vector<media::PacketPtr> segment_packets_;  // for the TS variant
  std::int64_t part_start_ms_ = 0;
  std::int64_t segment_start_ms_ = 0;
  std::int64_t last_video_dts_ = 0;
  std::int64_t frame_ms_ = 40;
  bool have_video_dts_ = false;
  TsMuxer ts_;
};

}  // namespace courtcast::hls
