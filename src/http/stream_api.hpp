#pragma once
// JSON views of live streams for /api/v1/streams. The public sees the
// streams it may play, without who publishes them; the team sees them all.

#include <boost/json/value.hpp>
#include <functional>

#include "live/hub.hpp"

namespace courtcast::http {

// An ingest link's figures (SRT): RTT, loss, retransmits, receive buffer.
boost::json::value link_json(const live::LinkStats& link);
// The stream.links event: every stream with link figures now, as
// {"type":"stream.links","links":[{"stream":NAME,"link":{…}}]}; null when
// none has any.
boost::json::value links_event(const live::Hub& hub);

// `with_publisher`: the publisher's address (a field team's phone) is shown.
boost::json::value stream_json(const live::StreamInfo& info, bool with_publisher);
boost::json::value streams_json(const live::Hub& hub,
                                const std::function<bool(const std::string& name)>& shown,
                                bool with_publisher);

}  // namespace courtcast::http
