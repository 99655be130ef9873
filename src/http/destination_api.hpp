#pragma once
// /api/v1/destinations: list, add, change, remove, start, stop and health of
// the platforms air is pushed to. Stream keys go in, never come out.

#include <string>
#include <string_view>
#include <vector>

#include "http/api.hpp"
#include "relay/relay.hpp"

namespace courtcast::http {

boost::json::value destination_json(const relay::Destination& d);

// One function per endpoint (routes.cpp); `id` is the destination's.
ApiResult list_destinations(const relay::Relay& relay);
ApiResult add_destination(relay::Relay& relay, std::string_view body);
ApiResult get_destination(const relay::Relay& relay, std::string_view id);
ApiResult change_destination(relay::Relay& relay, std::string_view id, std::string_view body);
ApiResult remove_destination(relay::Relay& relay, std::string_view id);
// POST …/start and …/stop.
ApiResult run_destination(relay::Relay& relay, std::string_view id, bool running);

}  // namespace courtcast::http
