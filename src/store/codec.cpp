#include "store/codec.hpp"

#include <boost/json.hpp>

#include "store/sql.hpp"

namespace courtcast::store::codec {

namespace json = boost::json;

namespace {

// Stored JSON is written by this file only; if it does not parse, the
// database was edited by hand or is damaged, which is not the caller's fault.
json::value parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw DbError(DbError::Kind::other, "stored JSON is damaged: " + ec.message());
  return v;
}

const json::array& as_array(const json::value& v) {
  if (!v.is_array()) throw DbError(DbError::Kind::other, "stored JSON: expected an array");
  return v.as_array();
}

std::string str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->as_int64() : 0;
}

template <typename T, typename F>
std::string encode_list(const std::vector<T>& items, F&& to_value) {
  json::array a;
  a.reserve(items.size());
  for (const auto& item : items) a.push_back(to_value(item));
  return json::serialize(a);
}

template <typename T, typename F>
std::vector<T> decode_list(std::string_view text, F&& from_object) {
  std::vector<T> out;
  if (text.empty()) return out;
  const json::value v = parse(text);
  for (const auto& item : as_array(v)) {
    if (!item.is_object()) throw DbError(DbError::Kind::other, "stored JSON: expected objects");
    out.push_back(from_object(item.as_object()));
  }
  return out;
}

json::object officer_value(const court::Officer& o) {
  return {{"name", o.name}, {"role", court::officer_role_code(o.role)}};
}
court::Officer officer_from(const json::object& o) {
  return {str(o, "name"),
          court::officer_role_from_code(str(o, "role")).value_or(court::OfficerRole::other)};
}

}  // namespace

std::string encode_strings(const std::vector<std::string>& v) {
  return encode_list(v, [](const std::string& s) { return json::value(s); });
}

std::vector<std::string> decode_strings(std::string_view text) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  const json::value v = parse(text);
  for (const auto& item : as_array(v)) {
    if (item.is_string()) out.emplace_back(item.as_string());
  }
  return out;
}

std::string encode_ids(const std::vector<court::Id>& v) {
  return encode_list(v, [](court::Id id) { return json::value(id); });
}

std::vector<court::Id> decode_ids(std::string_view text) {
  std::vector<court::Id> out;
  if (text.empty()) return out;
  const json::value v = parse(text);
  for (const auto& item : as_array(v)) {
    if (item.is_int64()) out.push_back(item.as_int64());
  }
  return out;
}

std::string encode_parties(const std::vector<court::Party>& v) {
  return encode_list(v, [](const court::Party& p) {
    return json::object{
        {"name", p.name}, {"kind", court::party_kind_code(p.kind)}, {"minor", p.is_minor}};
  });
}

std::vector<court::Party> decode_parties(std::string_view text) {
  return decode_list<court::Party>(text, [](const json::object& o) {
    const json::value* minor = o.if_contains("minor");
    return court::Party{
        str(o, "name"),
        court::party_kind_from_code(str(o, "kind")).value_or(court::PartyKind::person),
        minor && minor->is_bool() && minor->as_bool()};
  });
}

std::string encode_officers(const std::vector<court::Officer>& v) {
  return encode_list(v, officer_value);
}

std::vector<court::Officer> decode_officers(std::string_view text) {
  return decode_list<court::Officer>(text, officer_from);
}

std::string encode_witnesses(const std::vector<court::Witness>& v) {
  return encode_list(v, [](const court::Witness& w) {
    return json::object{{"name", w.name}, {"organisation", w.organisation}};
  });
}

std::vector<court::Witness> decode_witnesses(std::string_view text) {
  return decode_list<court::Witness>(text, [](const json::object& o) {
    return court::Witness{str(o, "name"), str(o, "organisation")};
  });
}

std::string encode_plan(const court::ExecutionPlan& p) {
  json::array order(p.case_order.begin(), p.case_order.end());
  json::array officers;
  for (const auto& o : p.officers) officers.push_back(officer_value(o));
  json::array supervisors(p.supervisors.begin(), p.supervisors.end());
  return json::serialize(json::object{{"case_order", order},
                                      {"route", p.route},
                                      {"officers", officers},
                                      {"supervisors", supervisors},
                                      {"host", p.host},
                                      {"script", p.script}});
}

court::ExecutionPlan decode_plan(std::string_view text) {
  court::ExecutionPlan p;
  if (text.empty()) return p;
  const json::value v = parse(text);
  if (!v.is_object()) throw DbError(DbError::Kind::other, "stored plan: expected an object");
  const json::object& o = v.as_object();
  if (const auto* order = o.if_contains("case_order"); order && order->is_array()) {
    for (const auto& id : order->as_array()) {
      if (id.is_int64()) p.case_order.push_back(id.as_int64());
    }
  }
  p.route = str(o, "route");
  if (const auto* officers = o.if_contains("officers"); officers && officers->is_array()) {
    for (const auto& item : officers->as_array()) {
      if (item.is_object()) p.officers.push_back(officer_from(item.as_object()));
    }
  }
  if (const auto* sup = o.if_contains("supervisors"); sup && sup->is_array()) {
    for (const auto& item : sup->as_array()) {
      if (item.is_string()) p.supervisors.emplace_back(item.as_string());
    }
  }
  p.host = str(o, "host");
  p.script = str(o, "script");
  return p;
}

std::string encode_contingency(const std::vector<court::ContingencyItem>& v) {
  return encode_list(v, [](const court::ContingencyItem& c) {
    return json::object{{"risk", c.risk}, {"response", c.response}};
  });
}

std::vector<court::ContingencyItem> decode_contingency(std::string_view text) {
  return decode_list<court::ContingencyItem>(text, [](const json::object& o) {
    return court::ContingencyItem{str(o, "risk"), str(o, "response")};
  });
}

std::string encode_audience(const std::vector<court::AudienceFigure>& v) {
  return encode_list(v, [](const court::AudienceFigure& f) {
    return json::object{{"platform", f.platform},
                        {"kind", court::view_kind_code(f.kind)},
                        {"count", f.count},
                        {"source", court::audience_source_code(f.source)},
                        {"reported_ms", f.reported_ms}};
  });
}

std::vector<court::AudienceFigure> decode_audience(std::string_view text) {
  return decode_list<court::AudienceFigure>(text, [](const json::object& o) {
    return court::AudienceFigure{
        str(o, "platform"),
        court::view_kind_from_code(str(o, "kind")).value_or(court::ViewKind::watch_count),
        num(o, "count"),
        court::audience_source_from_code(str(o, "source")).value_or(court::AudienceSource::entered),
        num(o, "reported_ms")};
  });
}

std::string encode_recording(const court::RecordingRange& r) {
  return json::serialize(json::object{{"start_ms", r.start_ms},
                                      {"end_ms", r.end_ms},
                                      {"inputs", json::array(r.inputs.begin(), r.inputs.end())}});
}

court::RecordingRange decode_recording(std::string_view text) {
  const json::value v = parse(text);
  if (!v.is_object()) throw DbError(DbError::Kind::other, "stored recording: expected an object");
  const json::object& o = v.as_object();
  court::RecordingRange r{num(o, "start_ms"), num(o, "end_ms"), {}};
  if (const auto* inputs = o.if_contains("inputs"); inputs && inputs->is_array()) {
    for (const auto& item : inputs->as_array()) {
      if (item.is_string()) r.inputs.emplace_back(item.as_string());
    }
  }
  return r;
}

std::string encode_auction(const court::AuctionSchedule& a) {
  return json::serialize(json::object{{"property", court::property_kind_code(a.property)},
                                      {"announced_ms", a.announced_ms},
                                      {"bidding_start_ms", a.bidding_start_ms},
                                      {"bidding_end_ms", a.bidding_end_ms}});
}

court::AuctionSchedule decode_auction(std::string_view text) {
  const json::value v = parse(text);
  if (!v.is_object()) throw DbError(DbError::Kind::other, "stored auction: expected an object");
  const json::object& o = v.as_object();
  return court::AuctionSchedule{
      court::property_kind_from_code(str(o, "property")).value_or(court::PropertyKind::real_estate),
      num(o, "announced_ms"), num(o, "bidding_start_ms"), num(o, "bidding_end_ms")};
}

}  // namespace courtcast::store::codec
