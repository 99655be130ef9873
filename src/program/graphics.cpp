#include "program/graphics.hpp"

#include <boost/json.hpp>

namespace courtcast::program {

namespace json = boost::json;

std::string choices_json(const Graphics& g) {
  return json::serialize(json::object{
      {"graphics", json::object{{"clock", g.show_clock},
                                {"live_tag", g.show_live_tag},
                                {"caption", g.show_caption},
                                {"emblem", g.show_emblem}}},
      {"slate", json::object{{"message", g.slate_message}, {"background", g.slate_background}}}});
}

void apply_choices(std::string_view text, Graphics& g) {
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  const auto* o = ec ? nullptr : v.if_object();
  if (!o) return;
  if (const auto* graphics = o->if_contains("graphics"); graphics && graphics->is_object()) {
    for (auto [key, field] : {std::pair{"clock", &g.show_clock},
                              {"live_tag", &g.show_live_tag},
                              {"caption", &g.show_caption},
                              {"emblem", &g.show_emblem}})
      if (const auto* b = graphics->as_object().if_contains(key); b && b->is_bool())
        *field = b->as_bool();
  }
  if (const auto* slate = o->if_contains("slate"); slate && slate->is_object()) {
    const auto& s = slate->as_object();
    if (const auto* m = s.if_contains("message"); m && m->is_string()) {
      std::string message(m->as_string());
      if (slate_message_problem(message).empty()) g.slate_message = std::move(message);
    }
    if (const auto* b = s.if_contains("background"); b && b->is_string()) {
      std::string background(b->as_string());
      if (valid_slate_background(background)) g.slate_background = std::move(background);
    }
  }
}

}  // namespace courtcast::program
