#pragma once
// JSON as people read it. Boost.JSON writes every double in exponent form
// (0 as 0E0, 3300 as 3.3E3, 2.87 as 2.87E0): valid, but not what a court's
// clerk or a platform's script expects to see. Numbers here are written in
// their shortest round-trip form (0, 3300, 2.87); everything else as
// Boost.JSON writes it.

#include <boost/json/value.hpp>
#include <string>

namespace courtcast::http {

std::string json_text(const boost::json::value& v);

}  // namespace courtcast::http
