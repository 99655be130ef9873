#include "srt/stream_id.hpp"

#include "base/text.hpp"

namespace courtcast::srt {

namespace {

constexpr std::string_view kForms = "use '#!::r=live/NAME,m=publish,s=KEY' or 'live/NAME?key=KEY'";

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.'))
      return false;
  return true;
}

base::Result<StreamId> resource(std::string_view r, StreamId id) {
  const auto slash = r.find('/');
  if (slash == std::string_view::npos)
    return base::make_error("stream id names no application: " + std::string(kForms));
  id.app = std::string(r.substr(0, slash));
  id.name = std::string(r.substr(slash + 1));
  if (!valid_name(id.app) || !valid_name(id.name))
    return base::make_error(
        "stream id resource must be APP/NAME of letters, digits, '-', '_' or '.': " +
        std::string(kForms));
  return id;
}

}  // namespace

base::Result<StreamId> parse_stream_id(std::string_view text) {
  StreamId id;
  if (text.empty()) return base::make_error("empty stream id: " + std::string(kForms));
  if (text.starts_with("#!::")) {
    std::string_view r;
    bool have_r = false;
    for (std::string_view rest = text.substr(4); !rest.empty();) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      const auto eq = item.find('=');
      if (eq == std::string_view::npos)
        return base::make_error("stream id item without '=': " + std::string(kForms));
      const std::string_view k = item.substr(0, eq), v = item.substr(eq + 1);
      if (k == "r") {
        r = v;
        have_r = true;
      } else if (k == "m") {
        if (v == "publish")
          id.mode = StreamMode::publish;
        else if (v == "request")
          id.mode = StreamMode::request;
        else
          return base::make_error("stream id mode '" + std::string(v) +
                                  "' is not supported: " + std::string(kForms));
      } else if (k == "s") {
        id.key = std::string(v);
      }
      // u (user), h (host), t (type) and unknown keys are ignored, as the
      // specification asks of a server that does not use them.
    }
    if (!have_r) return base::make_error("stream id has no 'r=' resource: " + std::string(kForms));
    return resource(r, std::move(id));
  }
  const auto q = text.find('?');
  const std::string_view path = text.substr(0, q);
  if (q != std::string_view::npos) {
    const std::string_view query = text.substr(q + 1);
    id.key = base::query_value(query, "key").value_or("");
    if (auto m = base::query_value(query, "m")) {
      if (*m == "request")
        id.mode = StreamMode::request;
      else if (*m != "publish")
        return base::make_error("stream id mode '" + *m +
                                "' is not supported: " + std::string(kForms));
    }
  }
  return resource(path, std::move(id));
}

}  // namespace courtcast::srt
