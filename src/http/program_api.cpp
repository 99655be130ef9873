#include "http/program_api.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "base/codes.hpp"

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;

json::value program_json(const program::ProgramView& v) {
  json::array inputs;
  for (const auto& in : v.inputs)
    inputs.push_back(json::object{{"name", in.name},
                                  {"stream", in.stream},
                                  {"state", in.live ? "live" : "lost"},
                                  {"bitrate_bps", in.bitrate_bps},
                                  {"width", in.width},
                                  {"height", in.height}});
  return json::object{
      {"name", v.name},
      {"on_program", v.on_program},
      {"pending", v.pending.empty() ? json::value(nullptr) : json::value(v.pending)},
      {"on_air", v.on_air},
      {"cut", v.cut},
      {"delay_seconds", static_cast<double>(v.delay_ms) / 1000.0},
      {"delay_ms", v.delay_ms},
      {"buffered_ms", v.buffered_ms},
      {"auto_return", v.auto_return},
      {"last_take_to_frame_ms",
       v.last_take_to_frame_ms < 0 ? json::value(nullptr) : json::value(v.last_take_to_frame_ms)},
      {"air",
       json::object{
           {"mode", program::air_mode_code(v.air.mode)},
           {"width", v.air.width},
           {"height", v.air.height},
           {"fps", v.air.fps},
           {"video_bitrate_kbps", v.air.video_bitrate_bps / 1000},
           {"audio_bitrate_kbps", v.air.audio_bitrate_bps / 1000},
           {"preset", v.air.preset},
           {"encoder_running", v.air_encoder_running},
           {"graphics", json::object{{"clock", v.graphics.show_clock},
                                     {"live_tag", v.graphics.show_live_tag},
                                     {"caption", v.graphics.show_caption},
                                     {"emblem", v.graphics.show_emblem},
                                     {"emblem_set", !v.graphics.emblem_path.empty()},
                                     {"title", v.graphics.title},
                                     {"caption_text", v.graphics.caption}}},
           {"slate", json::object{{"message", v.graphics.slate_message},
                                  {"background", v.graphics.slate_background}}},
           {"format_warnings", json::array(v.format_warnings.begin(), v.format_warnings.end())},
           {"encoder", json::object{{"frames_out", v.encoder.conform.video_out},
                                    {"frames_repeated", v.encoder.conform.repeated},
                                    {"frames_dropped", v.encoder.conform.dropped},
                                    {"decode_errors", v.encoder.conform.decode_errors},
                                    {"queued_packets", v.encoder.queued},
                                    {"overflow_dropped", v.encoder.overflow_dropped},
                                    {"cpu_ms", v.encoder.cpu_ms},
                                    {"latency_ms_mean", std::llround(v.encoder.latency_ms_mean)},
                                    {"latency_ms_max", v.encoder.latency_ms_max}}}}},
      {"inputs", std::move(inputs)}};
}

namespace {

// The body as an object holding only `allowed` keys; an error result otherwise.
std::optional<ApiResult> parse_body(const std::string& body,
                                    std::initializer_list<std::string_view> allowed,
                                    json::object& out) {
  if (body.empty() && allowed.size() == 0) return std::nullopt;
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string("{}") : body, ec);
  if (ec || !v.is_object())
    return api_error(status::bad_request, "invalid_json", "the body must be a JSON object");
  out = v.as_object();
  for (const auto& [k, val] : out)
    if (std::find(allowed.begin(), allowed.end(), std::string_view(k)) == allowed.end())
      return bad_field(k, "unknown field");
  return std::nullopt;
}

}  // namespace

ApiResult list_programs(const program::ProgramRegistry& programs) {
  json::array list;
  for (const auto& p : programs.list()) list.push_back(program_json(p->view()));
  return {status::ok, json::object{{"programs", std::move(list)}}};
}

ApiResult get_program(const program::ProgramRegistry& programs, std::string_view name) {
  auto p = programs.find(std::string(name));
  if (!p)
    return api_error(status::not_found, "program_not_found",
                     "no program '" + std::string(name) + "'");
  return {status::ok, program_json(p->view())};
}

ApiResult program_action(const program::ProgramRegistry& programs, std::string_view name,
                         ProgramAction action, const std::string& body, const std::string& who) {
  auto p = programs.find(std::string(name));
  if (!p)
    return api_error(status::not_found, "program_not_found",
                     "no program '" + std::string(name) + "'");
  json::object o;
  // What the action changed, for the answer and the audit log.
  json::object changed{{"accepted", program_action_code(action)}, {"program", p->name()}};
  switch (action) {
    case ProgramAction::take: {
      if (auto e = parse_body(body, {"input"}, o)) return *e;
      const auto* input = o.if_contains("input");
      if (!input || !input->is_string()) return bad_field("input", "required, a string");
      if (auto r = p->take(std::string(input->as_string()), who); !r)
        return bad_field(r.error().message);
      changed["input"] = input->as_string();
      break;
    }
    case ProgramAction::cut: {
      // Why the cut: for the record (the audit log, the log line, the event).
      if (auto e = parse_body(body, {"reason"}, o)) return *e;
      std::string reason;
      if (const auto* r = o.if_contains("reason"); r && !r->is_null()) {
        if (!r->is_string() || r->as_string().size() > 500)
          return bad_field("reason", "a string of at most 500 bytes");
        reason = r->as_string();
        if (std::any_of(reason.begin(), reason.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '"'; }))
          return bad_field("reason", "one line of text, without control characters or '\"'");
      }
      p->cut(who, reason);
      changed["reason"] = reason;
      break;
    }
    case ProgramAction::card:
      if (auto e = parse_body(body, {}, o)) return *e;
      p->take_card(who);
      break;
    case ProgramAction::resume:
      if (auto e = parse_body(body, {}, o)) return *e;
      p->resume(who);
      break;
    case ProgramAction::delay: {
      if (auto e = parse_body(body, {"delay_seconds"}, o)) return *e;
      const auto* d = o.if_contains("delay_seconds");
      if (!d || !d->is_number())
        return bad_field("delay_seconds", "required, a number from 0 to 300");
      const double seconds = d->to_number<double>();
      if (!(seconds >= 0 && seconds <= 300))
        return bad_field("delay_seconds", "must be from 0 to 300");
      if (auto r = p->set_delay(static_cast<std::int64_t>(seconds * 1000), who); !r)
        return bad_field(r.error().message);
      changed["delay_seconds"] = seconds;
      break;
    }
    case ProgramAction::auto_return: {
      if (auto e = parse_body(body, {"on"}, o)) return *e;
      const auto* on = o.if_contains("on");
      if (!on || !on->is_bool()) return bad_field("on", "required, true or false");
      p->set_auto_return(on->as_bool());
      changed["on"] = on->as_bool();
      break;
    }
    case ProgramAction::slate: {
      if (auto e = parse_body(body, {"message", "background"}, o)) return *e;
      std::optional<std::string> message, background;
      if (const auto* m = o.if_contains("message")) {
        if (!m->is_string()) return bad_field("message", "a string");
        message = std::string(m->as_string());
        if (auto problem = program::slate_message_problem(*message); !problem.empty())
          return bad_field("message", problem);
        changed["message"] = *message;
      }
      if (const auto* b = o.if_contains("background")) {
        if (!b->is_string() || !program::valid_slate_background(std::string(b->as_string())))
          return bad_field("background", "\"card\" or a colour \"#RRGGBB\"");
        background = std::string(b->as_string());
        changed["background"] = *background;
      }
      if (!message && !background)
        return bad_field("message or background", "one of them is required");
      p->set_slate(std::move(message), std::move(background), who);
      break;
    }
    case ProgramAction::graphics: {
      if (auto e = parse_body(body, {"clock", "live_tag", "caption", "emblem"}, o)) return *e;
      program::GraphicsSwitches switches;
      for (auto [key, field] : {std::pair{"clock", &switches.clock},
                                {"live_tag", &switches.live_tag},
                                {"caption", &switches.caption},
                                {"emblem", &switches.emblem}}) {
        const auto* v = o.if_contains(key);
        if (!v) continue;
        if (!v->is_bool()) return bad_field(key, "true or false");
        *field = v->as_bool();
        changed[key] = v->as_bool();
      }
      if (o.empty())
        return bad_field("clock, live_tag, caption or emblem", "one of them is required");
      p->set_switches(switches, who);
      break;
    }
  }
  return {status::accepted, std::move(changed)};
}

constexpr base::CodeTable<ProgramAction, 8> kProgramActionCodes = {
    {{ProgramAction::take, "take"},
     {ProgramAction::card, "card"},
     {ProgramAction::delay, "delay"},
     {ProgramAction::cut, "cut"},
     {ProgramAction::resume, "resume"},
     {ProgramAction::auto_return, "auto_return"},
     {ProgramAction::slate, "slate"},
     {ProgramAction::graphics, "graphics"}}};

std::string_view program_action_code(ProgramAction action) {
  return base::code_of(kProgramActionCodes, action);
}

}  // namespace courtcast::http
