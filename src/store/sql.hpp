#pragma once
// The small SQL surface both backends provide, so every query and row
// mapping is written once (sql_repository.cpp). Statements use PostgreSQL's
// $1, $2 … placeholders, which SQLite also accepts as named parameters.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/error.hpp"

namespace courtcast::store {

using Param = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

// A result row as text cells, the form both backends can give cheaply;
// NULL is an empty optional.
class Row {
 public:
  explicit Row(std::size_t columns) : cells_(columns) {}  // all NULL
  explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}
  bool is_null(std::size_t i) const { return !cells_.at(i).has_value(); }
  const std::string& text(std::size_t i) const;
  std::int64_t int64(std::size_t i) const;
  double real(std::size_t i) const;
  std::optional<std::int64_t> opt_int64(std::size_t i) const;
  std::optional<std::string> opt_text(std::size_t i) const { return cells_.at(i); }

  // For backends: a Row refilled row after row keeps its strings' storage.
  void set(std::size_t i, std::string_view text) {
    auto& cell = cells_.at(i);
    if (!cell) cell.emplace();
    cell->assign(text);
  }
  void set_null(std::size_t i) { cells_.at(i).reset(); }

 private:
  std::vector<std::optional<std::string>> cells_;
};

using Rows = std::vector<Row>;

// Thrown by backends inside a transaction; `transact` turns it into an Error.
struct DbError : std::runtime_error {
  enum class Kind { conflict, retry, other };
  DbError(Kind k, const std::string& message) : std::runtime_error(message), kind(k) {}
  Kind kind;
};

using RowFn = std::function<void(const Row&)>;

// One open transaction.
class SqlTx {
 public:
  virtual ~SqlTx() = default;
  // Calls `fn` with each row as it is read, in one Row refilled each time:
  // a large result then costs what `fn` keeps of it, not a copy of every
  // cell. `fn` must not use the transaction.
  virtual void query_each(std::string_view sql, std::span<const Param> params, const RowFn& fn) = 0;
  virtual void exec(std::string_view sql, std::span<const Param> params) = 0;
  // Several statements without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  // Runs what `exec` may have queued and throws its error, if any: a
  // backend may send a statement whose rows nobody reads together with the
  // next one (PostgreSQL's pipeline), so its error would come out later.
  virtual void flush() {}
  // Text appended to a SELECT to lock the rows it reads until commit; empty
  // where the whole database is already locked for writing (SQLite).
  virtual std::string_view for_update() const = 0;
  // "sqlite" or "postgresql", for the rare query the two plan too
  // differently to share (the steps of a campaign).
  virtual std::string_view dialect() const = 0;
  // Serialises writers of one named resource (the audit chain) until commit.
  virtual void lock(std::string_view resource) = 0;

  // Every row, kept.
  Rows query(std::string_view sql, std::span<const Param> params);
  Rows query(std::string_view sql, std::initializer_list<Param> params = {}) {
    return query(sql, std::span<const Param>(params.begin(), params.size()));
  }
  void query_each(std::string_view sql, std::initializer_list<Param> params, const RowFn& fn) {
    query_each(sql, std::span<const Param>(params.begin(), params.size()), fn);
  }
  void exec(std::string_view sql, std::initializer_list<Param> params = {}) {
    exec(sql, std::span<const Param>(params.begin(), params.size()));
  }
};

enum class TxMode { read, write };

// A connection to one database.
class Database {
 public:
  virtual ~Database() = default;
  virtual std::string_view backend() const = 0;
  // Whether write transactions that wait at the same time share one commit
  // (group_commit.cpp): then more writers at once make each one cheaper.
  virtual bool groups_writes() const { return false; }
  // Runs `fn` in a transaction: commits when it succeeds, rolls back when it
  // returns an error or throws. Transactions that lost a race (busy,
  // deadlock, serialisation failure) are retried, so concurrent writers
  // wait for each other instead of losing data.
  virtual Result<void> transact(TxMode mode, const std::function<Result<void>(SqlTx&)>& fn) = 0;
};

}  // namespace courtcast::store
