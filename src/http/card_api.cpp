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

ApiResult card_answer(const program::CardResult<program::CardInfo>& r) {
  if (r) return {status::ok, card_json(*r)};
  switch (r.error().kind) {
    case program::CardError::Kind::too_large:
      return api_error(status::payload_too_large, "card_too_large", r.error().message);
    case program::CardError::Kind::storage:
      return api_error(status::internal_server_error, "card_not_stored", r.error().message);
    case program::CardError::Kind::invalid:
      break;
  }
  return api_error(status::bad_request, "invalid_card", r.error().message);
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

}  // namespace courtcast::http
