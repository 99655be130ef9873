#pragma once
// The one error type of the store. A refusal by a domain rule keeps the
// rule's code (e.g. "payout_exceeds_recovered"); the store's own failures use
// the codes below. The API maps `kind` to a status.

#include <cstdint>
#include <string>
#include <string_view>

#include "court/error.hpp"
#include "court/expected.hpp"

namespace courtcast::store {

enum class ErrorKind {
  rule,       // a court:: rule refused the change (409/422)
  invalid,    // malformed input (400)
  not_found,  // no such row (404)
  conflict,   // a unique key is taken, e.g. a case number or username (409)
  database,   // the database failed; the message says how (500)
};

struct Error {
  ErrorKind kind = ErrorKind::database;
  std::string code;  // "not_found", "conflict", "database", or the court rule's code
  std::string message;
};

template <typename T>
using Result = court::Expected<T, Error>;

inline court::Unexpected<Error> fail(ErrorKind kind, std::string code, std::string message) {
  return court::Unexpected<Error>{Error{kind, std::move(code), std::move(message)}};
}

inline court::Unexpected<Error> fail_not_found(std::string what) {
  return fail(ErrorKind::not_found, "not_found", std::move(what) + " does not exist");
}

// "case 7 does not exist".
inline court::Unexpected<Error> fail_not_found(std::string_view what, std::int64_t id) {
  return fail_not_found(std::string(what) + " " + std::to_string(id));
}

// A domain refusal as a store error; malformed input stays "invalid".
inline Error from_court(const court::Error& e) {
  const bool invalid =
      e.rule == court::Rule::invalid_input || e.rule == court::Rule::invalid_case_number;
  return Error{invalid ? ErrorKind::invalid : ErrorKind::rule, std::string(e.code()), e.message};
}

inline court::Unexpected<Error> fail(const court::Error& e) {
  return court::Unexpected<Error>{from_court(e)};
}

}  // namespace courtcast::store
