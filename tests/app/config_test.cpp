// The configuration file: every key has a default, and whatever is wrong is
// refused with the file and line it is on.

#include <gtest/gtest.h>

#include "app/config.hpp"

namespace courtcast::app {
namespace {

std::string error_of(const std::string& text) {
  auto r = parse_config(text, "court.toml");
  return r ? std::string("(accepted)") : r.error().message;
}

TEST(Config, an_empty_srt_listen_turns_srt_ingest_off) {
  auto c = parse_config("[srt]\nlisten = \"\"\n", "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->srt_listen.empty());
  EXPECT_EQ(parse_config("", "court.toml")->srt_listen, "0.0.0.0:10080") << "SRT is on by default";
  EXPECT_NE(error_of("[srt]\nlisten = \"nowhere\"\n"), "(accepted)");
}

TEST(Config, empty_file_gives_every_default) {
  auto c = parse_config("", "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  const Config d;
  EXPECT_EQ(c->data_dir, "var");
  EXPECT_EQ(c->rtmp_listen, "0.0.0.0:1935");
  EXPECT_EQ(c->http_listen, "0.0.0.0:8080");
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->workers, 0u);
  EXPECT_EQ(c->max_lag_ms, 3000);
  EXPECT_EQ(c->merge_window_ms, 0);
  EXPECT_TRUE(c->adaptive_merge);
  EXPECT_EQ(c->audio_hold_ms, 40);
  EXPECT_EQ(c->publish_idle_timeout_ms, 10'000);
  EXPECT_EQ(c->record_enabled, d.record_enabled);
  EXPECT_EQ(c->record_segment_seconds, d.record_segment_seconds);
  EXPECT_TRUE(c->streams.empty());
  EXPECT_TRUE(c->destinations.empty());
  EXPECT_TRUE(c->programs.empty());
}

TEST(Config, the_readme_example_is_read_in_full) {
  auto c = parse_config(R"([server]
data_dir = "/srv/courtcast"
workers = 4
[rtmp]
listen = "127.0.0.1:0"
publish_idle_timeout_ms = 5000
[http]
listen = "[::1]:8081"
[live]
max_lag_ms = 2000
merge_window_ms = 200
adaptive_merge = false
audio_hold_ms = 0
[log]
level = "debug"
[[stream]]
name = "cam-a"
key = "change-me-please"
[[stream]]
name = "cam-b"
key = "another-secret"
public = true
[[destination]]
stream = "air1"
name = "抖音"
preset = "douyin"
url = "rtmp://push.example/live/STREAMKEY"
[[program]]
name = "air1"
inputs = ["cam-a", "cam-b"]
delay_seconds = 2.5
auto_return = true
)",
                        "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->data_dir, "/srv/courtcast");
  EXPECT_EQ(c->workers, 4u);
  EXPECT_EQ(c->rtmp_listen, "127.0.0.1:0");
  EXPECT_EQ(c->publish_idle_timeout_ms, 5000);
  EXPECT_EQ(c->http_listen, "[::1]:8081");
  EXPECT_EQ(c->max_lag_ms, 2000);
  EXPECT_EQ(c->merge_window_ms, 200);
  EXPECT_FALSE(c->adaptive_merge);
  EXPECT_EQ(c->audio_hold_ms, 0);
  EXPECT_EQ(c->log_level, "debug");
  ASSERT_EQ(c->streams.size(), 2u);
  EXPECT_EQ(c->streams[0].name, "cam-a");
  EXPECT_EQ(c->streams[0].key, "change-me-please");
  EXPECT_FALSE(c->streams[0].is_public);
  EXPECT_TRUE(c->streams[1].is_public);
  ASSERT_EQ(c->destinations.size(), 1u);
  EXPECT_EQ(c->destinations[0].name, "抖音");
  EXPECT_EQ(c->destinations[0].preset, "douyin");
  EXPECT_TRUE(c->destinations[0].enabled);
  ASSERT_EQ(c->programs.size(), 1u);
  EXPECT_EQ(c->programs[0].inputs, (std::vector<std::string>{"cam-a", "cam-b"}));
  EXPECT_DOUBLE_EQ(c->programs[0].delay_seconds, 2.5);
  EXPECT_TRUE(c->programs[0].auto_return);
}

TEST(Config, unknown_key_is_refused_naming_its_line_and_the_allowed_keys) {
  const std::string e = error_of("[server]\ndata_dir = \"var\"\nworker = 2\n");
  EXPECT_EQ(e.rfind("court.toml:3: unknown key 'worker' in [server]", 0), 0u) << e;
  EXPECT_NE(e.find("allowed: data_dir, public_host, workers"), std::string::npos) << e;
}

TEST(Config, watch_section_names_the_court_and_limits_questions) {
  auto c = parse_config(
      "[watch]\ncourt = \"武威市凉州区人民法院\"\nquestions_per_minute_per_browser = 5\n"
      "questions_per_minute_per_address = 30\nwords_file = \"words.txt\"\n",
      "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->watch_court, "武威市凉州区人民法院");
  EXPECT_EQ(c->questions_per_minute_per_browser, 5);
  EXPECT_EQ(c->questions_per_minute_per_address, 30);
  EXPECT_EQ(c->words_file, "words.txt");
  auto defaults = parse_config("", "court.toml");
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->questions_per_minute_per_browser, 3);
  EXPECT_EQ(defaults->questions_per_minute_per_address, 3);
  EXPECT_EQ(error_of("[watch]\nquestions_per_minute_per_browser = 0\n"),
            "court.toml:2: 'questions_per_minute_per_browser' must be an integer from 1 to 100000");
}

TEST(Config, metrics_section_takes_a_token_and_refuses_a_weak_one_naming_its_line) {
  auto c = parse_config(
      "[metrics]\nallow_loopback = false\ntoken = \"prometheus-scrape-token-1\"\n", "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->metrics_enabled);
  EXPECT_FALSE(c->metrics_allow_loopback);
  EXPECT_EQ(c->metrics_token, "prometheus-scrape-token-1");
  auto defaults = parse_config("", "court.toml");
  ASSERT_TRUE(defaults);
  EXPECT_TRUE(defaults->metrics_enabled);
  EXPECT_TRUE(defaults->metrics_allow_loopback);
  EXPECT_EQ(defaults->metrics_token, "");
  EXPECT_EQ(error_of("[metrics]\n\ntoken = \"short\"\n").rfind("court.toml:3: 'token' must be", 0),
            0u);
  EXPECT_EQ(error_of("[metrics]\ntoken = \"has a space in it, long\"\n")
                .rfind("court.toml:2: 'token' must be", 0),
            0u);
  EXPECT_EQ(error_of("[metrics]\nallow_loopback = false\n").rfind("court.toml:1: [metrics]", 0),
            0u);
  EXPECT_EQ(error_of("[metrics]\nenable = true\n").rfind("court.toml:2: unknown key 'enable'", 0),
            0u);
}

TEST(Config, https_and_rtmps_take_both_pem_files_and_rtmps_shares_the_https_certificate) {
  auto c = parse_config(R"([http]
tls_cert = "/etc/court/cert.pem"
tls_key = "/etc/court/key.pem"
tls_listen = "0.0.0.0:443"
plain = "refuse"
[rtmp]
tls_listen = "0.0.0.0:1936"
)",
                        "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->http_tls_listen, "0.0.0.0:443");
  EXPECT_EQ(c->http_plain, "refuse");
  EXPECT_EQ(c->rtmp_tls_cert, "/etc/court/cert.pem");
  EXPECT_EQ(c->rtmp_tls_key, "/etc/court/key.pem");
  EXPECT_EQ(parse_config("", "court.toml")->http_plain, "redirect");
  EXPECT_TRUE(parse_config("", "court.toml")->rtmp_tls_listen.empty()) << "RTMPS is off by default";

  EXPECT_NE(error_of("[http]\ntls_cert = \"c.pem\"\n").find("both 'tls_cert' and 'tls_key'"),
            std::string::npos);
  EXPECT_NE(error_of("[http]\nplain = \"maybe\"\n").find("serve, redirect, refuse"),
            std::string::npos);
  EXPECT_NE(error_of("[http]\nlisten = \"\"\n").find("only with HTTPS"), std::string::npos);
  EXPECT_NE(error_of("[rtmp]\ntls_listen = \"0.0.0.0:1936\"\n").find("needs a certificate"),
            std::string::npos);
  EXPECT_NE(error_of("[rtmp]\ntls_key = \"k.pem\"\n").find("both 'tls_cert' and 'tls_key'"),
            std::string::npos);
}

TEST(Config, unknown_section_is_refused_naming_its_line) {
  const std::string e = error_of("[log]\nlevel = \"info\"\n\n[serverr]\nx = 1\n");
  EXPECT_EQ(e.rfind("court.toml:4: unknown key 'serverr' in the file", 0), 0u) << e;
}

TEST(Config, out_of_range_and_mistyped_values_say_what_is_allowed) {
  EXPECT_EQ(error_of("[server]\nworkers = 65\n"),
            "court.toml:2: 'workers' must be an integer from 0 to 64");
  EXPECT_EQ(error_of("[live]\n\nmax_lag_ms = \"3s\"\n"),
            "court.toml:3: 'max_lag_ms' must be an integer from 500 to 60000");
  // A float is not an integer, whole or far out of range (fuzz_config found
  // 5E20 cast to an integer: undefined behaviour in toml++).
  EXPECT_EQ(error_of("[rtmp]\nadmission_timeout_ms = 5E20\n"),
            "court.toml:2: 'admission_timeout_ms' must be an integer from 100 to 600000");
  EXPECT_EQ(error_of("[server]\nworkers = 2.0\n"),
            "court.toml:2: 'workers' must be an integer from 0 to 64");
  EXPECT_EQ(error_of("[server]\ndata_dir = 5\n"), "court.toml:2: 'data_dir' must be a string");
  EXPECT_EQ(error_of("[record]\nenabled = 1\n"), "court.toml:2: 'enabled' must be true or false");
  EXPECT_EQ(error_of("[log]\nlevel = \"loud\"\n"),
            "court.toml:2: 'level' must be one of trace, debug, info, warn, error");
  EXPECT_EQ(error_of("server = 1\n"), "court.toml:1: [server] must be a table");
}

TEST(Config, the_first_error_is_the_one_reported) {
  EXPECT_EQ(error_of("[server]\nworkers = -1\n[log]\nlevel = \"loud\"\n"),
            "court.toml:2: 'workers' must be an integer from 0 to 64");
}

TEST(Config, toml_syntax_errors_name_the_line) {
  const std::string e = error_of("[server]\ndata_dir = \n");
  EXPECT_EQ(e.rfind("court.toml:2: ", 0), 0u) << e;
}

TEST(Config, trusted_proxies_take_addresses_and_networks) {
  auto c = parse_config("[http]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"fd00::/8\"]\n",
                        "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->http_trusted_proxies.trusts(boost::asio::ip::make_address("10.9.8.7")));
  EXPECT_FALSE(c->http_trusted_proxies.trusts(boost::asio::ip::make_address("127.0.0.2")));
  EXPECT_TRUE(parse_config("", "court.toml")->http_trusted_proxies.empty());
}

TEST(Config, http_caps_connections_per_address_unless_told_not_to) {
  EXPECT_EQ(parse_config("", "court.toml")->http_max_connections_per_address, 500);
  auto c = parse_config("[http]\nmax_connections_per_address = 0\n", "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->http_max_connections_per_address, 0) << "0: no cap";
  EXPECT_EQ(error_of("[http]\nmax_connections_per_address = -1\n"),
            "court.toml:2: 'max_connections_per_address' must be an integer from 0 to 1000000");
}

TEST(Config, a_bad_trusted_proxy_is_refused_naming_its_line) {
  EXPECT_EQ(error_of("[http]\nlisten = \"127.0.0.1:0\"\ntrusted_proxies = [\n  \"127.0.0.1\",\n"
                     "  \"10.0.0.0/33\",\n]\n"),
            "court.toml:5: 'trusted_proxies': '10.0.0.0/33' has a bad prefix length (0 to 32 "
            "after the '/'); list addresses or networks like [\"127.0.0.1\", \"10.0.0.0/8\"]");
  EXPECT_NE(
      error_of("[http]\ntrusted_proxies = [\"proxy.court.example\"]\n")
          .find("court.toml:2: 'trusted_proxies': 'proxy.court.example' is not an IP address"),
      std::string::npos);
  EXPECT_NE(error_of("[http]\ntrusted_proxies = \"127.0.0.1\"\n").find("court.toml:2: "),
            std::string::npos);
}

TEST(Config, bad_listen_address_is_refused) {
  EXPECT_NE(error_of("[rtmp]\nlisten = \"0.0.0.0\"\n").find("has no port"), std::string::npos);
  EXPECT_NE(error_of("[http]\nlisten = \"0.0.0.0:70000\"\n").find("has a bad port"),
            std::string::npos);
}

// A table's own errors name the line of its [[header]].
TEST(Config, streams_need_a_plain_name_a_long_key_and_no_twin) {
  EXPECT_EQ(error_of("[[stream]]\nname = \"cam a\"\nkey = \"long-enough\"\n"),
            "court.toml:1: [[stream]] needs a 'name' of letters, digits, '-', '_' or '.'");
  EXPECT_EQ(error_of("[[stream]]\nname = \"cam-a\"\nkey = \"short\"\n"),
            "court.toml:1: [[stream]] 'cam-a' needs a 'key' of at least 8 characters");
  EXPECT_EQ(error_of("[[stream]]\nname = \"cam-a\"\nkey = \"long-enough\"\n"
                     "[[stream]]\nname = \"cam-a\"\nkey = \"long-enough\"\n"),
            "court.toml:4: [[stream]] 'cam-a' is declared twice");
  EXPECT_EQ(error_of("[stream]\nname = \"cam-a\"\n"),
            "court.toml:1: 'stream' must be written as [[stream]] tables");
}

TEST(Config, destinations_need_a_known_preset_and_an_rtmp_url) {
  EXPECT_NE(error_of("[[destination]]\nstream = \"s\"\nname = \"n\"\npreset = \"youtube\"\n"
                     "url = \"rtmp://h/a/b\"\n")
                .find("has an unknown 'preset' (wechat_channels, weibo, toutiao, douyin, kuaishou, "
                      "feitian_cloud, bilibili, custom)"),
            std::string::npos);
  EXPECT_EQ(error_of("[[destination]]\nstream = \"s\"\nname = \"n\"\nurl = \"srt://h/a\"\n"),
            "court.toml:1: [[destination]] 'n' needs a 'url' starting with rtmp:// or rtmps://");
}

TEST(Config, programs_take_only_declared_streams_and_a_bounded_delay) {
  const std::string streams = "[[stream]]\nname = \"cam-a\"\nkey = \"long-enough\"\n";
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"air1\"\ninputs = [\"cam-b\"]\n"),
            "court.toml:4: [[program]] 'air1' input 'cam-b' is not a [[stream]]");
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"air1\"\ninputs = [\"cam-a\"]\n"
                               "delay_seconds = 301\n"),
            "court.toml:7: 'delay_seconds' must be a number from 0 to 300");
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"cam-a\"\ninputs = [\"cam-a\"]\n"),
            "court.toml:4: [[program]] 'cam-a' has the name of a [[stream]]");
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"air1\"\ninputs = []\n"),
            "court.toml:6: 'inputs' must be a list of [[stream]] names");
}

TEST(Config, programs_conform_air_by_default_and_pass_through_only_when_asked) {
  const std::string streams = "[[stream]]\nname = \"cam-a\"\nkey = \"long-enough\"\n";
  auto c =
      parse_config(streams + "[[program]]\nname = \"air1\"\ninputs = [\"cam-a\"]\n", "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->programs[0].air.mode, court::AirMode::conform);
  EXPECT_EQ(c->programs[0].air.width, 1280);
  EXPECT_EQ(c->programs[0].air.fps, 25);
  c = parse_config(streams +
                       "[[program]]\nname = \"air1\"\ninputs = [\"cam-a\"]\n"
                       "air_mode = \"passthrough\"\nair_width = 640\nair_height = 360\n"
                       "air_video_kbps = 800\nair_preset = \"ultrafast\"\n",
                   "court.toml");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->programs[0].air.mode, court::AirMode::passthrough);
  EXPECT_EQ(c->programs[0].air.width, 640);
  EXPECT_EQ(c->programs[0].air.video_bitrate_kbps, 800);
  EXPECT_EQ(c->programs[0].air.preset, "ultrafast");
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"air1\"\ninputs = [\"cam-a\"]\n"
                               "air_mode = \"copy\"\n"),
            "court.toml:4: [[program]] 'air_mode' must be one of conform, passthrough");
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"air1\"\ninputs = [\"cam-a\"]\n"
                               "air_width = 641\n"),
            "court.toml:4: [[program]] air width: must be an even number from 160 to 3840");
  EXPECT_EQ(error_of(streams + "[[program]]\nname = \"air1\"\ninputs = [\"cam-a\"]\n"
                               "air_preset = \"quick\"\n"),
            "court.toml:4: [[program]] air preset: must be one of ultrafast, superfast, "
            "veryfast, faster, fast, medium, slow, slower, veryslow");
}

TEST(Config, parse_listen_splits_host_and_port) {
  auto hp = parse_listen("[::1]:1935");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 1935);
  auto any = parse_listen(":8080");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "0.0.0.0");
  EXPECT_FALSE(parse_listen("h:"));
  EXPECT_FALSE(parse_listen("h:123456"));
}

}  // namespace
}  // namespace courtcast::app
