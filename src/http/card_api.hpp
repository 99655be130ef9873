#pragma once
// /api/v1/card: the court's standby card (垫片): where it comes from, and
// uploading the court's own (PUT, the raw FLV or MP4 file) or dropping it
// (DELETE) to go back to the config's or the built-in one.

#include <boost/beast/http/verb.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "http/api.hpp"
#include "program/card_store.hpp"

namespace courtcast::http {

boost::json::value card_json(const program::CardInfo& info);

// `content_type` is the request's header (may be empty); `who` names the
// caller in the sidecar and the log.
ApiResult handle_card(program::CardStore& cards, boost::beast::http::verb method,
                      std::string_view body, std::string_view content_type, const std::string& who,
                      std::int64_t now_ms);

}  // namespace courtcast::http
