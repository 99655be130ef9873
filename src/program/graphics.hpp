#pragma once
// The court's on-screen graphics that the air encoder draws over every
// frame (issue 15): the emblem, a clock with date in Beijing time, an
// optional 直播 tag and a lower-third caption (the session title, then the
// case on air and the step under way). Texts arrive already as they may be
// published (party names masked by the caller); they are drawn as they are,
// never interpreted.

#include <string>

namespace courtcast::program {

// The Debian CJK font the built-in standby card is drawn with too.
constexpr const char* kCjkFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

struct Graphics {
  bool clock = true;
  bool live_tag = false;
  std::string title;        // lower third, first line; empty: none
  std::string caption;      // lower third, second line: case and step
  std::string emblem_path;  // a PNG; empty: none
  std::string font_path = kCjkFont;

  bool operator==(const Graphics&) const = default;
  bool empty() const {
    return !clock && !live_tag && title.empty() && caption.empty() && emblem_path.empty();
  }
};

}  // namespace courtcast::program
