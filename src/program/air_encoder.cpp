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

AirEncoder::AirEncoder(std::unique_ptr<Conformer> conformer, std::string label, Sink sink,
                       SlateSink slate_sink)
    : conformer_(std::move(conformer)),
      label_(std::move(label)),
      sink_(std::move(sink)),
      slate_sink_(std::move(slate_sink)),
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

void AirEncoder::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void AirEncoder::push_slate(std::int64_t program_ms) {
  post(SlateFrame{program_ms});
}

void AirEncoder::set_graphics(Graphics graphics) {
  post(SetGraphics{std::move(graphics)});
}

void AirEncoder::set_card(std::shared_ptr<const StandbyCard> card) {
  post(SetCard{std::move(card)});
}

std::uint64_t AirEncoder::slate_on_air() {
  std::uint64_t n;
  {
    std::lock_guard lock(mutex_);
    n = ++slates_;
    queue_.emplace_back(SlateOnAir{n});
  }
  wake_.notify_one();
  return n;
}

void AirEncoder::slate_off_air() {
  post(SlateOnAir{0});
}

// The air slate runs on air's own clock: one frame per tick of the format
// since it started, however late the thread wakes.
void AirEncoder::air_slate_due(std::chrono::steady_clock::time_point now) {
  if (!air_slate_) return;
  std::vector<PacketPtr> out;
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - air_slate_started_).count();
  const int fps = air_slate_->format().fps;
  while (air_slate_frames_ * 1000 / fps <= elapsed_ms) {
    air_slate_->push_slate(air_slate_frames_ * 1000 / fps, out);
    ++air_slate_frames_;
  }
  if (!out.empty()) slate_sink_(std::move(out), air_slate_number_);
}

AirEncoderStats AirEncoder::stats() const {
  std::lock_guard lock(mutex_);
  AirEncoderStats s = last_stats_;
  s.queued = queued_packets_;
  s.overflow_dropped = overflow_dropped_;
  return s;
}

namespace {
std::int64_t epoch_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}
}  // namespace

void AirEncoder::start_air_slate() {
  auto slate = Conformer::open(conformer_->format(), label_ + ":slate");
  if (!slate) {
    spdlog::error("event=air_slate_failed encoder={} error={}", base::log_value(label_),
                  base::log_value(slate.error().message));
    return;
  }
  air_slate_ = std::move(*slate);
  air_slate_->set_graphics(graphics_);
  air_slate_->set_card(card_);
  air_slate_->set_clock_origin(epoch_now_ms());
  air_slate_started_ = std::chrono::steady_clock::now();
  air_slate_frames_ = 0;
}

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
  conformer_->set_clock_origin(epoch_now_ms());
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      last_stats_ = latency;
      last_stats_.conform = conformer_->stats();
      last_stats_.cpu_ms = thread_cpu_ms();
      const auto ready = [&] { return stopping_ || !queue_.empty(); };
      if (air_slate_) {
        const int fps = air_slate_->format().fps;
        wake_.wait_until(
            lock, air_slate_started_ + std::chrono::milliseconds(air_slate_frames_ * 1000 / fps),
            ready);
      } else {
        wake_.wait(lock, ready);
      }
      if (stopping_) return;
      jobs.swap(queue_);
    }
    for (auto& job : jobs) {
      // A stop abandons the batch, as it does the queue: nothing encoded now
      // would reach air, and stop() waits for this thread on the program's
      // event loop, which meanwhile serves no camera, player or API call on
      // it. A batch can be kMaxQueuedPackets long: seconds of x264 on a
      // machine that is already behind.
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
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
        if (air_slate_) air_slate_->set_graphics(graphics_);
      } else if (auto* c = std::get_if<SetCard>(&job)) {
        card_ = c->card;
        conformer_->set_card(card_);
        if (air_slate_) air_slate_->set_card(card_);
      } else if (auto* f = std::get_if<SlateFrame>(&job)) {
        conformer_->push_slate(f->program_ms, out);
      } else if (auto* a = std::get_if<SlateOnAir>(&job)) {
        air_slate_.reset();
        air_slate_number_ = a->slate;
        if (a->slate) start_air_slate();
      }
    }
    jobs.clear();
    air_slate_due(std::chrono::steady_clock::now());
    if (!out.empty()) sink_(std::move(out), generation);
    out.clear();
  }
}

}  // namespace courtcast::program
