#pragma once
// JSON views of live streams for /api/v1/streams.

#include <boost/json/value.hpp>

#include "live/hub.hpp"

namespace courtcast::http {

boost::json::value stream_json(const live::StreamInfo& info);
boost::json::value streams_json(const live::Hub& hub);

}  // namespace courtcast::http
