// SRT stream ids as encoders send them: the access-control form of the SRT
// specification and the short URL-like form, and what is refused.

#include "srt/stream_id.hpp"

#include <gtest/gtest.h>

namespace courtcast::srt {
namespace {

TEST(StreamId, standard_form_names_stream_mode_and_key) {
  auto id = parse_stream_id("#!::r=live/cam-a,m=publish,s=secret-key-1");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->app, "live");
  EXPECT_EQ(id->name, "cam-a");
  EXPECT_EQ(id->mode, StreamMode::publish);
  EXPECT_EQ(id->key, "secret-key-1");
}

TEST(StreamId, standard_form_keys_in_any_order_and_unknown_keys_ignored) {
  auto id = parse_stream_id("#!::u=judge,s=k123456789,h=court.example,r=live/cam_b.1,t=stream");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->name, "cam_b.1");
  EXPECT_EQ(id->key, "k123456789");
  EXPECT_EQ(id->mode, StreamMode::publish);  // the default when m is absent
}

TEST(StreamId, request_mode_is_recognised) {
  auto id = parse_stream_id("#!::r=live/cam-a,m=request");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->mode, StreamMode::request);
}

TEST(StreamId, plain_form_takes_the_key_from_the_query) {
  auto id = parse_stream_id("live/cam-a?key=abc%2Fdef");
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->app, "live");
  EXPECT_EQ(id->name, "cam-a");
  EXPECT_EQ(id->key, "abc/def");
  auto bare = parse_stream_id("live/cam-a");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->key, "");
}

TEST(StreamId, malformed_ids_are_refused_with_the_forms_that_work) {
  for (const char* bad :
       {"", "cam-a", "#!::m=publish,s=k", "#!::r=live/cam a,s=k", "#!::r",
        "#!::r=live/cam-a,m=bidirectional", "live/", "/cam-a", "live/a/b", "live/cam-a?m=play"}) {
    auto id = parse_stream_id(bad);
    ASSERT_FALSE(id) << bad;
    EXPECT_NE(id.error().message.find("live/"), std::string::npos)
        << bad << ": " << id.error().message;
  }
}

}  // namespace
}  // namespace courtcast::srt
