// PostgreSQL behind the Database interface, through libpqxx 6. A small pool
// of connections lets transactions of different threads run at once; rows
// that are read to be changed are locked with FOR UPDATE, and the audit
// chain with a transaction-scoped advisory lock, so concurrent writers queue
// instead of overwriting each other. Deadlocks, serialisation failures and
// dropped connections are retried.

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <pqxx/pqxx>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/backends.hpp"

namespace courtcast::store {

namespace {

constexpr int kAttempts = 5;
constexpr std::size_t kMaxConnections = 8;

// A stable 64-bit key for pg_advisory_xact_lock (FNV-1a of the name).
std::int64_t lock_key(std::string_view name) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return static_cast<std::int64_t>(h);
}

// A pooled connection with the statements prepared on it: a statement is
// parsed and planned once per connection instead of once per call.
struct PgConnection {
  explicit PgConnection(const std::string& url) : conn(url) {}
  pqxx::connection conn;
  std::unordered_map<std::string, std::string> prepared;  // SQL -> statement name

  const std::string& statement(std::string_view sql) {
    auto it = prepared.find(std::string(sql));
    if (it != prepared.end()) return it->second;
    std::string name = "s" + std::to_string(prepared.size());
    conn.prepare(name, std::string(sql));
    return prepared.emplace(std::string(sql), std::move(name)).first->second;
  }
};

class PgTx final : public SqlTx {
 public:
  PgTx(pqxx::transaction_base& tx, PgConnection& conn) : tx_(tx), conn_(conn) {}

  void query_each(std::string_view sql, std::span<const Param> params, const RowFn& fn) override {
    // libpq takes text parameters; NULL is a null pointer.
    std::vector<std::string> storage;
    storage.reserve(params.size());
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) {
      if (const auto* v = std::get_if<std::int64_t>(&p)) {
        storage.push_back(std::to_string(*v));
      } else if (const auto* d = std::get_if<double>(&p)) {
        storage.push_back(pqxx::to_string(*d));
      } else if (const auto* s = std::get_if<std::string>(&p)) {
        storage.push_back(*s);
      } else {
        storage.emplace_back();
        values.push_back(nullptr);
        continue;
      }
      values.push_back(nullptr);  // pointed at below, once storage stops moving
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!std::holds_alternative<std::nullptr_t>(params[i])) values[i] = storage[i].c_str();
    }
    pqxx::result r;
    // Told apart here, not only by transact, so that a batch of group
    // commit (group_commit.cpp) can undo one item and retry the whole.
    try {
      r = tx_.exec_prepared(conn_.statement(sql), pqxx::prepare::make_dynamic_params(values));
    } catch (const pqxx::transaction_rollback& e) {  // deadlock, serialisation failure
      throw DbError(DbError::Kind::retry, std::string("postgresql: ") + e.what());
    } catch (const pqxx::unique_violation& e) {
      throw DbError(DbError::Kind::conflict, std::string("postgresql: ") + e.what());
    }
    Row out(static_cast<std::size_t>(r.columns()));
    for (const auto& row : r) {
      std::size_t i = 0;
      for (const auto& field : row) {
        if (field.is_null()) {
          out.set_null(i++);
        } else {
          out.set(i++, std::string_view(field.c_str(), field.size()));
        }
      }
      fn(out);
    }
  }

  void exec(std::string_view sql, std::span<const Param> params) override {
    query_each(sql, params, [](const Row&) {});
  }
  void exec_script(std::string_view sql) override { tx_.exec(std::string(sql)); }
  std::string_view for_update() const override { return " FOR UPDATE"; }
  std::string_view dialect() const override { return "postgresql"; }
  void lock(std::string_view resource) override {
    // Held until commit: asked once (group commit runs many writes in one
    // transaction, each appending to the audit chain).
    const std::int64_t key = lock_key(resource);
    if (std::find(held_.begin(), held_.end(), key) != held_.end()) return;
    const Param param[] = {key};
    exec("SELECT pg_advisory_xact_lock($1)", param);
    held_.push_back(key);
  }

 private:
  pqxx::transaction_base& tx_;
  PgConnection& conn_;
  std::vector<std::int64_t> held_;  // advisory locks taken in this transaction
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(std::string url) : url_(std::move(url)) {}

  std::string_view backend() const override { return "postgresql"; }

  // Opens the first connection now so a wrong URL fails at start-up.
  void connect_first() { release(acquire(), false); }

  Result<void> transact(TxMode mode, const std::function<Result<void>(SqlTx&)>& fn) override {
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<PgConnection> conn;
      bool broken = false;
      try {
        conn = acquire();
        Result<void> r =
            mode == TxMode::write ? run<pqxx::work>(*conn, fn) : run<ReadTx>(*conn, fn);
        release(std::move(conn), false);
        return r;
      } catch (const pqxx::broken_connection& e) {
        broken = true;
        if (conn) release(std::move(conn), true);
        if (attempt < kAttempts) continue;
        return fail(ErrorKind::database, "database", std::string("postgresql: ") + e.what());
      } catch (const pqxx::transaction_rollback& e) {  // deadlock, serialisation failure
        if (conn) release(std::move(conn), broken);
        if (attempt < kAttempts) continue;
        return fail(ErrorKind::database, "database", std::string("postgresql: ") + e.what());
      } catch (const pqxx::unique_violation& e) {
        if (conn) release(std::move(conn), false);
        return fail(ErrorKind::conflict, "conflict", std::string("postgresql: ") + e.what());
      } catch (const DbError& e) {
        if (conn) release(std::move(conn), false);
        if (e.kind == DbError::Kind::retry && attempt < kAttempts) continue;
        return fail(e.kind == DbError::Kind::conflict ? ErrorKind::conflict : ErrorKind::database,
                    e.kind == DbError::Kind::conflict ? "conflict" : "database", e.what());
      } catch (const std::exception& e) {
        if (conn) {
          const bool closed = !conn->conn.is_open();
          release(std::move(conn), closed);
        }
        return fail(ErrorKind::database, "database", std::string("postgresql: ") + e.what());
      }
    }
  }

 private:
  // Statistics read several tables; one snapshot keeps their numbers consistent.
  using ReadTx = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

  template <typename Tx>
  static Result<void> run(PgConnection& conn, const std::function<Result<void>(SqlTx&)>& fn) {
    Tx tx(conn.conn);
    PgTx sql(tx, conn);
    Result<void> r = fn(sql);
    if (r) {
      tx.commit();
    } else {
      tx.abort();
    }
    return r;
  }

  std::unique_ptr<PgConnection> acquire() {
    std::unique_lock lock(mutex_);
    idle_changed_.wait(lock, [&] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    try {
      return std::make_unique<PgConnection>(url_);
    } catch (...) {
      lock.lock();
      --open_;
      idle_changed_.notify_one();
      throw;
    }
  }

  void release(std::unique_ptr<PgConnection> conn, bool broken) {
    std::lock_guard lock(mutex_);
    if (broken || !conn->conn.is_open()) {
      --open_;
    } else {
      idle_.push_back(std::move(conn));
    }
    idle_changed_.notify_one();
  }

  std::string url_;
  std::mutex mutex_;
  std::condition_variable idle_changed_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& url) {
  auto db = std::make_unique<PostgresDatabase>(url);
  try {
    db->connect_first();
  } catch (const std::exception& e) {
    // libpq's message names the host and what failed; the URL may hold a password.
    return fail(ErrorKind::database, "database",
                std::string("cannot connect to PostgreSQL: ") + e.what());
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace courtcast::store
