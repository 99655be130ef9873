#pragma once
// One broadcast's program and air (design.md §1): the director takes a
// camera (it goes on program at its next keyframe), or the standby card;
// air is program behind a delay that can change live, and a cut replaces
// everything not yet aired with the card until the director resumes.
// Whatever the cameras do, program and air never stop: the card fills in.
//
// All media work runs on one executor; the control calls are thread-safe.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "live/hub.hpp"
#include "program/air_encoder.hpp"
#include "program/air_format.hpp"
#include "program/card.hpp"
#include "program/delay_line.hpp"
#include "program/timeline.hpp"

namespace courtcast::program {

namespace asio = boost::asio;

// A camera: the name the director takes it by, and the hub stream it
// publishes to (the same for config programs; "session-7.cam-a" for "cam-a"
// of live session 7).
struct ProgramInput {
  std::string name;
  std::string stream;
};

struct ProgramConfig {
  std::string name;  // air is played as NAME, program as NAME.program
  std::vector<ProgramInput> inputs;
  std::int64_t delay_ms = 10'000;
  bool auto_return = false;
  // An input on program that sends nothing for this long is replaced by the card.
  std::int64_t input_timeout_ms = 2000;
  // Conformed by the air encoder (the default), or program as the cameras
  // send it.
  AirFormat air;
  Graphics graphics;  // drawn by the air encoder (conform mode only)
  // Where the director's switches and slate are kept (choices_json) and read
  // back from at the start, over `graphics`; empty: not kept.
  std::filesystem::path choices_file;
};

constexpr std::int64_t kMaxDelayMs = 300'000;
constexpr const char* kCardSource = "card";

struct InputView {
  std::string name;
  std::string stream;
  bool live = false;
  std::uint64_t bitrate_bps = 0;
  std::uint32_t width = 0, height = 0;
};

// What a director switches on or off; unset: as it is.
struct GraphicsSwitches {
  std::optional<bool> clock, live_tag, caption, emblem;
};

struct ProgramView {
  std::string name;
  std::string on_program;  // an input's name, or "card"
  std::string pending;     // the input waiting for its keyframe, if any
  std::string on_air;      // "program" or "card"
  bool cut = false;
  std::int64_t delay_ms = 0;
  std::int64_t buffered_ms = 0;  // program waiting in the delay line now
  bool auto_return = false;
  std::int64_t last_take_to_frame_ms = -1;
  AirFormat air;
  Graphics graphics;                 // as air shows them (conform mode)
  bool air_encoder_running = false;  // false in pass-through, or when it could not start
  // Pass-through only: what differs between the live inputs' formats, one
  // line each ("size: cam-a 1280x720, cam-b 960x540"); a take between them
  // changes air's codec configuration, which players may not survive.
  std::vector<std::string> format_warnings;
  AirEncoderStats encoder;  // conform mode: as of the last second
  std::vector<InputView> inputs;
};

class Program : public std::enable_shared_from_this<Program> {
 public:
  // (event type, details as JSON text): for the WebSocket and the audit log.
  using OnEvent = std::function<void(const std::string& type, const std::string& details)>;

  Program(ProgramConfig config, live::Hub& hub, std::size_t worker, asio::any_io_executor executor,
          std::shared_ptr<const StandbyCard> card, OnEvent on_event);

  static std::string program_stream(const std::string& name) { return name + ".program"; }
  const std::string& name() const { return config_.name; }
  bool has_input(const std::string& input) const;
  // A camera added while live (a session's new input); no-op for a known name.
  void add_input(ProgramInput input);

  void start();
  // Ends program and air for good: their players get the end of stream.
  void stop();

  // Control; errors are for the caller to report (unknown input, bad delay).
  media::Result<void> take(const std::string& input, const std::string& who);
  void take_card(const std::string& who);
  media::Result<void> set_delay(std::int64_t delay_ms, const std::string& who);
  // `reason` (may be empty) goes into the log and the event.
  void cut(const std::string& who, const std::string& reason = {});
  void resume(const std::string& who);
  void set_auto_return(bool on);
  // The graphics air shows from the next frame on (conform mode; kept but
  // not drawn in pass-through): all of them, or one part.
  void set_graphics(Graphics graphics);
  void set_captions(std::string title, std::string caption);
  void set_emblem(std::string path);
  // A person's changes, announced as events "graphics" and "slate".
  void set_switches(GraphicsSwitches switches, const std::string& who);
  void set_slate(std::optional<std::string> message, std::optional<std::string> background,
                 const std::string& who);
  // A court's own card; whatever shows the card switches to it at once.
  void set_card(std::shared_ptr<const StandbyCard> card, const std::string& who);

  ProgramView view() const;

 private:
  struct Input {
    Input(std::string n, std::string s) : name(std::move(n)), stream(std::move(s)) {}
    std::string name, stream;
    media::PacketPtr video_header, audio_header;
    std::chrono::steady_clock::time_point last_seen{};
    bool seen = false;
    live::Player* player = nullptr;  // while read_input runs: stop() wakes it
  };

  asio::awaitable<void> read_input(Input& in);
  asio::awaitable<void> tick_loop();
  void on_input(Input& in, const media::PacketPtr& p);
  void switch_to(Input& in, const media::PacketPtr& keyframe);
  void to_card(const std::string& why);
  void to_program(const media::PacketPtr& p);
  void air_tick(std::chrono::steady_clock::time_point now);
  void air_to_card(std::chrono::steady_clock::time_point now);
  // The sequence headers air sends when it comes back from the card.
  void keep_air_header(const media::PacketPtr& header);
  void card_to_program(const media::PacketPtr& p);
  void start_air_encoder();
  void from_encoder(const std::vector<media::PacketPtr>& packets, std::uint64_t generation);
  void from_air_slate(const std::vector<media::PacketPtr>& packets, std::uint64_t slate);
  void change_graphics(std::function<void(Graphics&)> change, std::string event, std::string who);
  void keep_choices(const Graphics& g);
  void publish_view();
  void report_inputs(std::chrono::steady_clock::time_point now);
  void report_buffer(std::chrono::steady_clock::time_point now);
  void report_formats();
  void emit(const std::string& type, const std::string& details);

  const ProgramConfig config_;  // inputs as at the start; inputs_ is current
  live::Hub& hub_;
  const std::size_t worker_;
  asio::any_io_executor executor_;
  std::shared_ptr<const StandbyCard> card_;
  OnEvent on_event_;

  // Executor-only state.
  bool running_ = false;
  std::deque<Input> inputs_;     // a deque: Input* stay valid as inputs are added
  Input* on_program_ = nullptr;  // nullptr: the card
  Input* pending_ = nullptr;
  Input* lost_ = nullptr;  // taken off by the timeout; back with auto_return
  bool auto_return_;
  bool cut_ = false;
  std::chrono::steady_clock::time_point take_at_{};
  std::int64_t take_to_frame_ms_ = -1;
  std::unique_ptr<TimelineWriter> program_writer_, air_writer_;
  CardPlayout program_card_, air_card_;
  std::chrono::steady_clock::time_point program_card_started_{}, air_card_started_{};
  DelayLine delay_line_;
  bool air_on_card_ = false;
  media::PacketPtr air_video_header_, air_audio_header_;
  std::unique_ptr<AirEncoder> encoder_;
  std::uint64_t air_slate_ = 0;            // the encoder's slate air shows now (conform mode)
  std::uint64_t accepted_generation_ = 0;  // older encoder output reached it before a cut/resume
  asio::steady_timer ticker_;
  std::chrono::steady_clock::time_point next_inputs_check_{}, last_inputs_event_{};
  std::chrono::steady_clock::time_point next_buffer_check_{};
  std::int64_t last_buffer_event_ms_ = -1;  // buffered_ms as last sent in an event
  std::string last_inputs_state_;           // live/lost and size of each input, as last reported
  std::vector<std::string> last_format_warnings_;
  std::chrono::steady_clock::time_point next_encoder_log_{};

  mutable std::mutex view_mutex_;
  ProgramView view_;
  std::vector<ProgramInput> input_list_;  // under view_mutex_: for take() and view()
};

}  // namespace courtcast::program
