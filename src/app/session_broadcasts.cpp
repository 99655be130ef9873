#include "app/session_broadcasts.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <fstream>

#include "app/config.hpp"
#include "base/clock.hpp"
#include "base/file.hpp"
#include "base/hex.hpp"
#include "base/log_value.hpp"
#include "court/step_type.hpp"
#include "http/program_api.hpp"

namespace courtcast::app {

namespace json = boost::json;
using court::SessionState;

namespace {

// Inputs take publishes from approval until the end; program and air run
// while live.
bool inputs_open(SessionState s) {
  return s == SessionState::approved || s == SessionState::live;
}

std::string closed_reason(const court::LiveSession& s) {
  if (s.state == SessionState::ended)
    return "session ended: session " + std::to_string(s.id) +
           " is over and its cameras take no more publishes";
  return "session " + std::to_string(s.id) + " is " +
         std::string(court::session_state_code(s.state)) +
         " again: its cameras take publishes once it is approved";
}

// The delay the director set live becomes the session's, so that a restart
// resumes it. Once per change, by a person: the store write may run here.
void keep_delay(store::Repository& repo, court::Id id, const std::string& details) {
  boost::system::error_code ec;
  const json::value v = json::parse(details, ec);
  const auto* o = v.if_object();
  const auto* delay = o ? o->if_contains("delay_ms") : nullptr;
  if (ec || !delay || !delay->is_int64()) return;
  std::string by = "program";
  if (const auto* who = o->if_contains("by"); who && who->is_string()) by = who->as_string();
  if (auto r = repo.keep_session_delay(id, delay->as_int64(), store::Actor{by, base::utc_now_ms()});
      !r)
    spdlog::error("event=session_delay_not_kept session={} error={}", id,
                  base::log_value(r.error().message));
}

}  // namespace

SessionBroadcasts::SessionBroadcasts(BroadcastWiring wiring) : w_(std::move(wiring)) {
  load_key_generations();
}

void SessionBroadcasts::load_key_generations() {
  if (w_.key_generations_file.empty()) return;
  std::ifstream in(w_.key_generations_file);
  std::string stream;
  std::int64_t generation = 0;
  while (in >> stream >> generation) key_generations_[stream] = generation;
}

std::optional<court::Id> SessionBroadcasts::session_of(const std::string& stream) {
  constexpr std::string_view kPrefix = "session-";
  if (!stream.starts_with(kPrefix)) return std::nullopt;
  court::Id id = 0;
  std::size_t i = kPrefix.size();
  for (; i < stream.size() && i < kPrefix.size() + 18 && stream[i] >= '0' && stream[i] <= '9'; ++i)
    id = id * 10 + (stream[i] - '0');
  if (i == kPrefix.size() || stream[kPrefix.size()] == '0') return std::nullopt;
  if (i != stream.size() && stream[i] != '.') return std::nullopt;
  return id;
}

std::string SessionBroadcasts::publish_key(const std::string& stream) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  std::string message = "publish:" + stream;
  {
    std::lock_guard lock(key_mutex_);
    if (auto it = key_generations_.find(stream); it != key_generations_.end())
      message += "#" + std::to_string(it->second);
  }
  HMAC(EVP_sha256(), w_.key_secret.data(), static_cast<int>(w_.key_secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return base::to_hex({mac, std::min(len, 16u)});
}

void SessionBroadcasts::resume_open_sessions() {
  auto sessions = w_.repository.list_sessions({});
  if (!sessions) {
    spdlog::error("event=sessions_resume_failed error=\"{}\"", sessions.error().message);
    return;
  }
  for (const auto& s : *sessions)
    if (inputs_open(s.state)) session_changed(s);
}

void SessionBroadcasts::session_changed(const court::LiveSession& s) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(s.id);
  if (!inputs_open(s.state)) {
    if (it == open_.end()) return;
    // Publishers ask input_closed while they publish: they are cut within
    // a quarter of a second and their recording stops with them.
    closed_[s.id] = closed_reason(s);
    go_off_air(s.id, it->second);
    carry_air(s, false);
    for (const auto& input : it->second.inputs)
      if (auto stream = w_.hub.find(input_stream(s.id, input))) stream->finish();
    open_.erase(it);
    spdlog::info("event=session_closed session={} state={}", s.id,
                 court::session_state_code(s.state));
    return;
  }
  if (it == open_.end()) {
    closed_.erase(s.id);
    it = open_.emplace(s.id, Open{}).first;
    spdlog::info("event=session_open session={} inputs={}", s.id, s.inputs.size());
  }
  Open& open = it->second;
  for (const auto& input : s.inputs) {
    if (std::find(open.inputs.begin(), open.inputs.end(), input) != open.inputs.end()) continue;
    open.inputs.push_back(input);
    if (open.program) open.program->add_input({input, input_stream(s.id, input)});
  }
  // Inputs taken off a session stop taking publishes; one already on a live
  // program stays its input until the session ends.
  std::erase_if(open.inputs, [&](const std::string& input) {
    return std::find(s.inputs.begin(), s.inputs.end(), input) == s.inputs.end() &&
           !(open.program && open.program->has_input(input));
  });
  if (s.state == SessionState::live && !open.program) {
    go_live(s.id, s, open);
    carry_air(s, true);
  } else if (open.program && open.program->view().delay_ms != s.delay_ms) {
    // delay_ms edited on the session while live: air follows.
    open.program->set_delay(std::clamp<std::int64_t>(s.delay_ms, 0, program::kMaxDelayMs),
                            "session");
  }
  if (open.program && open.graphics.title != s.title) {
    open.graphics.title = s.title;  // the lower third follows an edited title
    open.program->set_captions(open.graphics.title, open.graphics.caption);
  }
}

// The caption of a step under way: the case, the step, the parties as a
// broadcast may name them.
static std::string step_caption(const court::Case& c, const court::EnforcementStep& step) {
  std::string text = c.number + "  " + std::string(court::step_type_info(step.type).name_zh);
  const auto names = [](const std::vector<court::Party>& parties) {
    std::string out;
    for (const auto& p : parties) out += (out.empty() ? "" : "、") + court::published_name(p);
    return out;
  };
  if (!c.applicants.empty()) text += "  申请执行人：" + names(c.applicants);
  if (!c.respondents.empty()) text += "  被执行人：" + names(c.respondents);
  return text;
}

void SessionBroadcasts::step_marked(const court::EnforcementStep& step) {
  if (!step.session_id) return;
  auto c = w_.repository.get_case(step.case_id);
  if (!c) return;
  std::shared_ptr<program::Program> program;
  program::Graphics graphics;
  {
    std::lock_guard lock(mutex_);
    auto it = open_.find(*step.session_id);
    if (it == open_.end() || !it->second.program) return;
    // A step that ended clears the caption; the newest step under way shows.
    it->second.graphics.caption = step.end_ms ? "" : step_caption(*c, step);
    program = it->second.program;
    graphics = it->second.graphics;
  }
  program->set_captions(graphics.title, graphics.caption);
  spdlog::info("event=session_caption session={} step={} caption={}", *step.session_id, step.id,
               base::log_value(graphics.caption));
}

void SessionBroadcasts::go_live(court::Id id, const court::LiveSession& s, Open& open) {
  program::ProgramConfig config;
  open.graphics.title = s.title;
  config.graphics = open.graphics;
  config.graphics.emblem_path = w_.programs.emblem_path();
  config.choices_file = w_.programs.choices_file(air_stream(id));
  config.air = program_air(s.air);
  config.name = air_stream(id);
  for (const auto& input : open.inputs) config.inputs.push_back({input, input_stream(id, input)});
  config.delay_ms = std::clamp<std::int64_t>(s.delay_ms, 0, program::kMaxDelayMs);
  config.input_timeout_ms = w_.input_timeout_ms;
  const std::size_t worker = next_worker_++ % w_.executors.size();
  auto program = std::make_shared<program::Program>(
      config, w_.hub, worker, w_.executors[worker], w_.programs.card(),
      [event = w_.program_event, name = config.name, &repo = w_.repository, id](
          const std::string& type, const std::string& details) {
        if (type == "delay") keep_delay(repo, id, details);
        if (event) event(name, type, details);
      });
  if (!w_.programs.add(program)) {
    spdlog::error("event=session_program_taken session={} program={}", id,
                  base::log_value(config.name));
    return;
  }
  program->start();
  open.program = std::move(program);
  spdlog::info("event=session_live session={} air={} delay_ms={}", id, base::log_value(config.name),
               config.delay_ms);
}

void SessionBroadcasts::go_off_air(court::Id id, Open& open) {
  if (!open.program) return;
  w_.programs.remove(open.program->name());
  open.program->stop();
  open.program.reset();
  spdlog::info("event=session_off_air session={}", id);
}

// The destinations a session names carry its air while it is live; any
// destination already pointed at its air (added through the API with the
// session's air as its stream) is started and stopped with it.
void SessionBroadcasts::carry_air(const court::LiveSession& s, bool on) {
  if (!w_.relay) return;
  const std::string air = air_stream(s.id);
  for (const auto& d : w_.relay->list()) {
    auto spec = d->spec();
    const bool named =
        std::find(s.destinations.begin(), s.destinations.end(), spec.name) != s.destinations.end();
    if (!named && spec.stream != air) continue;
    if (on) {
      spec.stream = air;
      spec.enabled = true;
      if (auto r = w_.relay->update(d->id(), spec); !r)
        spdlog::error("event=session_destination_failed session={} destination={} error={}", s.id,
                      base::log_value(spec.name), base::log_value(r.error().message));
    } else if (spec.stream == air) {
      w_.relay->set_enabled(d->id(), false);
    }
  }
}

std::optional<std::pair<court::Id, std::string>> SessionBroadcasts::open_input(
    const std::string& stream) const {
  const auto id = session_of(stream);
  const std::string prefix = id ? air_stream(*id) + "." : std::string();
  if (!id || stream.size() <= prefix.size()) return std::nullopt;
  const std::string input = stream.substr(prefix.size());
  auto it = open_.find(*id);
  if (it == open_.end()) return std::nullopt;
  const auto& inputs = it->second.inputs;
  if (std::find(inputs.begin(), inputs.end(), input) == inputs.end()) return std::nullopt;
  return std::make_pair(*id, input);
}

std::optional<std::string> SessionBroadcasts::input_key(const std::string& stream) const {
  std::lock_guard lock(mutex_);
  if (!open_input(stream)) return std::nullopt;
  return publish_key(stream);
}

std::optional<std::string> SessionBroadcasts::input_closed(const std::string& stream) const {
  const auto id = session_of(stream);
  if (!id || stream.size() <= air_stream(*id).size()) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    if (open_.count(*id)) return std::nullopt;
    if (auto it = closed_.find(*id); it != closed_.end()) return it->second;
  }
  // Ended before this process started: the store knows. Only refused
  // publishes get here, never a publish in progress.
  auto s = w_.repository.get_session(*id);
  if (s && s->state == SessionState::ended) return closed_reason(*s);
  return std::nullopt;
}

void SessionBroadcasts::input_started(const std::string& stream) {
  std::optional<std::pair<court::Id, std::string>> input;
  {
    std::lock_guard lock(mutex_);
    input = open_input(stream);
  }
  if (!input) return;
  // The two-recorder rule for coercive steps reads these spans.
  if (auto r = w_.repository.open_input_span(input->first, input->second, base::utc_now_ms()); !r)
    spdlog::error("event=input_span_failed session={} input={} error={}", input->first,
                  base::log_value(input->second), base::log_value(r.error().message));
  if (w_.publish_event)
    w_.publish_event(json::serialize(json::object{{"type", "session.input"},
                                                  {"session_id", input->first},
                                                  {"input", input->second},
                                                  {"state", "live"}}));
}

void SessionBroadcasts::input_ended(const std::string& stream) {
  const auto id = session_of(stream);
  if (!id) return;
  const std::string input = stream.substr(air_stream(*id).size() + 1);
  if (auto r = w_.repository.close_input_span(*id, input, base::utc_now_ms()); !r)
    spdlog::error("event=input_span_failed session={} input={} error={}", *id,
                  base::log_value(input), base::log_value(r.error().message));
  if (w_.publish_event)
    w_.publish_event(json::serialize(json::object{
        {"type", "session.input"}, {"session_id", *id}, {"input", input}, {"state", "lost"}}));
}

json::value SessionBroadcasts::broadcast_json(const court::LiveSession& s) {
  const std::string air = air_stream(s.id);
  const std::string rtmp = "rtmp://" + w_.public_host + ":" + std::to_string(w_.rtmp_port);
  std::shared_ptr<program::Program> program;
  bool open = false;
  {
    std::lock_guard lock(mutex_);
    if (auto it = open_.find(s.id); it != open_.end()) {
      open = true;
      program = it->second.program;
    }
  }
  json::array inputs;
  for (const auto& input : s.inputs) {
    const std::string stream = input_stream(s.id, input);
    json::object o{{"name", input}, {"stream", stream}};
    // The URLs without the key: where a camera publishes is no secret.
    for (auto& [k, v] : publish_urls(stream, "****"))
      if (k.ends_with("_url") || k == "srt_passphrase_required") o[k] = std::move(v);
    if (auto info = w_.hub.find(stream)) {
      const auto i = info->info();
      o["state"] = i.live ? "live" : "lost";
      o["bitrate_bps"] = i.bitrate_bps;
      o["width"] = i.width;
      o["height"] = i.height;
    } else {
      o["state"] = "lost";
    }
    inputs.push_back(std::move(o));
  }
  json::array destinations;
  if (w_.relay)
    for (const auto& d : w_.relay->list()) {
      const auto spec = d->spec();
      if (spec.stream == air || std::find(s.destinations.begin(), s.destinations.end(),
                                          spec.name) != s.destinations.end())
        destinations.push_back(json::object{{"id", d->id()},
                                            {"name", spec.name},
                                            {"state", relay::to_string(d->health().state)},
                                            {"carries_air", spec.stream == air}});
    }
  return json::object{
      {"session_id", s.id},
      {"state", court::session_state_code(s.state)},
      {"inputs_open", open},
      {"on_air", program != nullptr},
      {"air",
       json::object{
           {"stream", air}, {"rtmp", rtmp + "/live/" + air}, {"flv", "/live/" + air + ".flv"}}},
      {"program",
       json::object{{"stream", program::Program::program_stream(air)},
                    {"flv", "/live/" + program::Program::program_stream(air) + ".flv?token=TOKEN"},
                    {"control", "/api/v1/programs/" + air},
                    {"state", program ? http::program_json(program->view()) : json::value()}}},
      {"inputs", std::move(inputs)},
      {"destinations", std::move(destinations)}};
}

json::object SessionBroadcasts::publish_urls(const std::string& stream,
                                             const std::string& key) const {
  const auto server = [&](const char* scheme, std::uint16_t port) {
    return std::string(scheme) + "://" + w_.public_host + ":" + std::to_string(port) + "/live";
  };
  json::object o{{"server", server("rtmp", w_.rtmp_port)},
                 {"stream_key", stream + "?key=" + key},
                 {"publish_url", server("rtmp", w_.rtmp_port) + "/" + stream + "?key=" + key}};
  if (w_.rtmps_port) {
    o["rtmps_server"] = server("rtmps", w_.rtmps_port);
    o["rtmps_url"] = server("rtmps", w_.rtmps_port) + "/" + stream + "?key=" + key;
  }
  if (w_.srt_port) {
    // The SRT access control convention (r: resource, m: mode, s: session
    // key), as FFmpeg, OBS and Larix send it.
    o["srt_url"] = "srt://" + w_.public_host + ":" + std::to_string(w_.srt_port) +
                   "?streamid=#!::r=live/" + stream + ",m=publish,s=" + key;
    o["srt_passphrase_required"] = w_.srt_encrypted;
  }
  return o;
}

json::object SessionBroadcasts::input_urls_json(court::Id id, const std::string& input) const {
  const std::string stream = input_stream(id, input);
  json::object o{{"name", input}};
  for (auto& [k, v] : publish_urls(stream, publish_key(stream))) o[k] = std::move(v);
  return o;
}

json::value SessionBroadcasts::publish_urls_json(const court::LiveSession& s) {
  json::array inputs;
  for (const auto& input : s.inputs) inputs.push_back(input_urls_json(s.id, input));
  return json::object{{"session_id", s.id}, {"inputs", std::move(inputs)}};
}

json::value SessionBroadcasts::rotate_publish_key(const court::LiveSession& s,
                                                  const std::string& input) {
  if (std::find(s.inputs.begin(), s.inputs.end(), input) == s.inputs.end()) return nullptr;
  const std::string stream = input_stream(s.id, input);
  std::string text;
  {
    std::lock_guard lock(key_mutex_);
    ++key_generations_[stream];
    for (const auto& [name, generation] : key_generations_)
      text += name + " " + std::to_string(generation) + "\n";
  }
  // Kept before the new key is given out: a restart must not bring the old one back.
  if (!w_.key_generations_file.empty()) {
    if (auto r = base::write_file_atomically(w_.key_generations_file, text, 0600); !r) {
      std::lock_guard lock(key_mutex_);
      --key_generations_[stream];
      spdlog::error("event=publish_key_not_kept stream={} error={}", base::log_value(stream),
                    base::log_value(r.error().message));
      return nullptr;
    }
  }
  spdlog::info("event=publish_key_rotated stream={}", base::log_value(stream));
  return json::object{{"session_id", s.id}, {"input", input_urls_json(s.id, input)}};
}

}  // namespace courtcast::app
