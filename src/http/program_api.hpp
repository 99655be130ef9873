#pragma once
// /api/v1/programs: the director's controls (take, card, delay, cut, resume)
// and each program's state with its inputs'.

#include <boost/beast/http/verb.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/api.hpp"
#include "program/registry.hpp"

namespace courtcast::http {

boost::json::value program_json(const program::ProgramView& v);

// `segments` is the path after /api/v1/programs; `who` names the caller for the log.
ApiResult handle_programs(const program::ProgramRegistry& programs, boost::beast::http::verb method,
                          const std::vector<std::string_view>& segments, const std::string& body,
                          const std::string& who);

}  // namespace courtcast::http
