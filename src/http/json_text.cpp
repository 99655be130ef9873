#include "http/json_text.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>

namespace courtcast::http {

namespace json = boost::json;

namespace {

void append(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        out += json::serialize(json::string_view(key));
        out.push_back(':');
        append(out, item);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        append(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";  // JSON has no NaN or infinity
        return;
      }
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, d == 0 ? 0.0 : d);
      // Shortest may still choose an exponent (2.5e-07, 1e+16): written out
      // instead while that stays short enough to read.
      if (std::find(buf, r.ptr, 'e') != r.ptr && std::fabs(d) >= 1e-9 && std::fabs(d) < 1e21)
        r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      out.append(buf, r.ptr);
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string json_text(const json::value& v) {
  std::string out;
  append(out, v);
  return out;
}

}  // namespace courtcast::http
