#pragma once
// JSON text for the lists and small records nested in domain objects
// (parties, officers, the plan, audience figures…). They are read and written
// whole with their owner, so one text column each is simpler than a table
// each; statistics are computed in court/, not in SQL.

#include <string>
#include <string_view>
#include <vector>

#include "court/case.hpp"
#include "court/id.hpp"
#include "court/people.hpp"
#include "court/session.hpp"
#include "court/step.hpp"

namespace courtcast::store::codec {

std::string encode_strings(const std::vector<std::string>& v);
std::vector<std::string> decode_strings(std::string_view json);

std::string encode_ids(const std::vector<court::Id>& v);
std::vector<court::Id> decode_ids(std::string_view json);

std::string encode_parties(const std::vector<court::Party>& v);
std::vector<court::Party> decode_parties(std::string_view json);

std::string encode_officers(const std::vector<court::Officer>& v);
std::vector<court::Officer> decode_officers(std::string_view json);

std::string encode_witnesses(const std::vector<court::Witness>& v);
std::vector<court::Witness> decode_witnesses(std::string_view json);

std::string encode_plan(const court::ExecutionPlan& p);
court::ExecutionPlan decode_plan(std::string_view json);

std::string encode_contingency(const std::vector<court::ContingencyItem>& v);
std::vector<court::ContingencyItem> decode_contingency(std::string_view json);

std::string encode_audience(const std::vector<court::AudienceFigure>& v);
std::vector<court::AudienceFigure> decode_audience(std::string_view json);

std::string encode_recording(const court::RecordingRange& r);
court::RecordingRange decode_recording(std::string_view json);

std::string encode_auction(const court::AuctionSchedule& a);
court::AuctionSchedule decode_auction(std::string_view json);

}  // namespace courtcast::store::codec
