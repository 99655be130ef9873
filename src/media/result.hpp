#pragma once
// The parsers' error type is the base one; media code names it media::Result.

#include "base/result.hpp"

namespace courtcast::media {

using base::Error;
using base::make_error;
using base::Result;

}  // namespace courtcast::media
