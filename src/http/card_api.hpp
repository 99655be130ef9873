#pragma once
// /api/v1/card: the court's standby card (垫片): where it comes from, and
// uploading the court's own (PUT, the raw FLV or MP4 file) or dropping it
// (DELETE) to go back to the config's or the built-in one.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "http/api.hpp"
#include "program/card_store.hpp"
#include "program/emblem_store.hpp"

namespace courtcast::http {

boost::json::value card_json(const program::CardInfo& info);

ApiResult get_card(const program::CardStore& cards);
// PUT: `content_type` is the request's header (may be empty); `who` names
// the caller in the sidecar and the log.
ApiResult upload_card(program::CardStore& cards, std::string_view body,
                      std::string_view content_type, const std::string& who, std::int64_t now_ms);
// DELETE: back to the config's or the built-in card.
ApiResult reset_card(program::CardStore& cards, const std::string& who);

// /api/v1/emblem: the court's emblem air shows (PUT the PNG itself, DELETE
// for none).
boost::json::value emblem_json(const program::EmblemInfo& info);
ApiResult get_emblem(const program::EmblemStore& emblems);
ApiResult upload_emblem(program::EmblemStore& emblems, std::string_view body,
                        std::string_view content_type, const std::string& who);
ApiResult reset_emblem(program::EmblemStore& emblems, const std::string& who);

}  // namespace courtcast::http
