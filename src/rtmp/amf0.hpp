#pragma once
// AMF0 values as RTMP commands and metadata use them; decode from a buffer,
// encode into one. Decoding is bounded in depth and size for untrusted input.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/packet.hpp"
#include "media/result.hpp"

namespace courtcast::rtmp::amf0 {

using media::Result;

struct Property;

// One AMF0 value; objects and ECMA arrays keep their properties in order.
struct Value {
  enum class Type : std::uint8_t {
    number,
    boolean,
    string,
    object,
    null,
    undefined,
    ecma_array,
    strict_array,
    date
  };
  Type type = Type::null;
  double number = 0;  // Number, Date
  bool boolean = false;
  std::string string;
  std::vector<Property> properties;  // Object, EcmaArray
  std::vector<Value> items;          // StrictArray

  static Value make_number(double v);
  static Value make_boolean(bool v);
  static Value make_string(std::string v);
  static Value make_null();
  static Value make_undefined();
  static Value make_object(std::vector<Property> props);
  static Value make_ecma_array(std::vector<Property> props);

  bool is_number() const { return type == Type::number; }
  bool is_string() const { return type == Type::string; }
  bool is_object() const { return type == Type::object || type == Type::ecma_array; }
  // Property lookup on objects; nullptr when absent or not an object.
  const Value* find(std::string_view key) const;
};

struct Property {
  std::string key;
  Value value;
};

// Decodes every value in `data`; fails on a truncated or unknown marker.
Result<std::vector<Value>> decode_all(std::span<const std::uint8_t> data);

void encode(media::Bytes& out, const Value& v);
void encode_string(media::Bytes& out, std::string_view s);
void encode_number(media::Bytes& out, double v);

}  // namespace courtcast::rtmp::amf0
