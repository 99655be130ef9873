#pragma once
// /api/v1/destinations: list, add, change, remove, start, stop and health of
// the platforms air is pushed to. Stream keys go in, never come out.

#include <boost/beast/http/verb.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.hpp"
#include "relay/relay.hpp"

namespace courtcast::http {

boost::json::value destination_json(const relay::Destination& d);

// `segments` is the path after /api/v1/destinations, split at '/'.
ApiResult handle_destinations(relay::Relay& relay, boost::beast::http::verb method,
                              const std::vector<std::string_view>& segments,
                              const std::string& body);

}  // namespace courtcast::http
