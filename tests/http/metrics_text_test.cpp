#include <gtest/gtest.h>

#include <string>

#include "http/metrics.hpp"
#include "http/metrics_text.hpp"
#include "http/routes.hpp"

namespace courtcast::http {
namespace {

using boost::beast::http::verb;

TEST(MetricsText, label_values_escape_backslash_quote_and_newline_only) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\nd"),
            R"(a\\b\"c\nd)");
  // UTF-8 (a court's or a camera's Chinese name) passes as it is.
  EXPECT_EQ(escape_label_value("审判庭-机位1"), "审判庭-机位1");
  EXPECT_EQ(escape_label_value(""), "");
}

TEST(MetricsText, help_escapes_backslash_and_newline_but_not_quotes) {
  EXPECT_EQ(escape_help("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
}

TEST(MetricsText, values_are_exact_integers_or_shortest_doubles_and_special_spellings) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(12345678901234.0), "12345678901234");
  EXPECT_EQ(format_metric_value(0.25), "0.25");
  EXPECT_EQ(format_metric_value(0.0005), "0.0005");
  EXPECT_EQ(format_metric_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_metric_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_metric_value(0.0 / 0.0), "NaN");
}

TEST(MetricsText, a_family_has_help_and_type_then_its_samples_with_labels_in_order) {
  MetricsText m;
  m.family("courtcast_stream_received_bytes_total", "counter", "Bytes in.\nPer stream.");
  m.sample("courtcast_stream_received_bytes_total", {{"stream", "cam-\"a\""}, {"x", "1"}},
           std::uint64_t{18446744073709551615u});
  m.sample("courtcast_stream_received_bytes_total", {}, 2.5);
  EXPECT_EQ(m.text(),
            "# HELP courtcast_stream_received_bytes_total Bytes in.\\nPer stream.\n"
            "# TYPE courtcast_stream_received_bytes_total counter\n"
            "courtcast_stream_received_bytes_total{stream=\"cam-\\\"a\\\"\",x=\"1\"} "
            "18446744073709551615\n"
            "courtcast_stream_received_bytes_total 2.5\n");
}

TEST(HttpMetrics, requests_are_counted_by_route_pattern_never_by_raw_path) {
  HttpMetrics h;
  const std::string a = "/api/v1/sessions/12/questions", b = "/api/v1/sessions/99/questions";
  const auto sa = h.slot(verb::get, a, find_route(verb::get, a));
  const auto sb = h.slot(verb::get, b, find_route(verb::get, b));
  EXPECT_EQ(sa, sb);
  EXPECT_EQ(h.slot_name(sa).second, "/api/v1/sessions/{id}/questions");
  h.count(sa, 200, std::chrono::milliseconds(3));
  h.count(sb, 200, std::chrono::milliseconds(3));
  h.count(sb, 404, std::chrono::milliseconds(3));
  EXPECT_EQ(h.requests(sa, 200), 2u);
  EXPECT_EQ(h.requests(sa, 404), 1u);
  // Outside the table: media, the metrics themselves, the console, and
  // whatever matches nothing, each one slot whatever the path.
  const auto flv1 = h.slot(verb::get, "/live/cam-a.flv", nullptr);
  EXPECT_EQ(flv1, h.slot(verb::get, "/live/secret-name.flv", nullptr));
  EXPECT_EQ(h.slot_name(flv1).second, "/live/{name}.flv");
  EXPECT_EQ(h.slot_name(h.slot(verb::get, "/live/air1/index.m3u8", nullptr)).second,
            "/live/{rest}.m3u8");
  EXPECT_EQ(h.slot(verb::get, "/live/air1/3/seg17.m4s", nullptr),
            h.slot(verb::get, "/live/session-2/1/seg9.ts", nullptr));
  EXPECT_EQ(h.slot_name(h.slot(verb::get, "/live/air1/3/seg17.m4s", nullptr)).second,
            "/live/{name}/{epoch}/seg{n}");
  EXPECT_EQ(h.slot_name(h.slot(verb::get, "/live/air1/3/part17.2.m4s", nullptr)).second,
            "/live/{name}/{epoch}/part{n}");
  EXPECT_EQ(h.slot_name(h.slot(verb::get, "/metrics", nullptr)).second, "/metrics");
  EXPECT_EQ(h.slot_name(h.slot(verb::get, "/watch/12", nullptr)).second, "/{static}");
  EXPECT_EQ(h.slot(verb::get, "/api/v1/nothing/here", nullptr),
            h.slot(verb::post, "/whatever", nullptr));
}

TEST(MetricsEndpoint, loopback_reads_without_a_token_and_others_need_it) {
  live::Hub hub({}, {});
  MetricsEndpoint open({hub}, {true, true, ""});
  EXPECT_EQ(open.admit("127.0.0.1", ""), boost::beast::http::status::ok);
  EXPECT_EQ(open.admit("::1", ""), boost::beast::http::status::ok);
  EXPECT_EQ(open.admit("::ffff:127.0.0.1", ""), boost::beast::http::status::ok);
  EXPECT_EQ(open.admit("192.0.2.7", ""), boost::beast::http::status::forbidden);

  MetricsEndpoint token({hub}, {true, false, "0123456789abcdef"});
  EXPECT_EQ(token.admit("127.0.0.1", ""), boost::beast::http::status::unauthorized);
  EXPECT_EQ(token.admit("192.0.2.7", "Bearer 0123456789abcdef"), boost::beast::http::status::ok);
  EXPECT_EQ(token.admit("192.0.2.7", "Bearer 0123456789abcdeX"),
            boost::beast::http::status::unauthorized);

  MetricsEndpoint off({hub}, {false, true, ""});
  EXPECT_EQ(off.admit("127.0.0.1", ""), boost::beast::http::status::not_found);
}

}  // namespace
}  // namespace courtcast::http
