#pragma once
// What an API handler returns, and the error shape every endpoint shares:
// { "error": { "code": "...", "message": "..." } } with the right status.

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courtcast::http {

// A file sent as the answer's body instead of JSON (a clip, a sidecar).
struct FileReply {
  std::filesystem::path path;
  std::string content_type;
  std::string download_name;  // for Content-Disposition
  std::string audit_action;   // the download is audited under this action
  boost::json::object audit_details = {};
};

struct ApiResult {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::json::value body;  // null for 204
  // A JSON body serialized once and shared by every answer that sends it (a
  // cached public answer); sent instead of `body` when set.
  std::shared_ptr<const std::string> body_text = nullptr;
  // Extra response headers (Set-Cookie, Retry-After).
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::optional<FileReply> file = std::nullopt;
};

ApiResult api_error(boost::beast::http::status status, std::string_view code,
                    std::string_view message);
// The 400 invalid_field for a field of a request body or query: "FIELD: REASON".
ApiResult bad_field(std::string_view field, std::string_view reason);
// The same for a message that already names its field (an error from the
// layer that checked the value, such as "delay_seconds: must be from 0 to 300").
ApiResult bad_field(std::string_view message);

}  // namespace courtcast::http
