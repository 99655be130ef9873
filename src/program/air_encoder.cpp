#include "program/air_encoder.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <algorithm>
#include <cmath>
#include <ctime>

#include "base/log_value.hpp"

namespace courtcast::program {

using media::PacketPtr;

namespace {
// About 10 s of program: more waiting than that means the machine cannot
// encode in real time; what is dropped resumes at the next keyframe.
constexpr std::size_t kMaxQueuedPackets = 800;
}  // namespace

media::Result<StandbyCard> conform_card(const StandbyCard& card, const AirFormat& format,
                                        Graphics graphics) {
  auto c = Conformer::open(format, "card");
  if (!c) return c.error();
  graphics.clock = false;
  (*c)->set_graphics(graphics);
  std::vector<PacketPtr> out;
  (*c)->push(card.video_header, out);
  (*c)->push(card.audio_header, out);
  for (const auto& p : card.packets) (*c)->push(p, out);
  (*c)->drain(out);
  StandbyCard conformed;
  conformed.video_header = (*c)->video_header();
  conformed.audio_header = (*c)->audio_header();
  // The loop starts at the first picture (the card's decoder may hand out
  // sound first).
  std::int64_t first_video = -1;
  for (const auto& p : out)
    if (p->is_video() && !p->sequence_header) {
      first_video = p->dts_ms;
      break;
    }
  std::size_t frames = 0;
  for (const auto& p : out) {
    if (p->sequence_header || p->dts_ms < first_video) continue;
    if (p->is_video()) ++frames;
    conformed.packets.push_back(
        first_video == 0 ? p
                         : media::Packet::make(p->kind, p->dts_ms - first_video, p->cts_ms,
                                               p->keyframe, false, p->body()));
  }
  if (frames == 0) return media::make_error("standby card: no frame could be conformed to air");
  conformed.duration_ms =
      std::llround(static_cast<double>(frames) * 1000.0 / static_cast<double>(format.fps));
  // Audio past the last frame would overlap the next loop's first.
  std::erase_if(conformed.packets, [&](const PacketPtr& p) {
    return p->is_audio() &&
           p->dts_ms + 1024 * 1000 / AirFormat::kSampleRate > conformed.duration_ms;
  });
  std::stable_sort(conformed.packets.begin(), conformed.packets.end(),
                   [](const PacketPtr& a, const PacketPtr& b) {
                     if (a->dts_ms != b->dts_ms) return a->dts_ms < b->dts_ms;
                     return a->is_video() && !b->is_video();
                   });
  return conformed;
}

AirEncoder::AirEncoder(std::unique_ptr<Conformer> conformer, std::string label, Sink sink)
    : conformer_(std::move(conformer)),
      label_(std::move(label)),
      sink_(std::move(sink)),
      video_header_(conformer_->video_header()),
      audio_header_(conformer_->audio_header()),
      thread_([this] { run(); }) {}

AirEncoder::~AirEncoder() {
  stop();
}

void AirEncoder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void AirEncoder::push(PacketPtr p) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (!p->sequence_header) {
      if (queued_packets_ >= kMaxQueuedPackets) overflowing_ = true;
      if (overflowing_) {
        if (p->is_video() && p->keyframe && queued_packets_ < kMaxQueuedPackets / 2) {
          overflowing_ = false;
        } else {
          if (overflow_dropped_++ % 250 == 0)
            spdlog::warn("event=air_encoder_behind encoder={} queued={} dropped={}",
                         base::log_value(label_), queued_packets_, overflow_dropped_);
          return;
        }
      }
    }
    queue_.emplace_back(Queued{std::move(p), std::chrono::steady_clock::now()});
    ++queued_packets_;
  }
  wake_.notify_one();
}

std::uint64_t AirEncoder::mark() {
  std::uint64_t g;
  {
    std::lock_guard lock(mutex_);
    g = ++generation_;
    queue_.emplace_back(Mark{});
  }
  wake_.notify_one();
  return g;
}

void AirEncoder::set_graphics(Graphics graphics) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(SetGraphics{std::move(graphics)});
  }
  wake_.notify_one();
}

void AirEncoder::conform(std::shared_ptr<const StandbyCard> card, CardDone done) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(ConformCard{std::move(card), std::move(done)});
  }
  wake_.notify_one();
}

AirEncoderStats AirEncoder::stats() const {
  std::lock_guard lock(mutex_);
  AirEncoderStats s = last_stats_;
  s.queued = queued_packets_;
  s.overflow_dropped = overflow_dropped_;
  return s;
}

namespace {
std::int64_t thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}
}  // namespace

void AirEncoder::run() {
  // "enc:air1" in top and /proc/PID/task/*/comm (15 bytes at most).
  const std::string name = ("enc:" + label_.substr(label_.find(':') + 1)).substr(0, 15);
  pthread_setname_np(pthread_self(), name.c_str());
  std::uint64_t generation = 0;
  std::vector<PacketPtr> out;
  std::deque<Job> jobs;
  // When each picture's packet arrived, by its program time, until its air
  // packet leaves.
  std::deque<std::pair<std::int64_t, std::chrono::steady_clock::time_point>> arrivals;
  std::int64_t measured_source = -1;
  AirEncoderStats latency;
  conformer_->set_clock_origin(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      last_stats_ = latency;
      last_stats_.conform = conformer_->stats();
      last_stats_.cpu_ms = thread_cpu_ms();
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      jobs.swap(queue_);
    }
    for (auto& job : jobs) {
      if (auto* q = std::get_if<Queued>(&job)) {
        const auto& p = q->packet;
        if (p->is_video() && !p->sequence_header) {
          arrivals.emplace_back(p->dts_ms + p->cts_ms, q->at);
          if (arrivals.size() > 512) arrivals.pop_front();
        }
        conformer_->push(p, out);
        if (const auto source = conformer_->released_source_pts(); source != measured_source) {
          measured_source = source;
          while (arrivals.size() > 1 && arrivals[1].first <= source) arrivals.pop_front();
          if (!arrivals.empty() && arrivals.front().first <= source) {
            const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - arrivals.front().second)
                                .count();
            latency.latency_ms_last = ms;
            latency.latency_ms_max = std::max(latency.latency_ms_max, ms);
            ++latency.latency_samples;
            latency.latency_ms_mean += (static_cast<double>(ms) - latency.latency_ms_mean) /
                                       static_cast<double>(latency.latency_samples);
          }
        }
        {
          std::lock_guard lock(mutex_);
          --queued_packets_;
        }
      } else if (std::holds_alternative<Mark>(job)) {
        if (!out.empty()) sink_(std::move(out), generation);
        out.clear();
        ++generation;
      } else if (auto* g = std::get_if<SetGraphics>(&job)) {
        graphics_ = g->graphics;
        conformer_->set_graphics(graphics_);
      } else if (auto* c = std::get_if<ConformCard>(&job)) {
        if (!out.empty()) sink_(std::move(out), generation);
        out.clear();
        c->done(conform_card(*c->card, conformer_->format(), graphics_));
      }
    }
    jobs.clear();
    if (!out.empty()) sink_(std::move(out), generation);
    out.clear();
  }
}

}  // namespace courtcast::program
