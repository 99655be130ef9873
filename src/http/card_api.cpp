#include "http/card_api.hpp"

#include <boost/json.hpp>
#include <cctype>

namespace courtcast::http {

namespace json = boost::json;
using boost::beast::http::status;

json::value card_json(const program::CardInfo& i) {
  const auto& u = i.upload;
  const auto or_null = [&](auto get) { return u ? json::value(get(*u)) : json::value(nullptr); };
  return json::object{
      {"source", program::to_string(i.source)},
      {"duration_ms", i.duration_ms},
      {"width", i.size.width},
      {"height", i.size.height},
      {"uploaded_by", or_null([](const auto& x) { return x.by; })},
      {"uploaded_at_ms", or_null([](const auto& x) { return x.at_ms; })},
      {"format", or_null([](const auto& x) { return program::to_string(x.format); })},
      {"sha256", or_null([](const auto& x) { return x.sha256; })},
      {"size_bytes", or_null([](const auto& x) { return x.size_bytes; })},
      {"limits", json::object{{"max_size_bytes", program::kCardMaxBytes},
                              {"max_duration_ms", program::kCardMaxDurationMs}}}};
}

namespace {

// The file is recognised by its content; a Content-Type only has to not
// claim something else (a JSON body sent here by mistake).
bool acceptable_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string type(content_type.substr(0, semi));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type.empty() || type.starts_with("video/") || type == "application/octet-stream";
}

}  // namespace

namespace {

template <typename Info, typename Json>
ApiResult upload_answer(const program::CardResult<Info>& r, Json to_json, std::string_view what) {
  if (r) return {status::ok, to_json(*r)};
  const std::string w(what);
  switch (r.error().kind) {
    case program::CardError::Kind::too_large:
      return api_error(status::payload_too_large, w + "_too_large", r.error().message);
    case program::CardError::Kind::storage:
      return api_error(status::internal_server_error, w + "_not_stored", r.error().message);
    case program::CardError::Kind::invalid:
      break;
  }
  return api_error(status::bad_request, "invalid_" + w, r.error().message);
}

ApiResult card_answer(const program::CardResult<program::CardInfo>& r) {
  return upload_answer(r, card_json, "card");
}

}  // namespace

ApiResult get_card(const program::CardStore& cards) {
  return {status::ok, card_json(cards.info())};
}

ApiResult upload_card(program::CardStore& cards, std::string_view body,
                      std::string_view content_type, const std::string& who, std::int64_t now_ms) {
  if (!acceptable_type(content_type))
    return api_error(status::unsupported_media_type, "unsupported_media_type",
                     "Content-Type: send the card file itself as video/mp4, video/x-flv or "
                     "application/octet-stream, not " +
                         std::string(content_type.substr(0, 100)));
  return card_answer(cards.upload(
      std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()), who, now_ms));
}

ApiResult reset_card(program::CardStore& cards, const std::string& who) {
  return card_answer(cards.reset(who));
}

json::value emblem_json(const program::EmblemInfo& i) {
  const auto or_null = [&](auto v) { return i.set ? json::value(v) : json::value(nullptr); };
  return json::object{{"set", i.set},
                      {"sha256", or_null(i.sha256)},
                      {"size_bytes", or_null(i.size_bytes)},
                      {"width", or_null(i.width)},
                      {"height", or_null(i.height)},
                      {"limits", json::object{{"max_size_bytes", program::kEmblemMaxBytes},
                                              {"min_side_px", program::kEmblemMinSide},
                                              {"max_side_px", program::kEmblemMaxSide}}}};
}

ApiResult get_emblem(const program::EmblemStore& emblems) {
  return {status::ok, emblem_json(emblems.info())};
}

ApiResult upload_emblem(program::EmblemStore& emblems, std::string_view body,
                        std::string_view content_type, const std::string& who) {
  const auto semi = content_type.find(';');
  std::string type(content_type.substr(0, semi));
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!type.empty() && type != "image/png" && type != "application/octet-stream")
    return api_error(status::unsupported_media_type, "unsupported_media_type",
                     "Content-Type: send the emblem itself as image/png, not " +
                         std::string(content_type.substr(0, 100)));
  return upload_answer(
      emblems.upload(std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()),
                     who),
      emblem_json, "emblem");
}

ApiResult reset_emblem(program::EmblemStore& emblems, const std::string& who) {
  return {status::ok, emblem_json(emblems.reset(who))};
}

}  // namespace courtcast::http
