#include "live/stream.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/container/small_vector.hpp>

#include "media/codec_config.hpp"

namespace courtcast::live {

using namespace std::chrono;
using media::Packet;
using media::PacketKind;

namespace {

std::size_t kind_index(PacketKind k) {
  return k == PacketKind::audio ? 0 : k == PacketKind::video ? 1 : 2;
}

// Calls `release` in `hold_ms` on the timer's executor, unless a hold is
// running already (`armed`; `release` clears it).
template <typename Release>
void hold(asio::steady_timer& timer, bool& armed, std::int64_t hold_ms, Release release) {
  if (armed) return;
  armed = true;
  timer.expires_after(milliseconds(hold_ms));
  timer.async_wait([release = std::move(release)](boost::system::error_code) { release(); });
}

}  // namespace

// ---------------------------------------------------------------- Shard

Shard::Shard(Stream& stream, asio::any_io_executor executor)
    : stream_(stream), executor_(executor), merge_timer_(executor) {}

void Shard::on_packets(std::uint64_t first_seq, const std::vector<PacketPtr>& batch) {
  // No player is pushed to: the feed keeps what a first one needs, and
  // pulled players catch up from it. (A batch posted before the last pushed
  // player left may still arrive.)
  if (pushed_players_ == 0) return;
  std::span<const PacketPtr> fresh(batch);
  if (first_seq > next_seq()) {
    // Batches are posted from the moment the first pushed player came, so
    // the gap is what the shard had not pulled yet: take it from the feed
    // (which has this batch too).
    {
      std::lock_guard lock(stream_.feed_mutex_);
      catch_up_locked();
    }
    make_visible();
  }
  // What a copy or a catch-up from the feed already brought is skipped.
  if (first_seq + fresh.size() <= next_seq()) return;
  fresh = fresh.subspan(next_seq() - first_seq);
  append(fresh);
  const auto& limits = stream_.limits_;
  std::int64_t hold_ms = limits.merge_window_ms;
  if (hold_ms <= 0) {
    // Lowest latency: video goes out at once; audio alone waits a moment for
    // the next video frame (when there is video) to share its write, which
    // saves players about two writes in five. With no player waiting (paced
    // relay destinations, players busy writing) nobody would share it: no
    // timer then.
    const bool audio_only =
        std::all_of(fresh.begin(), fresh.end(), [](const PacketPtr& p) { return p->is_audio(); });
    if (!audio_only || !video_header_ || limits.audio_hold_ms <= 0 || waiting_.empty()) {
      // The audio held so far goes out with this video. The next audio gets
      // a hold of its own: left armed, the old timer would send it alone
      // early, before the next video frame it could have joined.
      if (merge_armed_) {
        merge_armed_ = false;
        ++hold_generation_;
        merge_timer_.cancel();
      }
      if (limits.adaptive_merge)
        make_visible_soon();
      else
        make_visible();
      return;
    }
    hold_ms = limits.audio_hold_ms;
  }
  hold(merge_timer_, merge_armed_, hold_ms,
       [self = stream_.shared_from_this(), this, generation = hold_generation_] {
         if (generation != hold_generation_) return;  // released early by a video frame
         merge_armed_ = false;
         make_visible();
       });
}

void Shard::append(std::span<const PacketPtr> packets) {
  for (const auto& p : packets) append_one(p);
  trim();
}

void Shard::append_one(const PacketPtr& p) {
  if (p->sequence_header) {
    (p->is_video() ? video_header_ : audio_header_) = p;
    start_headers_.clear();
  } else if (p->kind == PacketKind::data) {
    metadata_ = p;
    start_headers_.clear();
  }
  if (p->is_video() && p->keyframe) {
    gop_seq_ = next_seq();
    gop_bytes_ = 0;
  }
  ring_.push_back(p);
  ring_bytes_ += p->size_bytes();
  if (gop_seq_) gop_bytes_ += p->size_bytes();
}

void Shard::catch_up_locked() {
  const Shard& feed = *stream_.feed_;
  if (feed.next_seq() <= next_seq()) return;
  if (ring_.empty() || next_seq() < feed.front_seq_) {
    copy_ring_from(feed);  // first time, or further behind than the feed keeps
    return;
  }
  for (std::size_t i = next_seq() - feed.front_seq_; i < feed.ring_.size(); ++i)
    append_one(feed.ring_[i]);
  trim();
}

void Shard::catch_up() {
  {
    std::lock_guard lock(stream_.feed_mutex_);
    catch_up_locked();
  }
  make_visible();
}

void Shard::copy_ring_from(const Shard& other) {
  ring_ = other.ring_;
  front_seq_ = other.front_seq_;
  gop_seq_ = other.gop_seq_;
  ring_bytes_ = other.ring_bytes_;
  gop_bytes_ = other.gop_bytes_;
  metadata_ = other.metadata_;
  video_header_ = other.video_header_;
  audio_header_ = other.audio_header_;
  start_headers_.clear();
  // With a merge window, while publishing, the copy is one more batch to
  // hold (the window may hold its newest packets on the other shards too);
  // else it all shows.
  const std::int64_t window_ms = stream_.limits_.merge_window_ms;
  visible_seq_ = window_ms > 0 && publishing_ ? front_seq_ : next_seq();
  if (visible_seq_ != next_seq())
    hold(merge_timer_, merge_armed_, window_ms, [self = stream_.shared_from_this(), this] {
      merge_armed_ = false;
      make_visible();
    });
}

void Shard::attach(bool pulled) {
  std::lock_guard lock(stream_.feed_mutex_);
  if (!pulled && pushed_players_++ == 0) fed_ = true;
  // A later player finds the ring there; a pushed one joining pulled ones
  // may find it behind the feed, and its first batch catches it up.
  if (attached_players_++ == 0 && stream_.feed_) copy_ring_from(*stream_.feed_);
}

void Shard::detach(bool pulled) {
  {
    std::lock_guard lock(stream_.feed_mutex_);
    if (!pulled && --pushed_players_ == 0) fed_ = false;
    if (--attached_players_ > 0) return;
  }
  // The feed keeps all of it; hold no second copy.
  ring_.clear();
  front_seq_ = visible_seq_ = 0;
  gop_seq_.reset();
  ring_bytes_ = gop_bytes_ = 0;
  metadata_ = video_header_ = audio_header_ = nullptr;
  start_headers_.clear();
}

void Shard::on_publishing(bool publishing) {
  publishing_ = publishing;
  if (publishing) {
    finished_ = false;
    // Pulled players wait without a clock while nothing is published; now
    // they look at the feed again.
    std::erase_if(waiting_, [](Player* p) {
      if (!p->pulled()) return false;
      p->registered_ = false;
      p->wake_timer_.cancel();
      return true;
    });
  }
  if (!publishing) make_visible();  // nothing more is coming soon: release what is held
}

void Shard::on_finished() {
  finished_ = true;
  visible_seq_ = next_seq();
  // Every waiting player returns from next() to read what is left and then
  // the end; a direct writer is not asked, it would not see the end.
  woken_.swap(waiting_);
  for (Player* p : woken_) {
    p->registered_ = false;
    p->wake_timer_.cancel();
  }
  woken_.clear();
}

void Shard::make_visible() {
  if (visible_seq_ == next_seq()) return;
  visible_seq_ = next_seq();
  wake_players();
}

// Adaptive merging: the wake is queued behind what the loop already has to
// do. Batches for this shard posted meanwhile join the ring first and go out
// with this wake: a busy loop writes fewer, larger batches; an idle one runs
// the wake next, so latency grows only by the work that was already queued.
void Shard::make_visible_soon() {
  if (release_posted_) return;
  release_posted_ = true;
  asio::post(executor_, [self = stream_.shared_from_this(), this] {
    release_posted_ = false;
    make_visible();
  });
}

void Shard::wake_players() {
  // Swap rather than move so both lists keep their capacity between wakes.
  woken_.swap(waiting_);
  for (Player* p : woken_) {
    if (p->direct_ && !p->closed_ && !p->interrupted_ && p->direct_()) {
      waiting_.push_back(p);  // written in place; still waiting for more
      continue;
    }
    // Not written in place: next() returns (empty when nothing new) so its
    // caller finishes what the direct write left over, in order.
    if (p->direct_) p->interrupted_ = true;
    p->registered_ = false;
    p->wake_timer_.cancel();
  }
  woken_.clear();
}

void Shard::trim() {
  if (gop_seq_ && gop_bytes_ > stream_.limits_.max_gop_bytes) {
    gop_seq_.reset();  // a GOP this long is no use to a late joiner
    start_headers_.clear();
  }
  const std::int64_t oldest_kept = head_dts() - stream_.limits_.max_lag_ms;
  while (!ring_.empty()) {
    if (gop_seq_ && front_seq_ >= *gop_seq_) break;
    if (ring_.front()->dts_ms >= oldest_kept) break;
    ring_bytes_ -= ring_.front()->size_bytes();
    ring_.pop_front();
    ++front_seq_;
  }
}

const std::vector<PacketPtr>& Shard::start_headers(std::int64_t at_dts) {
  // Late joiners and skipping players get the headers stamped at the keyframe
  // they start from, so their timeline never steps back.
  if (!start_headers_.empty() && start_headers_dts_ == at_dts) return start_headers_;
  start_headers_.clear();
  start_headers_dts_ = at_dts;
  for (const PacketPtr& h : {metadata_, video_header_, audio_header_}) {
    if (!h) continue;
    const std::int64_t dts = h->kind == PacketKind::data ? 0 : at_dts;
    start_headers_.push_back(
        h->dts_ms == dts ? h : Packet::make(h->kind, dts, 0, false, h->sequence_header, h->body()));
  }
  return start_headers_;
}

// ---------------------------------------------------------------- Player

Player::Player(std::shared_ptr<Stream> stream, std::size_t shard_index, milliseconds pull_interval)
    : stream_(std::move(stream)),
      shard_(stream_->shard(shard_index)),
      pull_interval_(pull_interval),
      wake_timer_(shard_.executor()) {
  stream_->players_.fetch_add(1, std::memory_order_relaxed);
}

Player::~Player() {
  if (registered_) std::erase(shard_.waiting_, this);
  if (attached_) shard_.detach(pulled());
  stream_->players_.fetch_sub(1, std::memory_order_relaxed);
}

void Player::close() {
  closed_ = true;
  wake_timer_.cancel();
}

void Player::interrupt() {
  interrupted_ = true;
  wake_timer_.cancel();
}

void Player::count_sent(std::size_t bytes) {
  stream_->bytes_out_.fetch_add(bytes, std::memory_order_relaxed);
}

asio::awaitable<bool> Player::next(std::vector<PacketPtr>& out) {
  for (;;) {
    out.clear();
    if (closed_) co_return false;
    if (interrupted_) {
      interrupted_ = false;
      co_return true;
    }
    // Read before catching up: a publish that ended earlier flushed all it
    // had into the feed first; one that starts later posts on_publishing.
    const bool live = stream_->live();
    if (pulled()) {
      attach_once();
      shard_.catch_up();
    }
    gather(out);
    if (!out.empty()) co_return true;
    if (shard_.finished_) co_return false;
    shard_.waiting_.push_back(this);
    registered_ = true;
    // Pulled: look again at the next tick of the interval (a grid shared by
    // every pulled player, so that one wake-up serves them all); with
    // nothing published, when a publish starts.
    const auto now = steady_clock::now();
    wake_timer_.expires_at(pulled() && live
                               ? steady_clock::time_point(
                                     (now.time_since_epoch() / pull_interval_ + 1) * pull_interval_)
                               : steady_clock::time_point::max());
    co_await wake_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    // A wake takes every player off the list at once; only an interrupt or a
    // close leaves this one on it (erasing each time would cost O(players)).
    if (registered_) {
      std::erase(shard_.waiting_, this);
      registered_ = false;
    }
  }
}

bool Player::take_ready(std::vector<PacketPtr>& out) {
  out.clear();
  if (closed_) return false;
  gather(out);
  return !out.empty();
}

void Player::attach_once() {
  // Here rather than in the constructor: this runs on the shard's thread.
  if (attached_) return;
  attached_ = true;
  shard_.attach(pulled());
}

void Player::start_at(std::uint64_t seq, std::vector<PacketPtr>& out) {
  const auto& headers = shard_.start_headers(shard_.ring_[seq - shard_.front_seq_]->dts_ms);
  out.insert(out.end(), headers.begin(), headers.end());
  cursor_ = seq;
  started_ = true;
}

void Player::gather(std::vector<PacketPtr>& out) {
  Shard& s = shard_;
  attach_once();
  if (s.ring_.empty()) return;
  if (!started_) {
    if (s.gop_seq_ && *s.gop_seq_ < s.visible_seq_) {
      start_at(*s.gop_seq_, out);
    } else if (!s.video_header_ && s.audio_header_ && s.visible_seq_ > s.front_seq_) {
      start_at(s.front_seq_, out);  // an audio-only stream has no keyframe to wait for
    } else {
      return;  // wait for a keyframe so that decoding starts clean
    }
  } else if (cursor_ < s.front_seq_ ||
             // Metadata is stamped 0, so its time says nothing about how far behind we are.
             (cursor_ < s.next_seq() && s.ring_[cursor_ - s.front_seq_]->kind != PacketKind::data &&
              s.head_dts() - s.ring_[cursor_ - s.front_seq_]->dts_ms >
                  stream_->limits_.max_lag_ms)) {
    // Too far behind: skip to the newest keyframe rather than hold memory.
    const std::uint64_t target =
        s.gop_seq_ && *s.gop_seq_ > cursor_ ? *s.gop_seq_ : std::max(cursor_, s.front_seq_);
    if (target < s.visible_seq_ && target != cursor_) {
      stream_->skipped_.fetch_add(target - cursor_, std::memory_order_relaxed);
      skipped_ += target - cursor_;
      start_at(target, out);
    }
  }
  // Behind what the ring still holds, and the keyframe to skip to is not
  // visible yet (a merge window holds it): wait for it. Reading on would
  // index before the ring's front.
  if (cursor_ < s.front_seq_) return;
  std::size_t bytes = 0;
  const auto& limits = stream_->limits_;
  while (cursor_ < s.visible_seq_ && out.size() < limits.max_batch_packets &&
         bytes < limits.max_batch_bytes) {
    const PacketPtr& p = s.ring_[cursor_ - s.front_seq_];
    out.push_back(p);
    bytes += p->size_bytes();
    ++cursor_;
  }
}

// ---------------------------------------------------------------- Stream

Stream::Stream(std::string name, std::vector<asio::any_io_executor> shard_executors,
               StreamLimits limits, std::vector<std::shared_ptr<Tap>> taps)
    : name_(std::move(name)), limits_(limits), taps_(std::move(taps)) {
  for (auto& ex : shard_executors) shards_.push_back(std::make_unique<Shard>(*this, ex));
  if (!shards_.empty()) feed_ = std::make_unique<Shard>(*this, shards_.front()->executor_);
  info_.name = name_;
}

bool Stream::try_begin_publish(const std::string& publisher_address) {
  bool expected = false;
  if (!live_.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return false;
  new_publish_ = true;
  {
    std::lock_guard lock(info_mutex_);
    info_.publisher_address = publisher_address;
    info_.publishes++;
    publish_started_ = steady_clock::now();
  }
  for (auto& tap : taps_) tap->on_publish_start(publisher_address);
  for (auto& s : shards_)
    asio::post(s->executor_,
               [self = shared_from_this(), shard = s.get()] { shard->on_publishing(true); });
  return true;
}

void Stream::end_publish() {
  flush();
  for (auto& tap : taps_) tap->on_publish_end();
  live_.store(false, std::memory_order_release);
  {
    std::lock_guard lock(info_mutex_);
    info_.publisher_address.clear();
    info_.bitrate_bps = 0;
    info_.link.reset();
  }
  for (auto& s : shards_)
    asio::post(s->executor_,
               [self = shared_from_this(), shard = s.get()] { shard->on_publishing(false); });
}

void Stream::finish() {
  flush();
  for (auto& s : shards_)
    asio::post(s->executor_,
               [self = shared_from_this(), shard = s.get()] { shard->on_finished(); });
}

std::int64_t Stream::retime(PacketKind kind, std::int64_t source_dts_ms) {
  const auto now = steady_clock::now();
  if (new_publish_) {
    new_publish_ = false;
    if (!have_timeline_) {
      have_timeline_ = true;
      offset_ms_ = 0;
    } else {
      // A returning camera continues the timeline where it stopped, plus the
      // time it was away, so players and recordings never step back.
      const std::int64_t away_ms = std::clamp<std::int64_t>(
          duration_cast<milliseconds>(now - last_packet_at_).count(), 1, 3'600'000);
      offset_ms_ = last_out_dts_ms_ + away_ms - source_dts_ms;
    }
  }
  last_packet_at_ = now;
  std::int64_t dts = source_dts_ms + offset_ms_;
  std::int64_t& last = last_dts_ms_[kind_index(kind)];
  if (dts < last) dts = last;
  last = dts;
  last_out_dts_ms_ = std::max(last_out_dts_ms_, dts);
  return dts;
}

bool Stream::push(PacketKind kind, std::int64_t source_dts_ms, std::span<const std::uint8_t> body) {
  bool keyframe = false, sequence_header = false;
  std::int32_t cts_ms = 0;
  if (kind == PacketKind::video) {
    auto v = media::parse_video_tag(body);
    if (!v) return false;
    sequence_header = v->sequence_header;
    keyframe = v->keyframe && !sequence_header && !v->end_of_sequence;
    cts_ms = v->cts_ms;
    if (sequence_header) note_codec(kind, &*v, nullptr, body);
  } else if (kind == PacketKind::audio) {
    auto a = media::parse_audio_tag(body);
    if (!a) return false;
    sequence_header = a->sequence_header;
    if (sequence_header || info_.audio_codec != a->codec) note_codec(kind, nullptr, &*a, body);
  }
  // Metadata goes out at time 0, as FLV players expect: FFmpeg treats a later
  // onMetaData as a data stream of its own.
  const std::int64_t dts = kind == PacketKind::data ? 0 : retime(kind, source_dts_ms);
  auto packet = Packet::make(kind, dts, cts_ms, keyframe, sequence_header, body);
  bytes_in_.fetch_add(body.size(), std::memory_order_relaxed);
  note_rate(*packet);
  pending_.push_back(std::move(packet));
  return true;
}

void Stream::push_ready(PacketPtr packet) {
  const auto body = packet->body();
  if (packet->sequence_header && packet->is_video()) {
    if (auto v = media::parse_video_tag(body)) note_codec(packet->kind, &*v, nullptr, body);
  } else if (packet->sequence_header && packet->is_audio()) {
    if (auto a = media::parse_audio_tag(body)) note_codec(packet->kind, nullptr, &*a, body);
  }
  last_packet_at_ = steady_clock::now();
  bytes_in_.fetch_add(body.size(), std::memory_order_relaxed);
  note_rate(*packet);
  pending_.push_back(std::move(packet));
}

void Stream::flush() {
  if (pending_.empty()) return;
  PacketBatch batch = std::make_shared<const std::vector<PacketPtr>>(std::move(pending_));
  pending_.clear();
  for (auto& tap : taps_) tap->on_packets(batch);
  if (!feed_) return;
  std::uint64_t first_seq = 0;
  boost::container::small_vector<Shard*, 8> fed;
  {
    std::lock_guard lock(feed_mutex_);
    first_seq = feed_->next_seq();
    feed_->append(*batch);
    for (auto& s : shards_)
      if (s->fed_) fed.push_back(s.get());
  }
  for (Shard* shard : fed)
    asio::post(shard->executor_, [self = shared_from_this(), shard, batch, first_seq] {
      shard->on_packets(first_seq, *batch);
    });
}

void Stream::note_codec(PacketKind kind, const media::VideoTagInfo* video,
                        const media::AudioTagInfo* audio, std::span<const std::uint8_t> body) {
  std::lock_guard lock(info_mutex_);
  if (kind == PacketKind::video && video) {
    info_.video_codec = video->codec;
    const auto record = body.subspan(video->header_bytes);
    media::Result<media::VideoConfig> config = media::make_error("no configuration");
    if (video->codec == media::VideoCodec::h264) config = media::parse_avc_config(record);
    if (video->codec == media::VideoCodec::hevc) config = media::parse_hevc_config(record);
    if (config) {
      info_.width = config->width;
      info_.height = config->height;
      info_.video_profile = config->profile;
    }
  } else if (kind == PacketKind::audio && audio) {
    info_.audio_codec = audio->codec;
    if (audio->sequence_header && audio->codec == media::AudioCodec::aac) {
      if (auto config = media::parse_aac_config(body.subspan(audio->header_bytes))) {
        info_.audio_sample_rate = config->sample_rate;
        info_.audio_channels = config->channels;
      }
    }
  }
}

void Stream::note_rate(const Packet& p) {
  const auto now = last_packet_at_;
  if (window_start_ == steady_clock::time_point{}) window_start_ = now;
  window_bytes_ += p.body().size();
  if (p.is_video() && !p.sequence_header) ++window_frames_;
  const auto elapsed_ms = duration_cast<milliseconds>(now - window_start_).count();
  if (elapsed_ms < 2000) return;
  std::lock_guard lock(info_mutex_);
  info_.bitrate_bps = window_bytes_ * 8 * 1000 / static_cast<std::uint64_t>(elapsed_ms);
  info_.frame_rate = static_cast<double>(window_frames_) * 1000.0 / static_cast<double>(elapsed_ms);
  window_start_ = now;
  window_bytes_ = 0;
  window_frames_ = 0;
}

void Stream::set_link_stats(const LinkStats& link) {
  std::lock_guard lock(info_mutex_);
  if (live()) info_.link = link;
}

StreamInfo Stream::info() const {
  StreamInfo out;
  {
    std::lock_guard lock(info_mutex_);
    out = info_;
    if (live())
      out.uptime_ms = duration_cast<milliseconds>(steady_clock::now() - publish_started_).count();
  }
  out.live = live();
  out.players = players_.load(std::memory_order_relaxed);
  out.bytes_in = bytes_in_.load(std::memory_order_relaxed);
  out.bytes_out = bytes_out_.load(std::memory_order_relaxed);
  out.skipped_packets = skipped_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace courtcast::live
