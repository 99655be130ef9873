#include "program/program.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "base/file.hpp"
#include "base/log_value.hpp"

namespace courtcast::program {

using namespace std::chrono;
using media::PacketPtr;
using Clock = steady_clock;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto kTick = milliseconds(20);
// Air with nothing to send for this long shows the card, so that platforms
// (Kuaishou closes a room after a minute or two of silence) stay fed.
constexpr auto kAirGap = milliseconds(1000);

namespace {

std::string json_text(boost::json::object o) {
  return boost::json::serialize(o);
}

// The card's packets due by `now` for a playout that started at `started`.
std::vector<PacketPtr> card_due(CardPlayout& playout, Clock::time_point started,
                                Clock::time_point now) {
  std::vector<PacketPtr> due;
  playout.due(duration_cast<milliseconds>(now - started).count(), due);
  return due;
}

}  // namespace

Program::Program(ProgramConfig config, live::Hub& hub, std::size_t worker,
                 asio::any_io_executor executor, std::shared_ptr<const StandbyCard> card,
                 OnEvent on_event)
    : config_(std::move(config)),
      hub_(hub),
      worker_(worker),
      executor_(executor),
      card_(std::move(card)),
      on_event_(std::move(on_event)),
      auto_return_(config_.auto_return),
      program_card_(card_),
      air_card_(card_),
      delay_line_(config_.delay_ms),
      ticker_(executor),
      input_list_(config_.inputs) {
  for (const auto& in : config_.inputs) inputs_.emplace_back(in.name, in.stream);
  view_.name = config_.name;
  view_.air = config_.air;
  view_.graphics = config_.graphics;
  if (!config_.choices_file.empty()) {
    std::ifstream in(config_.choices_file);
    if (in) apply_choices(std::string(std::istreambuf_iterator<char>(in), {}), view_.graphics);
  }
}

bool Program::has_input(const std::string& input) const {
  std::lock_guard lock(view_mutex_);
  return std::any_of(input_list_.begin(), input_list_.end(),
                     [&](const ProgramInput& in) { return in.name == input; });
}

void Program::add_input(ProgramInput input) {
  {
    std::lock_guard lock(view_mutex_);
    for (const auto& in : input_list_)
      if (in.name == input.name) return;
    input_list_.push_back(input);
  }
  asio::post(executor_, [self = shared_from_this(), input] {
    self->inputs_.emplace_back(input.name, input.stream);
    if (self->running_)
      asio::co_spawn(self->executor_, self->read_input(self->inputs_.back()), asio::detached);
    spdlog::info("event=program_input_added program={} input={} stream={}",
                 base::log_value(self->config_.name), base::log_value(input.name),
                 base::log_value(input.stream));
  });
}

void Program::set_card(std::shared_ptr<const StandbyCard> card, const std::string& who) {
  asio::post(executor_, [self = shared_from_this(), card = std::move(card), who] {
    self->card_ = card;
    // In conform mode the slate shows the new card's picture from its next frame.
    if (self->encoder_) self->encoder_->set_card(card);
    const auto now = Clock::now();
    // Whatever shows the card starts the new one, with its own headers.
    if (!self->on_program_) self->to_card("new card from " + who);
    if (self->air_on_card_ && !self->encoder_) {
      self->air_on_card_ = false;
      self->air_to_card(now);
    }
    spdlog::info("event=program_card_set program={} by={}", base::log_value(self->config_.name),
                 base::log_value(who));
    self->emit("card_set", json_text({{"by", who}}));
  });
}

void Program::set_graphics(Graphics graphics) {
  change_graphics([graphics = std::move(graphics)](Graphics& g) { g = graphics; }, {}, {});
}

void Program::set_captions(std::string title, std::string caption) {
  change_graphics(
      [title = std::move(title), caption = std::move(caption)](Graphics& g) {
        g.title = title;
        g.caption = caption;
      },
      {}, {});
}

void Program::set_emblem(std::string path) {
  change_graphics([path = std::move(path)](Graphics& g) { g.emblem_path = path; }, {}, {});
}

void Program::set_switches(GraphicsSwitches switches, const std::string& who) {
  change_graphics(
      [switches](Graphics& g) {
        if (switches.clock) g.show_clock = *switches.clock;
        if (switches.live_tag) g.show_live_tag = *switches.live_tag;
        if (switches.caption) g.show_caption = *switches.caption;
        if (switches.emblem) g.show_emblem = *switches.emblem;
      },
      "graphics", who);
}

void Program::set_slate(std::optional<std::string> message, std::optional<std::string> background,
                        const std::string& who) {
  change_graphics(
      [message = std::move(message), background = std::move(background)](Graphics& g) {
        if (message) g.slate_message = *message;
        if (background) g.slate_background = *background;
      },
      "slate", who);
}

// The one way graphics change: on the executor, into the view, to the
// encoder; a person's change is announced (`event`) with the result.
void Program::change_graphics(std::function<void(Graphics&)> change, std::string event,
                              std::string who) {
  asio::post(executor_, [self = shared_from_this(), change = std::move(change),
                         event = std::move(event), who = std::move(who)] {
    Graphics g;
    {
      std::lock_guard lock(self->view_mutex_);
      change(self->view_.graphics);
      g = self->view_.graphics;
    }
    if (self->encoder_) self->encoder_->set_graphics(g);
    if (event.empty()) return;
    // Once per change, by a person: the small write may run here.
    if (!self->config_.choices_file.empty()) self->keep_choices(g);
    boost::json::object details{{"by", who}};
    if (event == "slate") {
      details["message"] = g.slate_message;
      details["background"] = g.slate_background;
    } else {
      details["clock"] = g.show_clock;
      details["live_tag"] = g.show_live_tag;
      details["caption"] = g.show_caption;
      details["emblem"] = g.show_emblem;
    }
    spdlog::info("event=program_{} program={} by={} details={}", event,
                 base::log_value(self->config_.name), base::log_value(who),
                 base::log_value(json_text(details)));
    self->emit(event, json_text(std::move(details)));
  });
}

void Program::keep_choices(const Graphics& g) {
  std::error_code ec;
  std::filesystem::create_directories(config_.choices_file.parent_path(), ec);
  if (auto r = base::write_file_atomically(config_.choices_file, choices_json(g)); !r)
    spdlog::error("event=program_choices_not_kept program={} error={}",
                  base::log_value(config_.name), base::log_value(r.error().message));
}

void Program::start() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->running_) return;
    self->running_ = true;
    self->program_writer_ = std::make_unique<TimelineWriter>(
        self->hub_.acquire(program_stream(self->config_.name)), "program:" + self->config_.name);
    self->air_writer_ = std::make_unique<TimelineWriter>(self->hub_.acquire(self->config_.name),
                                                         "air:" + self->config_.name);
    if (!self->program_writer_->publishing() || !self->air_writer_->publishing())
      spdlog::error("event=program_streams_taken program={}", self->config_.name);
    if (self->config_.air.mode == AirMode::conform) self->start_air_encoder();
    self->to_card("no camera taken yet");
    for (auto& in : self->inputs_)
      asio::co_spawn(self->executor_, self->read_input(in), asio::detached);
    asio::co_spawn(self->executor_, self->tick_loop(), asio::detached);
    spdlog::info("event=program_start program={} inputs={} delay_ms={}", self->config_.name,
                 self->inputs_.size(), self->delay_line_.delay_ms());
  });
}

void Program::stop() {
  asio::post(executor_, [self = shared_from_this()] {
    self->running_ = false;
    self->ticker_.cancel();
    // Readers of inputs that send nothing would wait (and keep us) forever.
    for (auto& in : self->inputs_)
      if (in.player) in.player->interrupt();
    // Its thread may still call back: posts that find nothing running.
    if (self->encoder_) self->encoder_->stop();
    if (self->program_writer_) self->program_writer_->finish();
    if (self->air_writer_) self->air_writer_->finish();
    self->program_writer_.reset();
    self->air_writer_.reset();
  });
}

media::Result<void> Program::take(const std::string& input, const std::string& who) {
  if (!has_input(input))
    return media::make_error("input: '" + input + "' is not an input of program '" + config_.name +
                             "'");
  asio::post(executor_, [self = shared_from_this(), input, who] {
    for (auto& in : self->inputs_)
      if (in.name == input) {
        if (self->on_program_ == &in) return;
        self->pending_ = &in;  // goes on program at its next keyframe
        self->lost_ = nullptr;
        self->take_at_ = Clock::now();
      }
    spdlog::info("event=program_take program={} input={} by={}",
                 base::log_value(self->config_.name), base::log_value(input), base::log_value(who));
    self->emit("take", json_text({{"input", input}, {"by", who}}));
    self->publish_view();
  });
  return {};
}

void Program::take_card(const std::string& who) {
  asio::post(executor_, [self = shared_from_this(), who] {
    self->pending_ = nullptr;
    self->lost_ = nullptr;
    if (self->on_program_) self->to_card("taken by " + who);
    self->emit("card", json_text({{"by", who}}));
  });
}

media::Result<void> Program::set_delay(std::int64_t delay_ms, const std::string& who) {
  if (delay_ms < 0 || delay_ms > kMaxDelayMs)
    return media::make_error("delay_seconds: must be from 0 to 300");
  asio::post(executor_, [self = shared_from_this(), delay_ms, who] {
    const std::int64_t before = self->delay_line_.delay_ms();
    // Shorter: what is now overdue is skipped, and air goes on from the
    // newest keyframe that is due, so it lands on a keyframe.
    const bool skipped =
        self->delay_line_.set_delay(delay_ms, Clock::now(), [&](const PacketPtr& p) {
          (p->is_video() ? self->air_video_header_ : self->air_audio_header_) = p;
        });
    if (skipped && !self->air_on_card_) {
      self->air_writer_->begin_segment();
      for (const auto& h : {self->air_video_header_, self->air_audio_header_})
        if (h) self->air_writer_->write(h);
    }
    spdlog::info("event=program_delay program={} delay_ms={} before_ms={} by={}",
                 base::log_value(self->config_.name), delay_ms, before, base::log_value(who));
    self->emit("delay", json_text({{"delay_ms", delay_ms}, {"by", who}}));
    self->publish_view();
  });
  return {};
}

void Program::cut(const std::string& who, const std::string& reason) {
  asio::post(executor_, [self = shared_from_this(), who, reason] {
    // Nothing that reached program before the cut may reach air: drop the
    // delay line and hold the card until the director resumes.
    const std::size_t dropped =
        self->delay_line_.clear([&](const PacketPtr& h) { self->keep_air_header(h); });
    self->cut_ = true;
    // What the encoder still holds reached program before the cut too.
    if (self->encoder_) self->accepted_generation_ = self->encoder_->mark();
    self->air_to_card(Clock::now());
    spdlog::warn("event=program_cut program={} by={} dropped_packets={} reason={}",
                 base::log_value(self->config_.name), base::log_value(who), dropped,
                 base::log_value(reason));
    self->emit("cut", json_text({{"by", who}, {"dropped_packets", dropped}, {"reason", reason}}));
    self->publish_view();
  });
}

void Program::resume(const std::string& who) {
  asio::post(executor_, [self = shared_from_this(), who] {
    if (!self->cut_) return;
    self->cut_ = false;  // air returns when program from now on is due
    if (self->encoder_) self->accepted_generation_ = self->encoder_->mark();
    spdlog::info("event=program_resume program={} by={}", base::log_value(self->config_.name),
                 base::log_value(who));
    self->emit("resume", json_text({{"by", who}}));
    self->publish_view();
  });
}

void Program::set_auto_return(bool on) {
  asio::post(executor_, [self = shared_from_this(), on] {
    self->auto_return_ = on;
    self->publish_view();
  });
}

ProgramView Program::view() const {
  ProgramView v;
  std::vector<ProgramInput> inputs;
  {
    std::lock_guard lock(view_mutex_);
    v = view_;
    inputs = input_list_;
  }
  for (const auto& input : inputs) {
    InputView in{input.name, input.stream};
    if (auto s = hub_.find(input.stream)) {
      const auto info = s->info();
      in.live = info.live;
      in.bitrate_bps = info.bitrate_bps;
      in.width = info.width;
      in.height = info.height;
    }
    v.inputs.push_back(in);
  }
  return v;
}

void Program::publish_view() {
  std::lock_guard lock(view_mutex_);
  view_.on_program = on_program_ ? on_program_->name : kCardSource;
  view_.pending = pending_ ? pending_->name : "";
  view_.on_air = air_on_card_ ? "card" : "program";
  view_.cut = cut_;
  view_.delay_ms = delay_line_.delay_ms();
  view_.auto_return = auto_return_;
  view_.last_take_to_frame_ms = take_to_frame_ms_;
}

// The delay line's fill for the console's delay meter: the view each tick,
// an event at most once a second and only when it moved by 250 ms or more
// (or reached empty or full), so a steady delay sends nothing.
void Program::report_buffer(Clock::time_point now) {
  const std::int64_t delay = delay_line_.delay_ms();
  const std::int64_t buffered = std::min(delay_line_.buffered_ms(now), delay);
  {
    std::lock_guard lock(view_mutex_);
    view_.buffered_ms = buffered;
  }
  if (now < next_buffer_check_) return;
  next_buffer_check_ = now + seconds(1);
  const bool edge = (buffered == 0 || buffered == delay) && buffered != last_buffer_event_ms_;
  if (!edge && last_buffer_event_ms_ >= 0 && std::abs(buffered - last_buffer_event_ms_) < 250)
    return;
  last_buffer_event_ms_ = buffered;
  emit("buffer", json_text({{"buffered_ms", buffered}, {"delay_ms", delay}}));
}

// Each input's state for the director's console: at once when one goes live
// or is lost or changes size, and every 5 s for the bitrates.
void Program::report_inputs(Clock::time_point now) {
  if (now < next_inputs_check_) return;
  next_inputs_check_ = now + seconds(1);
  if (!encoder_) report_formats();
  if (encoder_) {
    const auto st = encoder_->stats();
    {
      std::lock_guard lock(view_mutex_);
      view_.encoder = st;
    }
    if (now >= next_encoder_log_) {
      next_encoder_log_ = now + seconds(30);
      spdlog::info(
          "event=air_encoder_stats program={} frames_out={} repeated={} dropped={} "
          "decode_errors={} queued={} overflow_dropped={} cpu_ms={} latency_ms_mean={:.0f} "
          "latency_ms_max={}",
          base::log_value(config_.name), st.conform.video_out, st.conform.repeated,
          st.conform.dropped, st.conform.decode_errors, st.queued, st.overflow_dropped, st.cpu_ms,
          st.latency_ms_mean, st.latency_ms_max);
    }
  }
  boost::json::array inputs;
  std::string state;
  for (const auto& in : view().inputs) {
    inputs.push_back(boost::json::object{{"name", in.name},
                                         {"state", in.live ? "live" : "lost"},
                                         {"bitrate_bps", in.bitrate_bps},
                                         {"width", in.width},
                                         {"height", in.height}});
    state += in.name + (in.live ? ":live:" : ":lost:") + std::to_string(in.width) + "x" +
             std::to_string(in.height) + ";";
  }
  if (state == last_inputs_state_ && now - last_inputs_event_ < seconds(5)) return;
  last_inputs_state_ = std::move(state);
  last_inputs_event_ = now;
  emit("inputs", json_text({{"inputs", std::move(inputs)}}));
}

// In pass-through, air carries each camera's own configuration: say what
// differs between the live inputs, naming them, when that changes.
void Program::report_formats() {
  struct Format {
    std::string name;
    live::StreamInfo info;
  };
  std::vector<Format> live;
  for (const auto& in : inputs_)
    if (auto s = hub_.find(in.stream)) {
      auto info = s->info();
      if (info.live) live.push_back({in.name, std::move(info)});
    }
  std::vector<std::string> warnings;
  const auto differ = [&](const char* what, auto&& value_of) {
    bool same = true;
    for (const auto& f : live) same = same && value_of(f.info) == value_of(live.front().info);
    if (same) return;
    std::string line = std::string(what) + ":";
    for (const auto& f : live) line += " " + f.name + " " + value_of(f.info) + ",";
    line.pop_back();
    warnings.push_back(std::move(line));
  };
  if (live.size() > 1) {
    differ("video codec",
           [](const live::StreamInfo& i) { return std::string(media::to_string(i.video_codec)); });
    differ("size", [](const live::StreamInfo& i) {
      return std::to_string(i.width) + "x" + std::to_string(i.height);
    });
    differ("profile", [](const live::StreamInfo& i) { return std::to_string(i.video_profile); });
    differ("frame rate", [](const live::StreamInfo& i) {
      // Measured over a window: to the nearest 5 fps, so 25 and 30 differ
      // but a camera's jitter does not.
      return std::to_string(5 * std::lround(i.frame_rate / 5)) + "fps";
    });
    differ("audio codec",
           [](const live::StreamInfo& i) { return std::string(media::to_string(i.audio_codec)); });
    differ("sample rate",
           [](const live::StreamInfo& i) { return std::to_string(i.audio_sample_rate); });
    differ("channels", [](const live::StreamInfo& i) { return std::to_string(i.audio_channels); });
  }
  if (warnings == last_format_warnings_) return;
  last_format_warnings_ = warnings;
  {
    std::lock_guard lock(view_mutex_);
    view_.format_warnings = warnings;
  }
  boost::json::array list;
  for (const auto& w : warnings) list.push_back(boost::json::string(w));
  if (!warnings.empty())
    spdlog::warn("event=program_formats_differ program={} differences={}",
                 base::log_value(config_.name), base::log_value(warnings.front()));
  emit("formats_differ",
       json_text({{"mode", air_mode_code(config_.air.mode)}, {"differences", std::move(list)}}));
}

void Program::emit(const std::string& type, const std::string& details) {
  if (on_event_) on_event_(type, details);
}

asio::awaitable<void> Program::read_input(Input& in) {
  auto self = shared_from_this();
  auto handle = hub_.acquire(in.stream);
  live::Player player(handle.shared(), worker_);
  in.player = &player;
  std::vector<PacketPtr> batch;
  while (running_) {
    if (!co_await player.next(batch)) break;
    for (const auto& p : batch) on_input(in, p);
    if (program_writer_) program_writer_->flush();
    if (air_writer_) air_writer_->flush();
  }
  in.player = nullptr;
}

void Program::on_input(Input& in, const PacketPtr& p) {
  if (!running_) return;
  in.last_seen = Clock::now();
  in.seen = true;
  if (p->sequence_header) {
    (p->is_video() ? in.video_header : in.audio_header) = p;
    if (on_program_ == &in) to_program(p);  // a returning camera's new configuration
    return;
  }
  if (p->kind == media::PacketKind::data) return;
  if (!on_program_ && lost_ == &in && auto_return_ && !pending_) pending_ = &in;
  if (pending_ == &in && p->is_video() && p->keyframe) {
    switch_to(in, p);
    return;
  }
  if (on_program_ == &in) to_program(p);
}

void Program::switch_to(Input& in, const PacketPtr& keyframe) {
  on_program_ = &in;
  pending_ = nullptr;
  lost_ = nullptr;
  if (take_at_ != Clock::time_point{})
    take_to_frame_ms_ = duration_cast<milliseconds>(Clock::now() - take_at_).count();
  take_at_ = {};
  program_writer_->begin_segment();
  for (const auto& h : {in.video_header, in.audio_header})
    if (h) to_program(h);
  to_program(keyframe);
  spdlog::info("event=program_on input={} program={} take_to_frame_ms={}", base::log_value(in.name),
               base::log_value(config_.name), take_to_frame_ms_);
  emit("program", json_text({{"on_program", in.name}, {"take_to_frame_ms", take_to_frame_ms_}}));
  publish_view();
}

void Program::to_card(const std::string& why) {
  on_program_ = nullptr;
  program_writer_->begin_segment();
  card_to_program(card_->video_header);
  card_to_program(card_->audio_header);
  program_card_.restart(card_);
  program_card_started_ = Clock::now();
  spdlog::info("event=program_card program={} reason={}", base::log_value(config_.name),
               base::log_value(why));
  emit("program", json_text({{"on_program", kCardSource}, {"reason", why}}));
  publish_view();
}

// Program (the director's preview) shows the card's clip; in conform mode
// air gets the slate in its place, one picture for each of the clip's.
void Program::card_to_program(const PacketPtr& p) {
  if (!encoder_) {
    to_program(p);
    return;
  }
  auto out = program_writer_->write(p);
  if (out && out->is_video() && !out->sequence_header) encoder_->push_slate(out->dts_ms);
}

void Program::to_program(const PacketPtr& p) {
  auto out = program_writer_->write(p);
  if (encoder_) {
    // The encoder needs each camera's configuration even when program's
    // stream does not repeat it (a camera's can equal the card's, which the
    // encoder never sees: it draws the slate instead).
    if (!out && p->sequence_header) out = p;
    // Even while cut: the encoder's timeline goes on, its output is dropped.
    if (out) encoder_->push(std::move(out));
    return;
  }
  if (!out) return;
  if (cut_) {
    // Air comes back with what program shows then: a take during the cut
    // brings its camera's configuration, which air must send first.
    if (out->sequence_header) keep_air_header(out);
    return;
  }
  delay_line_.push(Clock::now(), std::move(out));
  if (delay_line_.delay_ms() == 0) air_tick(Clock::now());
}

asio::awaitable<void> Program::tick_loop() {
  auto self = shared_from_this();
  while (running_) {
    ticker_.expires_after(kTick);
    co_await ticker_.async_wait(use_nothrow);
    if (!running_) break;
    const auto now = Clock::now();
    if (on_program_ && now - on_program_->last_seen > milliseconds(config_.input_timeout_ms)) {
      lost_ = on_program_;
      spdlog::warn("event=program_input_lost program={} input={}", base::log_value(config_.name),
                   base::log_value(lost_->name));
      to_card("input " + lost_->name + " sent nothing for " +
              std::to_string(config_.input_timeout_ms) + " ms");
    }
    if (!on_program_)
      for (const auto& p : card_due(program_card_, program_card_started_, now)) card_to_program(p);
    air_tick(now);
    program_writer_->flush();
    air_writer_->flush();
    report_inputs(now);
    report_buffer(now);
  }
}

void Program::keep_air_header(const PacketPtr& header) {
  (header->is_video() ? air_video_header_ : air_audio_header_) = header;
}

void Program::air_to_card(Clock::time_point now) {
  if (air_on_card_) return;
  air_on_card_ = true;
  air_writer_->begin_segment();
  if (encoder_) {
    // The slate, drawn live for air (from_air_slate), clock running.
    air_slate_ = encoder_->slate_on_air();
  } else {
    air_writer_->write(card_->video_header);
    air_writer_->write(card_->audio_header);
    air_card_.restart(card_);
  }
  air_card_started_ = now;
  publish_view();
  emit("air", json_text({{"on_air", "card"}}));
}

void Program::air_tick(Clock::time_point now) {
  if (!cut_) {
    while (PacketPtr p = delay_line_.pop_due(now)) {
      if (p->sequence_header) {
        (p->is_video() ? air_video_header_ : air_audio_header_) = p;
        if (!air_on_card_) air_writer_->write(p);
        continue;
      }
      if (air_on_card_) {
        if (!(p->is_video() && p->keyframe)) continue;  // back from the card at a keyframe
        air_on_card_ = false;
        if (encoder_) {
          encoder_->slate_off_air();
          air_slate_ = 0;
        }
        air_writer_->begin_segment();
        for (const auto& h : {air_video_header_, air_audio_header_})
          if (h) air_writer_->write(h);
        publish_view();
        emit("air", json_text({{"on_air", "program"}}));
      }
      air_writer_->write(p);
    }
    if (!air_on_card_ && now - air_writer_->last_write_at() > kAirGap) air_to_card(now);
  }
  if (air_on_card_ && !encoder_)
    for (const auto& p : card_due(air_card_, air_card_started_, now)) air_writer_->write(p);
}

void Program::start_air_encoder() {
  auto conformer = Conformer::open(config_.air, "air:" + config_.name);
  if (!conformer) {
    // Air still goes out, as the cameras send it: better than no air.
    spdlog::error("event=air_encoder_failed program={} error={}", base::log_value(config_.name),
                  base::log_value(conformer.error().message));
    emit("air_encoder_failed", json_text({{"error", conformer.error().message}}));
    return;
  }
  std::weak_ptr<Program> weak = shared_from_this();
  encoder_ = std::make_unique<AirEncoder>(
      std::move(*conformer), "air:" + config_.name,
      [weak, executor = executor_](std::vector<PacketPtr>&& packets, std::uint64_t generation) {
        asio::post(executor, [weak, packets = std::move(packets), generation] {
          if (auto self = weak.lock()) self->from_encoder(packets, generation);
        });
      },
      [weak, executor = executor_](std::vector<PacketPtr>&& packets, std::uint64_t slate) {
        asio::post(executor, [weak, packets = std::move(packets), slate] {
          if (auto self = weak.lock()) self->from_air_slate(packets, slate);
        });
      });
  {
    std::lock_guard lock(view_mutex_);
    view_.air_encoder_running = true;
    encoder_->set_graphics(view_.graphics);
  }
  encoder_->set_card(card_);
  const auto& f = config_.air;
  spdlog::info(
      "event=air_encoder_start program={} width={} height={} fps={} video_bps={} audio_bps={} "
      "preset={} level={}",
      base::log_value(config_.name), f.width, f.height, f.fps, f.video_bitrate_bps,
      f.audio_bitrate_bps, base::log_value(f.preset), h264_level_for(f));
}

void Program::from_air_slate(const std::vector<PacketPtr>& packets, std::uint64_t slate) {
  if (!running_ || !air_on_card_ || slate != air_slate_) return;
  for (const auto& p : packets) air_writer_->write(p);
  air_writer_->flush();
}

void Program::from_encoder(const std::vector<PacketPtr>& packets, std::uint64_t generation) {
  if (!running_ || cut_ || generation < accepted_generation_) return;
  const auto now = Clock::now();
  for (const auto& p : packets) delay_line_.push(now, p);
  if (delay_line_.delay_ms() == 0) {
    air_tick(now);
    air_writer_->flush();
  }
}

}  // namespace courtcast::program
