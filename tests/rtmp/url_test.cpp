// RTMP URL parsing as relay destinations and courtcast-bench use it.

#include <gtest/gtest.h>

#include "rtmp/url.hpp"

namespace courtcast::rtmp {
namespace {

TEST(Url, app_is_the_first_segment_and_stream_the_rest_query_included) {
  auto u = parse_url("rtmp://push.example.com/live/abc/def?key=x&t=1");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "rtmp");
  EXPECT_EQ(u->host, "push.example.com");
  EXPECT_EQ(u->port, 1935);
  EXPECT_EQ(u->app, "live");
  EXPECT_EQ(u->stream, "abc/def?key=x&t=1");
  EXPECT_EQ(u->tc_url, "rtmp://push.example.com/live");
  EXPECT_FALSE(u->secure());
}

TEST(Url, rtmps_defaults_to_port_443_and_the_scheme_is_case_insensitive) {
  auto u = parse_url("RTMPS://live-push.example:443/app/key");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->scheme, "rtmps");
  EXPECT_TRUE(u->secure());
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(parse_url("rtmps://h/app/key")->port, 443);
}

TEST(Url, explicit_port_is_read_and_kept_in_tc_url) {
  auto u = parse_url("rtmp://127.0.0.1:19350/live/cam-a");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 19350);
  EXPECT_EQ(u->tc_url, "rtmp://127.0.0.1:19350/live");
}

TEST(Url, bracketed_ipv6_host_with_and_without_port) {
  auto u = parse_url("rtmp://[::1]:1936/live/s");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 1936);
  auto v = parse_url("rtmp://[2001:db8::5]/live/s");
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(v->host, "2001:db8::5");
  EXPECT_EQ(v->port, 1935);
}

TEST(Url, credentials_in_the_authority_are_dropped) {
  auto u = parse_url("rtmp://user:pass@host.example:1940/live/s");
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_EQ(u->host, "host.example");
  EXPECT_EQ(u->port, 1940);
  EXPECT_EQ(u->tc_url, "rtmp://host.example:1940/live");
}

TEST(Url, refusals_name_what_is_wrong) {
  const auto message = [](std::string_view url) {
    auto r = parse_url(url);
    return r ? std::string("(accepted)") : r.error().message;
  };
  EXPECT_NE(message("push.example/live/s").find("no scheme"), std::string::npos);
  EXPECT_NE(message("http://h/live/s").find("is not rtmp or rtmps"), std::string::npos);
  EXPECT_NE(message("rtmp:///live/s").find("no host"), std::string::npos);
  EXPECT_NE(message("rtmp://h:0/live/s").find("port out of range"), std::string::npos);
  EXPECT_NE(message("rtmp://h:65536/live/s").find("port"), std::string::npos);
  EXPECT_NE(message("rtmp://h:12a/live/s").find("bad port"), std::string::npos);
  EXPECT_NE(message("rtmp://[::1/live/s").find("unterminated"), std::string::npos);
  EXPECT_NE(message("rtmp://h").find("no application"), std::string::npos);
  EXPECT_NE(message("rtmp://h//s").find("no application"), std::string::npos);
  EXPECT_NE(message("rtmp://h/live").find("no stream name"), std::string::npos);
  EXPECT_NE(message("rtmp://h/live/").find("no stream name"), std::string::npos);
}

}  // namespace
}  // namespace courtcast::rtmp
