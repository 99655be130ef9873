// AMF0: every type round-trips, nesting, arrays, and hostile input (every
// truncation, depth bombs, counts that lie) gives errors, never crashes.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "rtmp/amf0.hpp"

namespace courtcast::rtmp::amf0 {
namespace {

using media::Bytes;

bool same(const Value& a, const Value& b);

bool same_properties(const std::vector<Property>& a, const std::vector<Property>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].key != b[i].key || !same(a[i].value, b[i].value)) return false;
  return true;
}

bool same(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Type::number:
    case Value::Type::date:
      return std::bit_cast<std::uint64_t>(a.number) == std::bit_cast<std::uint64_t>(b.number);
    case Value::Type::boolean:
      return a.boolean == b.boolean;
    case Value::Type::string:
      return a.string == b.string;
    case Value::Type::object:
    case Value::Type::ecma_array:
      return same_properties(a.properties, b.properties);
    case Value::Type::strict_array:
      if (a.items.size() != b.items.size()) return false;
      for (std::size_t i = 0; i < a.items.size(); ++i)
        if (!same(a.items[i], b.items[i])) return false;
      return true;
    case Value::Type::null:
    case Value::Type::undefined:
      return true;
  }
  return false;
}

Value strict_array(std::vector<Value> items) {
  Value v;
  v.type = Value::Type::strict_array;
  v.items = std::move(items);
  return v;
}

Value date(double ms) {
  Value v;
  v.type = Value::Type::date;
  v.number = ms;
  return v;
}

Bytes encoded(const std::vector<Value>& values) {
  Bytes out;
  for (const auto& v : values) encode(out, v);
  return out;
}

void expect_round_trip(const std::vector<Value>& values) {
  const Bytes wire = encoded(values);
  auto back = decode_all(wire);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    EXPECT_TRUE(same((*back)[i], values[i])) << "value " << i;
}

// What FFmpeg sends as its connect command, the busiest AMF0 a server sees.
std::vector<Value> connect_command() {
  return {Value::make_string("connect"), Value::make_number(1),
          Value::make_object({{"app", Value::make_string("live")},
                              {"flashVer", Value::make_string("FMLE/3.0 (compatible; Lavf60)")},
                              {"tcUrl", Value::make_string("rtmp://127.0.0.1:1935/live")},
                              {"fpad", Value::make_boolean(false)},
                              {"capabilities", Value::make_number(15)},
                              {"audioCodecs", Value::make_number(4071)},
                              {"videoCodecs", Value::make_number(252)},
                              {"videoFunction", Value::make_number(1)},
                              {"fourCcList", strict_array({Value::make_string("hvc1"),
                                                           Value::make_string("av01")})}})};
}

TEST(Amf0, numbers_round_trip_bit_exact) {
  expect_round_trip({Value::make_number(0), Value::make_number(-0.0), Value::make_number(1.5),
                     Value::make_number(-1e300), Value::make_number(29.97),
                     Value::make_number(std::numeric_limits<double>::infinity()),
                     Value::make_number(std::numeric_limits<double>::denorm_min())});
}

TEST(Amf0, number_wire_format_is_big_endian_ieee754) {
  Bytes out;
  encode_number(out, 1.0);
  EXPECT_EQ(out, (Bytes{0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0}));
}

TEST(Amf0, nan_survives_the_round_trip) {
  Bytes out;
  encode_number(out, std::numeric_limits<double>::quiet_NaN());
  auto back = decode_all(out);
  ASSERT_TRUE(back);
  EXPECT_TRUE(std::isnan((*back)[0].number));
}

TEST(Amf0, booleans_null_and_undefined_round_trip) {
  expect_round_trip({Value::make_boolean(true), Value::make_boolean(false), Value::make_null(),
                     Value::make_undefined()});
}

TEST(Amf0, strings_round_trip_including_empty_and_utf8) {
  expect_round_trip({Value::make_string(""), Value::make_string("onStatus"),
                     Value::make_string("执行直播 live"),
                     Value::make_string(std::string(1, '\0'))});
}

TEST(Amf0, string_longer_than_64k_becomes_a_long_string) {
  const std::string s(70000, 'x');
  Bytes out;
  encode_string(out, s);
  EXPECT_EQ(out[0], 0x0C);
  EXPECT_EQ(out.size(), 1u + 4 + s.size());
  expect_round_trip({Value::make_string(s), Value::make_string(std::string(0xFFFF, 'y'))});
}

TEST(Amf0, date_round_trips) {
  expect_round_trip({date(1700000000000.0)});
  Bytes out;
  encode(out, date(0));
  EXPECT_EQ(out.size(), 11u);
  EXPECT_EQ(out[0], 0x0B);
}

TEST(Amf0, objects_keep_property_order_and_nest) {
  auto inner = Value::make_object({{"z", Value::make_number(1)}, {"a", Value::make_null()}});
  auto outer = Value::make_object({{"level", Value::make_string("status")},
                                   {"inner", inner},
                                   {"empty", Value::make_object({})},
                                   {"", Value::make_boolean(true)}});
  expect_round_trip({outer});
  auto back = decode_all(encoded({outer}));
  ASSERT_TRUE(back);
  const Value* found = (*back)[0].find("inner");
  ASSERT_NE(found, nullptr);
  ASSERT_TRUE(found->is_object());
  EXPECT_EQ(found->properties[0].key, "z");
  EXPECT_EQ((*back)[0].find("missing"), nullptr);
  EXPECT_EQ(Value::make_number(1).find("x"), nullptr);
}

TEST(Amf0, ecma_array_round_trips_and_is_an_object) {
  auto meta = Value::make_ecma_array({{"duration", Value::make_number(0)},
                                      {"width", Value::make_number(1280)},
                                      {"height", Value::make_number(720)},
                                      {"videocodecid", Value::make_number(7)},
                                      {"encoder", Value::make_string("Lavf60.16.100")}});
  expect_round_trip({Value::make_string("@setDataFrame"), Value::make_string("onMetaData"), meta});
  auto back = decode_all(encoded({meta}));
  ASSERT_TRUE(back);
  EXPECT_TRUE((*back)[0].is_object());
  ASSERT_NE((*back)[0].find("width"), nullptr);
  EXPECT_EQ((*back)[0].find("width")->number, 1280);
}

TEST(Amf0, ecma_array_count_is_only_a_hint) {
  // Encoders write 0 (or a wrong count); the end marker is what ends it.
  Bytes wire = {0x08, 0, 0, 0, 0, 0, 1, 'a', 0x05, 0, 0, 0x09};
  auto back = decode_all(wire);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ((*back)[0].properties.size(), 1u);
  EXPECT_EQ((*back)[0].properties[0].key, "a");
}

TEST(Amf0, strict_array_round_trips_mixed_items) {
  expect_round_trip({strict_array({}),
                     strict_array({Value::make_number(1), Value::make_string("two"),
                                   Value::make_null(), strict_array({Value::make_boolean(true)}),
                                   Value::make_object({{"k", Value::make_undefined()}})})});
}

TEST(Amf0, connect_command_round_trips) {
  expect_round_trip(connect_command());
}

TEST(Amf0, unsupported_marker_decodes_as_undefined_and_xml_as_string) {
  Bytes wire = {0x0D, 0x0F, 0, 0, 0, 2, '<', '>'};
  auto back = decode_all(wire);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].type, Value::Type::undefined);
  EXPECT_EQ((*back)[1].string, "<>");
}

TEST(Amf0, empty_input_decodes_to_nothing) {
  auto back = decode_all({});
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->empty());
}

TEST(Amf0, truncated_amf_is_an_error) {
  // Every prefix that ends inside a value is an error, never a crash or a
  // partial value. Prefixes that end between top-level values are fine.
  const auto values = connect_command();
  std::vector<std::size_t> boundaries = {0};
  Bytes wire;
  for (const auto& v : values) {
    encode(wire, v);
    boundaries.push_back(wire.size());
  }
  for (std::size_t n = 0; n < wire.size(); ++n) {
    auto r = decode_all(std::span(wire).first(n));
    const bool at_boundary = std::find(boundaries.begin(), boundaries.end(), n) != boundaries.end();
    EXPECT_EQ(r.has_value(), at_boundary) << "prefix of " << n << " bytes";
  }
}

TEST(Amf0, truncation_of_every_type_is_an_error) {
  const std::vector<Value> each = {Value::make_number(3),
                                   Value::make_boolean(true),
                                   Value::make_string("abc"),
                                   Value::make_string(std::string(70000, 'l')),
                                   Value::make_object({{"a", Value::make_number(1)}}),
                                   Value::make_ecma_array({{"b", Value::make_null()}}),
                                   strict_array({Value::make_number(1), Value::make_null()}),
                                   date(5)};
  for (const auto& v : each) {
    const Bytes wire = encoded({v});
    for (std::size_t n = 1; n < wire.size(); n += (wire.size() > 1000 ? 997 : 1))
      EXPECT_FALSE(decode_all(std::span(wire).first(n))) << "type " << int(v.type) << " n " << n;
  }
}

TEST(Amf0, object_without_end_marker_is_an_error) {
  Bytes wire = {0x03, 0, 1, 'a', 0x05};
  EXPECT_FALSE(decode_all(wire));
}

TEST(Amf0, unknown_markers_and_references_are_errors) {
  for (std::uint8_t marker : {0x04, 0x07, 0x09, 0x0E, 0x10, 0x11, 0xFF}) {
    Bytes wire = {marker, 0, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_FALSE(decode_all(wire)) << "marker " << int(marker);
  }
}

TEST(Amf0, strict_array_count_beyond_the_data_is_an_error) {
  // Claims four billion items in a few bytes: refused before allocating.
  Bytes wire = {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05, 0x05};
  EXPECT_FALSE(decode_all(wire));
  Bytes three_claimed_two_given = {0x0A, 0, 0, 0, 3, 0x05, 0x05};
  EXPECT_FALSE(decode_all(three_claimed_two_given));
}

TEST(Amf0, string_length_beyond_the_data_is_an_error) {
  Bytes shortstr = {0x02, 0xFF, 0xFF, 'a'};
  EXPECT_FALSE(decode_all(shortstr));
  Bytes longstr = {0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'a'};
  EXPECT_FALSE(decode_all(longstr));
}

Bytes nested_objects(int depth) {
  Bytes wire;
  for (int i = 0; i < depth; ++i) wire.insert(wire.end(), {0x03, 0, 1, 'o'});
  wire.push_back(0x05);
  for (int i = 0; i < depth; ++i) wire.insert(wire.end(), {0, 0, 0x09});
  return wire;
}

Bytes nested_arrays(int depth) {
  Bytes wire;
  for (int i = 0; i < depth; ++i) wire.insert(wire.end(), {0x0A, 0, 0, 0, 1});
  wire.push_back(0x05);
  return wire;
}

TEST(Amf0, nesting_within_the_depth_limit_decodes) {
  EXPECT_TRUE(decode_all(nested_objects(20)));
  EXPECT_TRUE(decode_all(nested_arrays(20)));
}

TEST(Amf0, nesting_past_the_depth_limit_is_an_error) {
  EXPECT_FALSE(decode_all(nested_objects(100)));
  EXPECT_FALSE(decode_all(nested_arrays(100)));
  // Deep enough to overflow the stack if depth were unchecked.
  EXPECT_FALSE(decode_all(nested_arrays(200000)));
  EXPECT_FALSE(decode_all(nested_objects(200000)));
}

}  // namespace
}  // namespace courtcast::rtmp::amf0
