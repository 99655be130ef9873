#pragma once
// The court's on-screen graphics that the air encoder draws over every
// frame (issue 15): the emblem, a clock with date in Beijing time, an
// optional 直播 tag and a lower-third caption (the session title, then the
// case on air and the step under way), each switchable while live; and the
// slate air shows instead of the standby card's clip in conform mode. Texts
// arrive already as they may be published (party names masked by the
// caller); they are drawn as they are, never interpreted.

#include <string>
#include <string_view>

namespace courtcast::program {

// The Debian CJK font the built-in standby card is drawn with too.
constexpr const char* kCjkFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";
constexpr const char* kDefaultSlateMessage = "直播暂停 · 请稍候";
// The built-in card's colour: the slate's background when no court card is set.
constexpr const char* kDefaultSlateColour = "#1f3b63";
constexpr const char* kSlateOnCard = "card";
constexpr std::size_t kSlateMessageMaxBytes = 200;

struct Graphics {
  // Switches: what air shows of the pieces below.
  bool show_clock = true;
  bool show_live_tag = false;
  bool show_caption = true;  // the lower third: title and caption line
  bool show_emblem = true;
  std::string title;        // lower third, first line; empty: none
  std::string caption;      // lower third, second line: case and step
  std::string emblem_path;  // a PNG; empty: none
  std::string font_path = kCjkFont;
  // The slate: its message, and its background: "card" (a still of the
  // court's standby card; the built-in card's colour when the court has
  // none of its own) or a colour "#RRGGBB".
  std::string slate_message = kDefaultSlateMessage;
  std::string slate_background = kSlateOnCard;

  bool operator==(const Graphics&) const = default;
  // Whether anything is drawn over a camera's picture.
  bool overlay_empty() const {
    return !show_clock && !show_live_tag && (!show_caption || (title.empty() && caption.empty())) &&
           (!show_emblem || emblem_path.empty());
  }
};

// Why `message` may not be the slate's message (too long, more than one
// line, a control or bidi character); empty when it may.
std::string slate_message_problem(const std::string& message);
// Whether `background` is "card" or a colour "#RRGGBB".
bool valid_slate_background(const std::string& background);

// What a director chose of `g`: the four switches and the slate, as JSON
// text. A program keeps it in a file of its own so that a restart shows
// what was chosen, not the defaults.
std::string choices_json(const Graphics& g);
// Puts kept choices onto `g`; what is missing, of the wrong type or not a
// valid message or background is left as it is (the file may be old or
// edited by hand).
void apply_choices(std::string_view json, Graphics& g);

}  // namespace courtcast::program
