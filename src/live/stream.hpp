#pragma once
// A live stream: one publisher, any number of players on any number of
// threads. Packets are parsed and re-timed once on the publisher's thread,
// then handed by reference to one Shard per worker thread; the players of a
// worker read that shard's ring at their own cursor. The publisher never
// waits for a player, and a player that falls behind skips to a keyframe.

#include <algorithm>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "live/player_writer.hpp"
#include "media/flv.hpp"
#include "media/packet.hpp"

namespace courtcast::live {

namespace asio = boost::asio;
using media::PacketPtr;

struct StreamLimits {
  // A player further behind the newest packet than this skips to the latest keyframe.
  std::int64_t max_lag_ms = 3000;
  // The GOP cache for late joiners is dropped past this size (a camera without keyframes).
  std::size_t max_gop_bytes = 32 << 20;
  // 0 wakes players on every packet (lowest latency); more merges their writes.
  std::int64_t merge_window_ms = 0;
  // With no merge window: how long audio alone may wait for the next video
  // frame so that both go out in one write (0: never wait).
  std::int64_t audio_hold_ms = 20;
  // Upper bound of one gathered write to a player.
  std::size_t max_batch_bytes = 1 << 20;
  std::size_t max_batch_packets = 512;
  // With no merge window: wake players from the back of the event loop's
  // queue, so that batches already queued behind one (a busy loop) share one
  // wake and one write per player. Never waits: an idle loop wakes at once.
  bool adaptive_merge = true;
};

// The ingest link's own figures, for protocols that have them (SRT): how the
// network between the camera and the server is doing.
struct LinkStats {
  std::string protocol;  // "srt"
  double rtt_ms = 0;
  double receive_rate_mbps = 0;
  double bandwidth_mbps = 0;    // the link's estimated capacity
  std::int64_t latency_ms = 0;  // agreed receiver latency (TSBPD)
  std::int64_t packets_received = 0;
  std::int64_t packets_lost = 0;           // detected missing, most then retransmitted
  std::int64_t packets_retransmitted = 0;  // retransmissions that arrived
  std::int64_t packets_dropped = 0;        // too late even for a retransmission: a gap
  std::int64_t receive_buffer_ms = 0;
  std::int64_t receive_buffer_bytes = 0;
  std::uint64_t continuity_errors = 0;  // MPEG-TS packets missing after SRT
};

// What the API reports about a stream. A snapshot; safe to copy.
struct StreamInfo {
  std::string name;
  bool live = false;
  std::string publisher_address;
  std::int64_t uptime_ms = 0;
  media::VideoCodec video_codec = media::VideoCodec::unknown;
  media::AudioCodec audio_codec = media::AudioCodec::unknown;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint8_t video_profile = 0;
  double frame_rate = 0;
  std::uint32_t audio_sample_rate = 0;
  std::uint8_t audio_channels = 0;
  std::uint64_t bitrate_bps = 0;
  std::uint64_t players = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t skipped_packets = 0;
  std::uint64_t publishes = 0;
  std::optional<LinkStats> link;  // while an SRT (or similar) publisher is on
};

class Stream;
class Player;

// The part of a stream one worker thread serves. Touched only on its executor.
// Packets are numbered by the stream, so that a shard that had no player (and
// was sent nothing) can start again from the stream's feed where it is.
class Shard {
 public:
  Shard(Stream& stream, asio::any_io_executor executor);
  const asio::any_io_executor& executor() const { return executor_; }

 private:
  friend class Stream;
  friend class Player;

  // `batch` holds the stream's packets first_seq, first_seq + 1, ...
  void on_packets(std::uint64_t first_seq, const std::vector<PacketPtr>& batch);
  // Adds packets to the ring (no visibility, no wake): for the feed too.
  void append(std::span<const PacketPtr> packets);
  void append_one(const PacketPtr& p);  // without the trim
  // The first player of this shard starts it from the stream's feed; while
  // none of its players is pushed to, the publisher sends it nothing.
  void attach(bool pulled);
  void detach(bool pulled);
  // Brings the ring up to the feed: what pulled players read at their tick.
  void catch_up();
  void catch_up_locked();  // with Stream::feed_mutex_ held
  void copy_ring_from(const Shard& other);
  void on_publishing(bool publishing);
  void on_finished();
  void make_visible();
  void make_visible_soon();
  void wake_players();
  void trim();
  std::int64_t head_dts() const { return ring_.empty() ? 0 : ring_.back()->dts_ms; }
  const std::vector<PacketPtr>& start_headers(std::int64_t at_dts);

  Stream& stream_;
  asio::any_io_executor executor_;
  std::deque<PacketPtr> ring_;
  std::uint64_t front_seq_ = 0;           // sequence number of ring_.front()
  std::uint64_t visible_seq_ = 0;         // players may read below this
  std::optional<std::uint64_t> gop_seq_;  // latest video keyframe still in the ring
  std::size_t ring_bytes_ = 0;
  std::size_t gop_bytes_ = 0;
  PacketPtr metadata_, video_header_, audio_header_;
  std::vector<PacketPtr> start_headers_;  // headers re-stamped for start_headers_dts_
  std::int64_t start_headers_dts_ = 0;
  std::vector<Player*> waiting_;
  std::vector<Player*> woken_;
  asio::steady_timer merge_timer_;
  bool merge_armed_ = false;
  std::uint64_t hold_generation_ = 0;  // a hold released before its timer fired is stale
  bool release_posted_ = false;        // a make_visible_soon() is queued
  bool publishing_ = false;
  bool finished_ = false;  // players read to the end, then are told it ended
  std::size_t attached_players_ = 0;
  std::size_t pushed_players_ = 0;  // attached players that are not pulled
  bool fed_ = false;  // the publisher posts batches here; guarded by Stream::feed_mutex_
  std::uint64_t next_seq() const { return front_seq_ + ring_.size(); }
};

// A subscriber's cursor into its shard. Create and use it on the shard's
// executor (the executor of the player's connection).
class Player final : public PacketSource {
 public:
  // A player with a `pull_interval` is not woken by the publisher: it
  // catches up with the stream's feed when it asks for packets, and when
  // nothing is there it looks again at the next multiple of the interval.
  // For readers that send on a clock of their own anyway (the relay's
  // destinations, every 100 ms): the publisher then posts nothing to their
  // event loop, where it would cost a wake-up per batch (~70 a second).
  Player(std::shared_ptr<Stream> stream, std::size_t shard_index,
         std::chrono::milliseconds pull_interval = std::chrono::milliseconds::zero());
  ~Player() override;
  Player(const Player&) = delete;
  Player& operator=(const Player&) = delete;

  // Waits until packets are ready and appends them to `out` (cleared first):
  // sequence headers and metadata first, then from a keyframe on. Returns
  // false once the player is closed, or when the stream was finished and
  // the player has everything that was published before that.
  asio::awaitable<bool> next(std::vector<PacketPtr>& out) override;
  // Makes a pending next() return at once, with nothing, so that the
  // connection can send something else first.
  void interrupt() override;

  // The fast path of the hot loop. While next() waits, a wake calls
  // `direct` on the shard's thread instead of resuming the coroutine: it
  // takes what is ready (take_ready) and writes it without blocking. It
  // returns true when everything went out (the player keeps waiting, no
  // handler or coroutine hop at all), false to hand over to next()'s caller
  // (the socket was full; it finishes the write asynchronously).
  void set_direct_writer(std::function<bool()> direct) override { direct_ = std::move(direct); }
  // What next() would return, without waiting; false when nothing is ready.
  bool take_ready(std::vector<PacketPtr>& out) override;
  void close();
  void count_sent(std::size_t bytes) override;
  // Packets this player skipped because it fell behind.
  std::uint64_t skipped_packets() const { return skipped_; }
  Stream& stream() { return *stream_; }

 private:
  friend class Shard;
  void gather(std::vector<PacketPtr>& out);
  void attach_once();
  void start_at(std::uint64_t seq, std::vector<PacketPtr>& out);

  bool pulled() const { return pull_interval_.count() > 0; }

  std::shared_ptr<Stream> stream_;
  Shard& shard_;
  const std::chrono::milliseconds pull_interval_;
  asio::steady_timer wake_timer_;
  std::uint64_t cursor_ = 0;
  bool started_ = false;
  bool closed_ = false;
  bool interrupted_ = false;
  bool registered_ = false;  // on the shard's waiting list
  bool attached_ = false;    // counted in the shard's attached_players_
  std::function<bool()> direct_;
  std::uint64_t skipped_ = 0;
};

using PacketBatch = std::shared_ptr<const std::vector<PacketPtr>>;

// Receives every packet of a stream in order, without ever being skipped:
// the evidence recorder is one. Called on the publisher's thread, so it must
// only hand the batch on (to a queue of its own), never block.
class Tap {
 public:
  virtual ~Tap() = default;
  virtual void on_publish_start(const std::string& publisher_address) = 0;
  virtual void on_packets(const PacketBatch& batch) = 0;
  virtual void on_publish_end() = 0;
};

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  Stream(std::string name, std::vector<asio::any_io_executor> shard_executors, StreamLimits limits,
         std::vector<std::shared_ptr<Tap>> taps = {});

  const std::string& name() const { return name_; }
  const StreamLimits& limits() const { return limits_; }
  std::size_t shard_count() const { return shards_.size(); }
  Shard& shard(std::size_t i) { return *shards_[i]; }

  // Publisher side: call from the publisher's connection only.
  bool try_begin_publish(const std::string& publisher_address);
  void end_publish();
  // The stream has ended for good (its session ended): every player gets
  // what is left, then the end of the stream. A new publish starts it anew.
  void finish();
  // Parses the tag header, re-times onto the stream's continuous timeline and
  // queues the packet; `flush` hands everything queued to the shards.
  // A body the parser rejects is dropped and counted, never forwarded.
  bool push(media::PacketKind kind, std::int64_t source_dts_ms, std::span<const std::uint8_t> body);
  // For producers that keep a timeline of their own (the program and air
  // writers): the packet goes out as it is, its timestamps untouched.
  void push_ready(PacketPtr packet);
  void flush();

  // The publisher's link figures, shown with the stream until the publish ends.
  void set_link_stats(const LinkStats& link);

  bool live() const { return live_.load(std::memory_order_acquire); }
  StreamInfo info() const;

 private:
  friend class Player;
  friend class Shard;

  std::int64_t retime(media::PacketKind kind, std::int64_t source_dts_ms);
  void note_codec(media::PacketKind kind, const media::VideoTagInfo* video,
                  const media::AudioTagInfo* audio, std::span<const std::uint8_t> body);
  void note_rate(const media::Packet& p);

  const std::string name_;
  const StreamLimits limits_;
  std::vector<std::unique_ptr<Shard>> shards_;
  const std::vector<std::shared_ptr<Tap>> taps_;
  std::atomic<bool> live_{false};

  // What a shard starts from when its first player comes: the ring as every
  // shard would hold it (headers, the latest GOP). A shard with no player is
  // sent nothing; a batch posted to every event loop even when one served
  // nobody was most of what carrying a stream cost.
  std::mutex feed_mutex_;
  std::unique_ptr<Shard> feed_;  // on the first shard's executor; never has players

  // Publisher-thread state.
  std::vector<PacketPtr> pending_;
  bool have_timeline_ = false;
  bool new_publish_ = true;
  std::int64_t offset_ms_ = 0;
  std::int64_t last_dts_ms_[3] = {0, 0, 0};  // audio, video, data
  std::int64_t last_out_dts_ms_ = 0;
  std::chrono::steady_clock::time_point last_packet_at_{};
  std::chrono::steady_clock::time_point window_start_{};
  std::uint64_t window_bytes_ = 0;
  std::uint64_t window_frames_ = 0;

  // Read by the API from any thread.
  mutable std::mutex info_mutex_;
  StreamInfo info_;
  std::chrono::steady_clock::time_point publish_started_{};
  std::atomic<std::uint64_t> players_{0};
  std::atomic<std::uint64_t> bytes_in_{0};
  std::atomic<std::uint64_t> bytes_out_{0};
  std::atomic<std::uint64_t> skipped_{0};
};

}  // namespace courtcast::live
