#include "http/api.hpp"

#include <boost/json.hpp>
#include <string>

namespace courtcast::http {

using boost::beast::http::status;

ApiResult api_error(status s, std::string_view code, std::string_view message) {
  return {
      s, boost::json::object{{"error", boost::json::object{{"code", code}, {"message", message}}}}};
}

ApiResult bad_field(std::string_view field, std::string_view reason) {
  return bad_field(std::string(field) + ": " + std::string(reason));
}

ApiResult bad_field(std::string_view message) {
  return api_error(status::bad_request, "invalid_field", message);
}

}  // namespace courtcast::http
