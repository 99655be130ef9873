// The strict reader of API request bodies: unknown fields refused, and the
// first problem named as "field: reason" with its full path.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/court_json.hpp"

namespace courtcast::http {
namespace {

namespace json = boost::json;

json::object body(std::string_view text) {
  return json::parse(text).as_object();
}

TEST(FieldReader, unknown_field_is_refused_with_the_allowed_ones) {
  const auto o = body(R"({"title": "x", "titel": "y"})");
  FieldReader r(o, "", {"title", "site"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "titel: unknown field (allowed: title, site)");
}

TEST(FieldReader, control_and_bidi_characters_are_refused_naming_the_field) {
  const auto o = body(R"({"title": "直击\u202e现场", "site": "a\u0000b", "s": ["ok", "x\u0085"],
                          "note": "line one\nline two"})");
  std::string t;
  {
    FieldReader r(o, "", {"title", "site", "s", "note"});
    r.text("title", t);
    EXPECT_EQ(r.error(), "title: U+202E (a bidi control) at character 3 is not allowed");
  }
  {
    FieldReader r(o, "session", {"title", "site", "s", "note"});
    r.text("site", t);
    EXPECT_EQ(r.error(),
              "session.site: U+0000 (a control character) at character 2 is not allowed");
  }
  {
    FieldReader r(o, "", {"title", "site", "s", "note"});
    std::vector<std::string> s;
    r.strings("s", s);
    EXPECT_EQ(r.error(), "s: [1]: U+0085 (a control character) at character 2 is not allowed");
  }
  FieldReader r(o, "", {"title", "site", "s", "note"});
  r.text("note", t);
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(t, "line one\nline two");
}

TEST(FieldReader, reads_each_kind_of_field) {
  const auto o = body(
      R"({"t": "text", "i": 42, "n": 7, "b": true, "d": 2.5, "o": null, "s": ["a", "b"],
          "ids": [3, 1]})");
  FieldReader r(o, "", {"t", "i", "n", "b", "d", "o", "s", "ids"});
  std::string t;
  std::int64_t i = 0;
  int n = 0;
  bool b = false;
  double d = 0;
  std::optional<std::int64_t> opt = 9;
  std::vector<std::string> s;
  std::vector<std::int64_t> ids;
  r.text("t", t, true);
  r.int64("i", i, true);
  r.integer("n", n);
  r.boolean("b", b);
  r.real("d", d);
  r.opt_int64("o", opt);
  r.strings("s", s);
  r.ids("ids", ids);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(t, "text");
  EXPECT_EQ(i, 42);
  EXPECT_EQ(n, 7);
  EXPECT_TRUE(b);
  EXPECT_DOUBLE_EQ(d, 2.5);
  EXPECT_FALSE(opt);  // null clears
  EXPECT_EQ(s, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids, (std::vector<std::int64_t>{3, 1}));
}

TEST(FieldReader, absent_optional_fields_leave_the_value_as_it_was) {
  const auto o = body("{}");
  FieldReader r(o, "", {"t", "i"});
  std::string t = "kept";
  std::int64_t i = 5;
  r.text("t", t);
  r.int64("i", i);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(t, "kept");
  EXPECT_EQ(i, 5);
}

std::string error_reading(std::string_view text, void (*read)(FieldReader&)) {
  const auto o = body(text);
  FieldReader r(o, "", {"f"});
  read(r);
  return r.error();
}

TEST(FieldReader, each_wrong_value_says_what_is_wanted) {
  auto text_req = [](FieldReader& r) {
    std::string s;
    r.text("f", s, true, 10);
  };
  EXPECT_EQ(error_reading("{}", text_req), "f: required");
  EXPECT_EQ(error_reading(R"({"f": ""})", text_req), "f: must not be empty");
  EXPECT_EQ(error_reading(R"({"f": 1})", text_req), "f: must be a string");
  EXPECT_EQ(error_reading(R"({"f": "0123456789012345678901234567890123456789x"})", text_req),
            "f: at most 10 characters");
  auto int_min1 = [](FieldReader& r) {
    std::int64_t n = 0;
    r.int64("f", n, false, 1);
  };
  EXPECT_EQ(error_reading(R"({"f": 0})", int_min1), "f: must be at least 1");
  EXPECT_EQ(error_reading(R"({"f": 1.5})", int_min1), "f: must be an integer");
  EXPECT_EQ(error_reading(R"({"f": 18446744073709551615})", int_min1), "f: too large");
  auto small = [](FieldReader& r) {
    int n = 0;
    r.integer("f", n);
  };
  EXPECT_EQ(error_reading(R"({"f": 5000000000})", small), "f: must be at most 1000000000");
  auto flag = [](FieldReader& r) {
    bool b = false;
    r.boolean("f", b);
  };
  EXPECT_EQ(error_reading(R"({"f": "yes"})", flag), "f: must be true or false");
  auto list = [](FieldReader& r) {
    std::vector<std::string> s;
    r.strings("f", s);
  };
  EXPECT_EQ(error_reading(R"({"f": "a"})", list), "f: must be an array of strings");
  EXPECT_EQ(error_reading(R"({"f": ["a", ""]})", list), "f: must be an array of non-empty strings");
  auto ids = [](FieldReader& r) {
    std::vector<std::int64_t> v;
    r.ids("f", v);
  };
  EXPECT_EQ(error_reading(R"({"f": [1, 0]})", ids), "f: must be an array of positive integer ids");
}

TEST(FieldReader, the_first_problem_wins) {
  const auto o = body(R"({"a": 1, "b": 2})");
  FieldReader r(o, "", {"a", "b"});
  std::string a, b;
  r.text("a", a);
  r.text("b", b);
  r.fail("c", "later");
  EXPECT_EQ(r.error(), "a: must be a string");
}

TEST(FieldReader, nested_problems_carry_their_full_path) {
  const auto o = body(R"({"title": "t", "scheduled_start_ms": 1,
      "plan": {"officers": [{"name": "张三", "role": "judge"}, {"name": "李四", "role": "boss"}]}})");
  FieldReader r(o, "", kSessionFields);
  court::LiveSession s;
  read_session(r, s, true);
  EXPECT_EQ(r.error().rfind("plan.officers[1].role: one of judge, ", 0), 0u) << r.error();
}

TEST(FieldReader, list_items_must_be_objects_with_known_fields) {
  {
    const auto o = body(R"({"contingency": ["rain"]})");
    FieldReader r(o, "", kSessionFields);
    court::LiveSession s;
    read_session(r, s, false);
    EXPECT_EQ(r.error(), "contingency[0]: must be an object");
  }
  {
    const auto o = body(R"({"contingency": [{"risk": "rain", "response": "tent", "cost": 1}]})");
    FieldReader r(o, "", kSessionFields);
    court::LiveSession s;
    read_session(r, s, false);
    EXPECT_EQ(r.error(), "contingency[0].cost: unknown field (allowed: risk, response)");
  }
}

TEST(FieldReader, a_session_body_is_read_into_the_domain_value) {
  const auto o = body(R"({"title": "某案执行", "scheduled_start_ms": 1700000000000,
      "inputs": ["cam-a", "cam-b"], "delay_ms": 10000,
      "plan": {"case_order": [2, 1], "officers": [{"name": "张三", "role": "judge"}]}})");
  FieldReader r(o, "", kSessionFields);
  court::LiveSession s;
  read_session(r, s, true);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(s.title, "某案执行");
  EXPECT_EQ(s.scheduled_start_ms, 1700000000000);
  EXPECT_EQ(s.inputs, (std::vector<std::string>{"cam-a", "cam-b"}));
  EXPECT_EQ(s.delay_ms, 10000);
  EXPECT_EQ(s.plan.case_order, (std::vector<std::int64_t>{2, 1}));
  ASSERT_EQ(s.plan.officers.size(), 1u);
  EXPECT_EQ(s.plan.officers[0].role, court::OfficerRole::judge);
}

TEST(FieldReader, creating_a_session_requires_its_title_and_start) {
  const auto o = body(R"({"site": "x"})");
  FieldReader r(o, "", kSessionFields);
  court::LiveSession s;
  read_session(r, s, true);
  EXPECT_EQ(r.error(), "title: required");
}

}  // namespace
}  // namespace courtcast::http
