#include "rtmp/amf0.hpp"

#include <bit>
#include <cstring>

#include "media/bytes_io.hpp"

namespace courtcast::rtmp::amf0 {

namespace {

using media::make_error;
using media::read_u16be;
using media::read_u32be;

enum Marker : std::uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kReference = 0x07,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0A,
  kDate = 0x0B,
  kLongString = 0x0C,
  kUnsupported = 0x0D,
  kXmlDocument = 0x0F,
};

constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxItems = 1 << 16;

class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> d) : d_(d) {}
  bool done() const { return pos_ >= d_.size(); }

  Result<Value> value(int depth) {
    if (depth > kMaxDepth) return make_error("amf0: nesting deeper than 32");
    if (!need(1)) return truncated();
    const std::uint8_t marker = d_[pos_++];
    Value v;
    switch (marker) {
      case kNumber: {
        if (!need(8)) return truncated();
        v.type = Value::Type::number;
        v.number = read_double();
        return v;
      }
      case kBoolean:
        if (!need(1)) return truncated();
        v.type = Value::Type::boolean;
        v.boolean = d_[pos_++] != 0;
        return v;
      case kString:
      case kXmlDocument:
      case kLongString: {
        v.type = Value::Type::string;
        auto s = marker == kString ? short_string() : long_string();
        if (!s) return s.error();
        v.string = std::move(*s);
        return v;
      }
      case kObject:
        v.type = Value::Type::object;
        if (auto r = properties(v.properties, depth); !r) return r.error();
        return v;
      case kEcmaArray:
        if (!need(4)) return truncated();
        pos_ += 4;  // the count is a hint; the end marker is authoritative
        v.type = Value::Type::ecma_array;
        if (auto r = properties(v.properties, depth); !r) return r.error();
        return v;
      case kStrictArray: {
        if (!need(4)) return truncated();
        const std::uint32_t count = read_u32be(d_.data() + pos_);
        pos_ += 4;
        if (count > kMaxItems || count > d_.size() - pos_)
          return make_error("amf0: strict array count exceeds the data");
        v.type = Value::Type::strict_array;
        for (std::uint32_t i = 0; i < count; ++i) {
          auto item = value(depth + 1);
          if (!item) return item.error();
          v.items.push_back(std::move(*item));
        }
        return v;
      }
      case kDate:
        if (!need(10)) return truncated();
        v.type = Value::Type::date;
        v.number = read_double();
        pos_ += 2;  // time zone, unused
        return v;
      case kNull:
        v.type = Value::Type::null;
        return v;
      case kUndefined:
      case kUnsupported:
        v.type = Value::Type::undefined;
        return v;
      case kReference:
        return make_error("amf0: object references are not supported");
      default:
        return make_error("amf0: unknown type marker");
    }
  }

 private:
  bool need(std::size_t n) const { return d_.size() - pos_ >= n; }
  static media::Error truncated() { return make_error("amf0: value truncated"); }

  double read_double() {
    const std::uint64_t bits = static_cast<std::uint64_t>(read_u32be(d_.data() + pos_)) << 32 |
                               read_u32be(d_.data() + pos_ + 4);
    pos_ += 8;
    return std::bit_cast<double>(bits);
  }
  Result<std::string> short_string() {
    if (!need(2)) return truncated();
    const std::size_t n = read_u16be(d_.data() + pos_);
    pos_ += 2;
    if (!need(n)) return truncated();
    std::string s(reinterpret_cast<const char*>(d_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Result<std::string> long_string() {
    if (!need(4)) return truncated();
    const std::size_t n = read_u32be(d_.data() + pos_);
    pos_ += 4;
    if (!need(n)) return truncated();
    std::string s(reinterpret_cast<const char*>(d_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Result<void> properties(std::vector<Property>& out, int depth) {
    for (;;) {
      if (!need(3)) return truncated();
      if (d_[pos_] == 0 && d_[pos_ + 1] == 0 && d_[pos_ + 2] == kObjectEnd) {
        pos_ += 3;
        return {};
      }
      if (out.size() >= kMaxItems) return make_error("amf0: object has too many properties");
      auto key = short_string();
      if (!key) return key.error();
      auto val = value(depth + 1);
      if (!val) return val.error();
      out.push_back(Property{std::move(*key), std::move(*val)});
    }
  }

  std::span<const std::uint8_t> d_;
  std::size_t pos_ = 0;
};

void put_u16(media::Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(media::Bytes& out, std::uint32_t v) {
  put_u16(out, v >> 16);
  put_u16(out, v & 0xFFFF);
}
void put_key(media::Bytes& out, std::string_view s) {
  put_u16(out, static_cast<std::uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}
void put_properties(media::Bytes& out, const std::vector<Property>& props) {
  for (const auto& p : props) {
    put_key(out, p.key);
    encode(out, p.value);
  }
  out.insert(out.end(), {0, 0, kObjectEnd});
}

}  // namespace

Value Value::make_number(double v) {
  Value x;
  x.type = Type::number;
  x.number = v;
  return x;
}
Value Value::make_boolean(bool v) {
  Value x;
  x.type = Type::boolean;
  x.boolean = v;
  return x;
}
Value Value::make_string(std::string v) {
  Value x;
  x.type = Type::string;
  x.string = std::move(v);
  return x;
}
Value Value::make_null() {
  return Value{};
}
Value Value::make_undefined() {
  Value x;
  x.type = Type::undefined;
  return x;
}
Value Value::make_object(std::vector<Property> props) {
  Value x;
  x.type = Type::object;
  x.properties = std::move(props);
  return x;
}
Value Value::make_ecma_array(std::vector<Property> props) {
  Value x;
  x.type = Type::ecma_array;
  x.properties = std::move(props);
  return x;
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& p : properties)
    if (p.key == key) return &p.value;
  return nullptr;
}

Result<std::vector<Value>> decode_all(std::span<const std::uint8_t> data) {
  Decoder d(data);
  std::vector<Value> out;
  while (!d.done()) {
    auto v = d.value(0);
    if (!v) return v.error();
    out.push_back(std::move(*v));
  }
  return out;
}

void encode_number(media::Bytes& out, double v) {
  out.push_back(kNumber);
  const auto bits = std::bit_cast<std::uint64_t>(v);
  put_u32(out, static_cast<std::uint32_t>(bits >> 32));
  put_u32(out, static_cast<std::uint32_t>(bits));
}

void encode_string(media::Bytes& out, std::string_view s) {
  if (s.size() > 0xFFFF) {
    out.push_back(kLongString);
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
    return;
  }
  out.push_back(kString);
  put_key(out, s);
}

void encode(media::Bytes& out, const Value& v) {
  switch (v.type) {
    case Value::Type::number:
      encode_number(out, v.number);
      break;
    case Value::Type::boolean:
      out.push_back(kBoolean);
      out.push_back(v.boolean ? 1 : 0);
      break;
    case Value::Type::string:
      encode_string(out, v.string);
      break;
    case Value::Type::object:
      out.push_back(kObject);
      put_properties(out, v.properties);
      break;
    case Value::Type::ecma_array:
      out.push_back(kEcmaArray);
      put_u32(out, static_cast<std::uint32_t>(v.properties.size()));
      put_properties(out, v.properties);
      break;
    case Value::Type::strict_array:
      out.push_back(kStrictArray);
      put_u32(out, static_cast<std::uint32_t>(v.items.size()));
      for (const auto& item : v.items) encode(out, item);
      break;
    case Value::Type::date: {
      encode_number(out, v.number);
      out[out.size() - 9] = kDate;
      put_u16(out, 0);
      break;
    }
    case Value::Type::null:
      out.push_back(kNull);
      break;
    case Value::Type::undefined:
      out.push_back(kUndefined);
      break;
  }
}

}  // namespace courtcast::rtmp::amf0
