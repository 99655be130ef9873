// The HTTP API's request bodies: JSON parsed as the server parses it
// (http::parse_body's boost::json::parse), then read by the strict field
// readers into campaigns, cases, sessions, steps and audience figures, as
// created (POST) and as changed (PATCH), then validated by the court rules
// and written back as the API answers. The first byte picks the reader.
// A refusal must say which field and why.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "court/campaign.hpp"
#include "court/case.hpp"
#include "court/session.hpp"
#include "http/court_json.hpp"

namespace {

template <typename T, typename Read, typename Write>
void read_one(const boost::json::object& body, std::span<const std::string_view> fields,
              Read&& read, Write&& write) {
  courtcast::http::FieldReader r(body, "", fields);
  T value{};
  if (r.ok()) read(r, value);
  if (!r.ok()) {
    if (r.error().find(':') == std::string::npos) __builtin_trap();
    return;
  }
  write(value);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace court = courtcast::court;
  using namespace courtcast::http;
  if (size == 0) return 0;
  const std::uint8_t pick = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return 0;
  const auto& body = v.as_object();
  const bool creating = pick & 0x80;
  switch (pick % 5) {
    case 0:
      read_one<court::Campaign>(
          body, kCampaignFields, [&](FieldReader& r, auto& c) { read_campaign(r, c, creating); },
          [](const auto& c) {
            if (court::validate_campaign(c)) (void)boost::json::serialize(campaign_json(c));
          });
      break;
    case 1:
      read_one<court::Case>(
          body, kCaseFields, [&](FieldReader& r, auto& c) { read_case(r, c, creating); },
          [](auto c) {
            if (court::validate_case(c)) (void)boost::json::serialize(case_json(c));
          });
      break;
    case 2:
      read_one<court::LiveSession>(
          body, kSessionFields, [&](FieldReader& r, auto& s) { read_session(r, s, creating); },
          [](const auto& s) {
            if (court::validate_session(s)) (void)boost::json::serialize(session_json(s));
          });
      break;
    case 3:
      read_one<court::EnforcementStep>(
          body, kStepFields, [&](FieldReader& r, auto& s) { read_step(r, s, creating); },
          [](const auto& s) { (void)boost::json::serialize(step_json(s)); });
      break;
    default:
      read_one<court::AudienceFigure>(
          body, kAudienceFields, [&](FieldReader& r, auto& a) { read_audience(r, a); },
          [](const auto&) {});
      break;
  }
  return 0;
}
