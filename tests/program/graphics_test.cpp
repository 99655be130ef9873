#include "program/graphics.hpp"

#include <gtest/gtest.h>

namespace courtcast::program {
namespace {

TEST(GraphicsChoices, kept_switches_and_slate_come_back_as_they_were) {
  Graphics chosen;
  chosen.show_clock = false;
  chosen.show_live_tag = true;
  chosen.slate_message = "前往第二执行现场途中";
  chosen.slate_background = "#203040";
  chosen.title = "not a choice";
  Graphics restarted;
  apply_choices(choices_json(chosen), restarted);
  EXPECT_FALSE(restarted.show_clock);
  EXPECT_TRUE(restarted.show_live_tag);
  EXPECT_TRUE(restarted.show_caption);
  EXPECT_EQ(restarted.slate_message, "前往第二执行现场途中");
  EXPECT_EQ(restarted.slate_background, "#203040");
  EXPECT_EQ(restarted.title, "");  // titles come from the session, not the file
}

TEST(GraphicsChoices, invalid_or_missing_values_leave_what_was_there) {
  Graphics g;
  apply_choices(R"({"slate":{"message":"a\nb","background":"red"},"graphics":{"clock":1}})", g);
  apply_choices("not json", g);
  apply_choices("[]", g);
  EXPECT_EQ(g, Graphics{});
}

}  // namespace
}  // namespace courtcast::program
