#pragma once
// What the repository suite needs from each backend: a fresh empty database
// per test, and raw SQL for the tests that try to tamper behind the
// repository's back.

#include <memory>
#include <string>
#include <vector>

namespace courtcast::store::testing {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string fresh_url() = 0;
  // Runs SQL directly; throws std::runtime_error when the database refuses.
  virtual void raw_exec(const std::string& url, const std::string& sql) = 0;
  // Runs one query directly; each row's cells joined by '|'.
  virtual std::vector<std::string> raw_query(const std::string& url, const std::string& sql) = 0;
};

// "sqlite" or "postgresql". The PostgreSQL server is the ctest fixture's
// (COURTCAST_TEST_PG_STATE names its state file) or, when the suite runs on
// its own, one this process starts on first use and stops at exit.
std::unique_ptr<Backend> make_backend(const std::string& name);

}  // namespace courtcast::store::testing
