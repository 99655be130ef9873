#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "base/text.hpp"
#include "http/routes.hpp"

namespace courtcast::http {
namespace {

using boost::beast::http::verb;

TEST(RouteTable, every_row_has_a_role_rule_and_a_handler_and_is_unique) {
  std::set<std::string> seen;
  for (const auto& r : route_table()) {
    EXPECT_NE(r.roles, 0u) << r.method << " " << r.pattern;
    EXPECT_NE(r.handler, nullptr) << r.method << " " << r.pattern;
    EXPECT_TRUE(r.pattern.starts_with("/api/v1/")) << r.pattern;
    EXPECT_TRUE(seen.insert(std::string(r.method) + " " + std::string(r.pattern)).second)
        << "twice: " << r.method << " " << r.pattern;
  }
}

TEST(RouteTable, every_row_is_reached_by_its_own_path) {
  // No row is shadowed by an earlier one: a path of its shape finds it.
  for (const auto& r : route_table()) {
    std::string path(r.pattern);
    for (auto [from, to] :
         {std::pair<std::string, std::string>{"{id}", "7"}, {"{name}", "x"}, {"{rest}", "a/b"}}) {
      for (auto at = path.find(from); at != std::string::npos; at = path.find(from))
        path.replace(at, from.size(), to);
    }
    EXPECT_EQ(find_route(boost::beast::http::string_to_verb(r.method), path), &r) << path;
  }
}

TEST(RouteTable, a_leading_zero_meets_the_row_of_its_shape_then_is_not_an_id) {
  const Route* approve = find_route(verb::post, "/api/v1/sessions/02/approve");
  ASSERT_NE(approve, nullptr);
  EXPECT_EQ(approve->pattern, "/api/v1/sessions/{id}/approve");
  EXPECT_EQ(approve->roles, role_bit(store::Role::admin));
  const auto refused = bad_route_id(*approve, "/api/v1/sessions/02/approve");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, boost::beast::http::status::not_found);
  EXPECT_FALSE(bad_route_id(*approve, "/api/v1/sessions/2/approve").has_value());
  for (const char* bad : {"+2", "2.0", "0", "-1", "0x2", "9999999999999999999"})
    EXPECT_TRUE(bad_route_id(*approve, std::string("/api/v1/sessions/") + bad + "/approve")) << bad;
}

TEST(RouteTable, a_path_without_a_row_is_404_and_another_method_405) {
  EXPECT_EQ(find_route(verb::delete_, "/api/v1/campaigns/1"), nullptr);
  EXPECT_EQ(no_route(verb::delete_, "/api/v1/campaigns/1").status,
            boost::beast::http::status::method_not_allowed);
  EXPECT_EQ(find_route(verb::post, "/api/v1/login/x"), nullptr);
  EXPECT_EQ(no_route(verb::post, "/api/v1/login/x").status, boost::beast::http::status::not_found);
  EXPECT_EQ(find_route(verb::post, "/api/v1/sessions/1/unknown"), nullptr);
}

TEST(RouteTable, parameters_are_the_paths_placeholders_in_order) {
  const Route* part = find_route(verb::get, "/api/v1/recordings/7/cam-a/exports/x1/parts/2");
  ASSERT_NE(part, nullptr);
  const auto params = route_params(*part, "/api/v1/recordings/7/cam-a/exports/x1/parts/2");
  EXPECT_EQ(params, (std::vector<std::string_view>{"7", "cam-a", "x1", "2"}));
  const Route* stream = find_route(verb::get, "/api/v1/streams/live/a.b");
  ASSERT_NE(stream, nullptr);
  EXPECT_EQ(route_params(*stream, "/api/v1/streams/live/a.b"),
            (std::vector<std::string_view>{"live/a.b"}));
}

// docs/api.md names every endpoint: each row's path (ids written ID, names
// NAME or the like) appears in it.
TEST(RouteTable, every_row_is_described_in_the_api_doc) {
  std::ifstream in(COURTCAST_SOURCE_DIR "/docs/api.md");
  ASSERT_TRUE(in) << "docs/api.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  for (const auto& r : route_table()) {
    // The literal part up to the first placeholder must be in the doc.
    std::string prefix(r.pattern.substr(0, r.pattern.find('{')));
    EXPECT_NE(doc.find(prefix), std::string::npos) << r.method << " " << r.pattern;
    // And its last literal segment too (an action such as /approve).
    const auto last = r.pattern.substr(r.pattern.rfind('/'));
    if (last.find('{') == std::string_view::npos) {
      EXPECT_NE(doc.find(std::string(last)), std::string::npos) << r.pattern;
    }
  }
}

// …and the other way round: every /api/v1 path docs/api.md names has a row
// (its placeholders, ID, NAME, YYYY-MM…, written as values).
TEST(RouteTable, every_path_in_the_api_doc_has_a_row) {
  std::ifstream in(COURTCAST_SOURCE_DIR "/docs/api.md");
  ASSERT_TRUE(in) << "docs/api.md";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const std::regex path_re(R"(/api/v1/[A-Za-z0-9_./{}-]*)");
  int checked = 0;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), path_re);
       it != std::sregex_iterator(); ++it) {
    const std::string named = it->str();
    std::string path;
    for (auto seg : base::path_segments(named)) {
      const bool placeholder = std::all_of(seg.begin(), seg.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
      });
      path += "/" + (seg == "ID" ? std::string("7") : placeholder ? "x" : std::string(seg));
    }
    while (path.ends_with(".")) path.pop_back();
    bool found = false;
    for (verb m : {verb::get, verb::post, verb::put, verb::patch, verb::delete_})
      found = found || find_route(m, path) != nullptr;
    EXPECT_TRUE(found) << it->str() << " (as " << path << ") has no row";
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

}  // namespace
}  // namespace courtcast::http
