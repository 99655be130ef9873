#pragma once
// The error type of values that can fail: a message a person can act on.
// Only a failure allocates; success paths stay allocation-free.

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <stdexcept>
#include <string>

namespace courtcast::base {

struct Error {
  struct Tag {};
  // The tag keeps Error from being constructible from a plain string, which
  // would make Result<std::string> ambiguous.
  Error() = default;
  Error(Tag, std::string m) : message(std::move(m)) {}
  std::string message;
};

[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw std::runtime_error(e.message);
}

template <typename T>
using Result = boost::system::result<T, Error>;

inline Error make_error(std::string message) {
  return Error(Error::Tag{}, std::move(message));
}

}  // namespace courtcast::base
