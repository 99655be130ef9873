#include "http/destination_api.hpp"

#include <boost/json.hpp>
#include <set>

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;

json::value destination_json(const relay::Destination& d) {
  const auto spec = d.spec();
  const auto h = d.health();
  return json::object{
      {"id", d.id()},
      {"name", spec.name},
      {"preset", relay::to_string(spec.preset)},
      {"url", relay::masked_url(spec)},
      {"stream_key_set", !spec.stream_key.empty()},
      {"stream", spec.stream},
      {"enabled", spec.enabled},
      {"health",
       json::object{
           {"state", relay::to_string(h.state)},
           {"bitrate_bps", h.bitrate_bps},
           {"bytes_sent", h.bytes_sent},
           {"dropped_packets", h.dropped_packets},
           {"reconnects", h.reconnects},
           {"last_error", h.last_error.empty() ? json::value(nullptr) : json::value(h.last_error)},
           {"live_since_ms", h.live_since_ms ? json::value(h.live_since_ms) : json::value(nullptr)},
           {"last_error_at_ms",
            h.last_error_at_ms ? json::value(h.last_error_at_ms) : json::value(nullptr)},
           {"next_retry_ms",
            h.next_retry_ms ? json::value(h.next_retry_ms) : json::value(nullptr)}}}};
}

namespace {

// Applies a JSON body to `spec`; `creating` requires the fields a new one needs.
std::optional<ApiResult> apply(const std::string& body, relay::DestinationSpec& spec,
                               bool creating) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object())
    return api_error(status::bad_request, "invalid_json", "the body must be a JSON object");
  static const std::set<std::string> known{"name",       "preset", "url",    "server_url",
                                           "stream_key", "stream", "enabled"};
  const auto& o = v.as_object();
  for (const auto& [k, val] : o)
    if (!known.count(std::string(k)))
      return bad_field(
          k, "unknown field (allowed: name, preset, url, server_url, stream_key, stream, enabled)");
  auto str = [&](const char* k, std::string& out) -> std::optional<ApiResult> {
    if (auto* p = o.if_contains(k)) {
      if (!p->is_string()) return bad_field(k, "must be a string");
      out = std::string(p->as_string());
    }
    return std::nullopt;
  };
  if (auto e = str("name", spec.name)) return e;
  if (auto e = str("stream", spec.stream)) return e;
  std::string preset;
  if (auto e = str("preset", preset)) return e;
  if (!preset.empty() && !relay::parse_preset(preset, spec.preset))
    return bad_field("preset", "one of " + relay::preset_codes());
  if (auto* p = o.if_contains("enabled")) {
    if (!p->is_bool()) return bad_field("enabled", "must be true or false");
    spec.enabled = p->as_bool();
  }
  std::string url;
  if (auto e = str("url", url)) return e;
  if (!url.empty()) {
    if (o.contains("server_url") || o.contains("stream_key"))
      return bad_field("url", "give either url, or server_url and stream_key");
    auto split = relay::split_platform_url(url);
    if (!split && relay::has_userinfo(url)) return bad_field(split.error().message);
    if (!split) return bad_field("url", "want rtmp://HOST[:PORT]/APP/STREAMKEY or rtmps://…");
    spec.server_url = split->server_url;
    spec.stream_key = split->stream_key;
  }
  if (auto e = str("server_url", spec.server_url)) return e;
  if (auto e = str("stream_key", spec.stream_key)) return e;
  if (creating) {
    if (spec.name.empty()) return bad_field("name", "required");
    if (spec.stream.empty()) return bad_field("stream", "required");
    if (spec.server_url.empty() || spec.stream_key.empty())
      return bad_field("url", "required (or server_url and stream_key)");
  }
  return std::nullopt;
}

}  // namespace

ApiResult list_destinations(const relay::Relay& relay) {
  json::array list;
  for (const auto& d : relay.list()) list.push_back(destination_json(*d));
  return {status::ok, json::object{{"destinations", std::move(list)}}};
}

ApiResult add_destination(relay::Relay& relay, std::string_view body) {
  relay::DestinationSpec spec;
  if (auto e = apply(std::string(body), spec, true)) return *e;
  auto id = relay.add(std::move(spec));
  if (!id) return bad_field(id.error().message);
  return {status::created, destination_json(*relay.find(*id))};
}

namespace {

ApiResult not_found(std::string_view id) {
  return api_error(status::not_found, "destination_not_found",
                   "no destination '" + std::string(id) + "'");
}

}  // namespace

ApiResult get_destination(const relay::Relay& relay, std::string_view id) {
  auto d = relay.find(std::string(id));
  if (!d) return not_found(id);
  return {status::ok, destination_json(*d)};
}

ApiResult change_destination(relay::Relay& relay, std::string_view id, std::string_view body) {
  auto d = relay.find(std::string(id));
  if (!d) return not_found(id);
  auto spec = d->spec();
  if (auto e = apply(std::string(body), spec, false)) return *e;
  if (auto r = relay.update(std::string(id), std::move(spec)); !r)
    return bad_field(r.error().message);
  return {status::ok, destination_json(*d)};
}

ApiResult remove_destination(relay::Relay& relay, std::string_view id) {
  if (!relay.find(std::string(id))) return not_found(id);
  relay.remove(std::string(id));
  return {status::no_content, nullptr};
}

ApiResult run_destination(relay::Relay& relay, std::string_view id, bool running) {
  auto d = relay.find(std::string(id));
  if (!d) return not_found(id);
  relay.set_enabled(std::string(id), running);
  return {status::ok, destination_json(*d)};
}

}  // namespace courtcast::http
