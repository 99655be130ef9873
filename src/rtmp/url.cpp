#include "rtmp/url.hpp"

namespace courtcast::rtmp {

using media::make_error;
using media::Result;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
  Url u;
  const auto sep = text.find("://");
  if (sep == std::string_view::npos)
    return make_error("rtmp url '" + std::string(text) +
                      "' has no scheme (want rtmp://HOST/APP/STREAM)");
  u.scheme = lower(text.substr(0, sep));
  if (u.scheme != "rtmp" && u.scheme != "rtmps")
    return make_error("rtmp url: scheme '" + u.scheme + "' is not rtmp or rtmps");
  u.port = u.secure() ? 443 : 1935;
  std::string_view rest = text.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);  // credentials are not RTMP's business
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return make_error("rtmp url: unterminated [IPv6] host");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return make_error("rtmp url: no host");
  if (!port.empty()) {
    unsigned value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) return make_error("rtmp url: bad port");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) return make_error("rtmp url: port out of range");
    u.port = static_cast<std::uint16_t>(value);
  }
  u.host = std::string(host);
  if (slash == std::string_view::npos) return make_error("rtmp url: no application in the path");
  const std::string_view path = rest.substr(slash + 1);
  const auto app_end = path.find('/');
  u.app = std::string(path.substr(0, app_end));
  if (app_end != std::string_view::npos) u.stream = std::string(path.substr(app_end + 1));
  if (u.app.empty()) return make_error("rtmp url: no application in the path");
  if (u.stream.empty())
    return make_error("rtmp url: no stream name (want " + u.scheme + "://HOST/APP/STREAM)");
  u.tc_url = u.scheme + "://" + std::string(authority) + "/" + u.app;
  return u;
}

}  // namespace courtcast::rtmp
