#pragma once
// What an API handler returns, and the error shape every endpoint shares:
// { "error": { "code": "...", "message": "..." } } with the right status.

#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace courtcast::http {

struct ApiResult {
  boost::beast::http::status status = boost::beast::http::status::ok;
  boost::json::value body;  // null for 204
  // Extra response headers (Set-Cookie, Retry-After).
  std::vector<std::pair<std::string, std::string>> headers = {};
};

ApiResult api_error(boost::beast::http::status status, std::string_view code,
                    std::string_view message);

}  // namespace courtcast::http
