// PostgreSQL behind the Database interface, on libpq in pipeline mode. A
// small pool of connections lets transactions of different threads run at
// once; rows that are read to be changed are locked with FOR UPDATE, and the
// audit chain with a transaction-scoped advisory lock, so concurrent writers
// queue instead of overwriting each other. Deadlocks, serialisation failures
// and dropped connections are retried.
//
// Round trips: a statement whose rows nobody reads (exec, lock, BEGIN) is
// only queued, and goes to the server with the next statement whose rows are
// needed, or with COMMIT; every statement is prepared once per connection,
// its PREPARE queued the same way. The audit chain's append is one
// statement run on the server (migration 10), queued with COMMIT. A step
// mark is then three round trips instead of eight, and the chain is locked
// only for the server's own time: not for round trips to courtcast, nor for
// the fsync of COMMIT (run() says how the caller still waits for it).

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/backends.hpp"

namespace courtcast::store {

namespace {

constexpr int kAttempts = 5;
constexpr std::size_t kMaxConnections = 8;

// The connection is gone (or in a state no one can trust): drop it, retry
// the transaction on another.
struct BrokenConnection : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A stable 64-bit key for pg_advisory_xact_lock (FNV-1a of the name).
std::int64_t lock_key(std::string_view name) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  return static_cast<std::int64_t>(h);
}

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(const char* message) {
  std::string m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return "postgresql: " + m;
}

// A failed statement as the Database interface reports it.
DbError statement_error(const PGresult* r) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const std::string_view code = state ? state : "";
  const std::string message = trimmed(PQresultErrorMessage(r));
  // 40001 serialisation failure, 40P01 deadlock: the transaction lost a race.
  if (code == "40001" || code == "40P01") return DbError(DbError::Kind::retry, message);
  if (code == "23505") return DbError(DbError::Kind::conflict, message);  // unique violation
  return DbError(DbError::Kind::other, message);
}

// One connection in pipeline mode, with the statements prepared on it: a
// statement is parsed and planned once per connection instead of per call.
class PgConnection {
 public:
  explicit PgConnection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string message = trimmed(PQerrorMessage(conn_));
      PQfinish(conn_);
      throw BrokenConnection(message);
    }
    if (PQenterPipelineMode(conn_) != 1) {
      std::string message = trimmed(PQerrorMessage(conn_));
      PQfinish(conn_);
      throw BrokenConnection(message);
    }
    // Write transactions wait for the disk after COMMIT, not in it
    // (PostgresDatabase::run says why).
    try {
      send_plain("SET synchronous_commit = off");
      sync();
    } catch (...) {
      PQfinish(conn_);
      throw;
    }
  }
  ~PgConnection() { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  bool usable() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }

  // Queues a statement; its result is read by the next sync(), which calls
  // `fn` (when given) with each of its rows.
  void send(std::string_view sql, std::span<const Param> params, const RowFn* fn) {
    const std::string& name = statement(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      if (const auto* v = std::get_if<std::int64_t>(&p)) {
        storage[i] = std::to_string(*v);
      } else if (const auto* d = std::get_if<double>(&p)) {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
        storage[i].assign(buf, ec == std::errc{} ? end : buf);
      } else if (const auto* s = std::get_if<std::string>(&p)) {
        storage[i] = *s;
      } else {
        continue;  // NULL
      }
      values[i] = storage[i].c_str();
    }
    if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(params.size()), values.data(),
                            nullptr, nullptr, 0) != 1) {
      fail_connection();
    }
    pending_.push_back(Pending{fn, {}});
  }

  // A statement without parameters or a prepared plan (BEGIN, COMMIT).
  void send_plain(const char* sql) {
    if (PQsendQueryParams(conn_, sql, 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      fail_connection();
    }
    pending_.push_back(Pending{nullptr, {}});
  }

  // Sends what is queued and reads every result, in order; throws the
  // first statement's error (those after it did not run) once all are read,
  // so the connection is left in step with the server.
  void sync() {
    if (pending_.empty()) return;
    if (PQpipelineSync(conn_) != 1) fail_connection();
    std::vector<Pending> pending;
    pending.swap(pending_);
    std::optional<DbError> first_error;
    std::exception_ptr fn_error;
    for (const Pending& p : pending) {
      PgResult r(PQgetResult(conn_));
      if (!r) fail_connection();
      switch (PQresultStatus(r.get())) {
        case PGRES_COMMAND_OK:
          break;
        case PGRES_TUPLES_OK:
          if (p.fn && !fn_error && !first_error) {
            try {
              each_row(r.get(), *p.fn);
            } catch (...) {
              fn_error = std::current_exception();
            }
          }
          break;
        case PGRES_PIPELINE_ABORTED:  // an earlier statement failed; this one did not run
          if (!p.prepared_sql.empty()) forget(p.prepared_sql);
          break;
        case PGRES_FATAL_ERROR:
          if (PQstatus(conn_) != CONNECTION_OK) fail_connection();
          if (!p.prepared_sql.empty()) forget(p.prepared_sql);
          if (!first_error) first_error = statement_error(r.get());
          break;
        default:
          if (!first_error)
            first_error = DbError(DbError::Kind::other, "postgresql: unexpected result");
          break;
      }
      // Each statement's results end with a null.
      while (PgResult more{PQgetResult(conn_)}) {
        if (PQstatus(conn_) != CONNECTION_OK) fail_connection();
      }
    }
    PgResult end(PQgetResult(conn_));
    if (!end || PQresultStatus(end.get()) != PGRES_PIPELINE_SYNC) fail_connection();
    if (first_error) throw *first_error;
    if (fn_error) std::rethrow_exception(fn_error);
  }

  // Several statements without parameters (migrations, savepoints), out of
  // pipeline mode: libpq runs a script only through the simple protocol.
  void run_script(std::string_view sql) {
    sync();
    if (PQexitPipelineMode(conn_) != 1) fail_connection();
    PgResult r(PQexec(conn_, std::string(sql).c_str()));
    const bool ok = r && PQresultStatus(r.get()) == PGRES_COMMAND_OK;
    std::optional<DbError> error;
    if (!ok) {
      if (!r || PQstatus(conn_) != CONNECTION_OK) fail_connection();
      error = statement_error(r.get());
    }
    if (PQenterPipelineMode(conn_) != 1) fail_connection();
    if (error) throw *error;
  }

  // Forgets what is queued and ends the transaction, if one is open.
  void roll_back() noexcept {
    try {
      try {
        sync();
      } catch (const DbError&) {
      }
      if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;  // none open
      send_plain("ROLLBACK");
      sync();
    } catch (...) {
      broken_ = true;
    }
  }

 private:
  struct Pending {
    const RowFn* fn;
    std::string prepared_sql;  // set for a PREPARE: its statement is forgotten if it fails
  };

  const std::string& statement(std::string_view sql) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return it->second;
    std::string name = "s" + std::to_string(next_name_++);
    if (PQsendPrepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr) != 1) {
      fail_connection();
    }
    pending_.push_back(Pending{nullptr, std::string(sql)});
    return prepared_.emplace(std::string(sql), std::move(name)).first->second;
  }

  void forget(const std::string& sql) { prepared_.erase(sql); }

  static void each_row(const PGresult* r, const RowFn& fn) {
    const int columns = PQnfields(r);
    const int rows = PQntuples(r);
    Row out(static_cast<std::size_t>(columns));
    for (int row = 0; row < rows; ++row) {
      for (int i = 0; i < columns; ++i) {
        const auto col = static_cast<std::size_t>(i);
        if (PQgetisnull(r, row, i)) {
          out.set_null(col);
        } else {
          out.set(col, std::string_view(PQgetvalue(r, row, i),
                                        static_cast<std::size_t>(PQgetlength(r, row, i))));
        }
      }
      fn(out);
    }
  }

  [[noreturn]] void fail_connection() {
    broken_ = true;
    pending_.clear();
    throw BrokenConnection(trimmed(PQerrorMessage(conn_)));
  }

  PGconn* conn_;
  bool broken_ = false;
  std::vector<Pending> pending_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  std::size_t next_name_ = 0;
};

class PgTx final : public SqlTx {
 public:
  explicit PgTx(PgConnection& conn) : conn_(conn) {}

  void query_each(std::string_view sql, std::span<const Param> params, const RowFn& fn) override {
    conn_.send(sql, params, &fn);
    conn_.sync();
  }
  // Queued: it reaches the server with the next statement whose rows are
  // read, or with COMMIT, and its error (if any) is thrown then.
  void exec(std::string_view sql, std::span<const Param> params) override {
    conn_.send(sql, params, nullptr);
  }
  void exec_script(std::string_view sql) override { conn_.run_script(sql); }
  void flush() override { conn_.sync(); }
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
  PgConnection& conn_;
  std::vector<std::int64_t> held_;  // advisory locks taken in this transaction
};

class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(std::string url) : url_(std::move(url)) {}

  std::string_view backend() const override { return "postgresql"; }

  // Opens the first connection now so a wrong URL fails at start-up.
  void connect_first() { release(acquire()); }

  Result<void> transact(TxMode mode, const std::function<Result<void>(SqlTx&)>& fn) override {
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<PgConnection> conn;
      try {
        conn = acquire();
        Result<void> r = run(*conn, mode, fn);
        release(std::move(conn));
        return r;
      } catch (const BrokenConnection& e) {
        if (conn) release(std::move(conn));
        if (attempt < kAttempts) continue;
        return fail(ErrorKind::database, "database", e.what());
      } catch (const DbError& e) {
        if (conn) {
          conn->roll_back();
          release(std::move(conn));
        }
        if (e.kind == DbError::Kind::retry && attempt < kAttempts) continue;
        return fail(e.kind == DbError::Kind::conflict ? ErrorKind::conflict : ErrorKind::database,
                    e.kind == DbError::Kind::conflict ? "conflict" : "database", e.what());
      } catch (const std::exception& e) {
        if (conn) {
          conn->roll_back();
          release(std::move(conn));
        }
        return fail(ErrorKind::database, "database", std::string("postgresql: ") + e.what());
      }
    }
  }

 private:
  static Result<void> run(PgConnection& conn, TxMode mode,
                          const std::function<Result<void>(SqlTx&)>& fn) {
    // Statistics read several tables; one snapshot keeps their numbers consistent.
    conn.send_plain(mode == TxMode::write ? "BEGIN"
                                          : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    PgTx tx(conn);
    Result<void> r = fn(tx);
    if (!r) {
      conn.roll_back();
      return r;
    }
    conn.send_plain("COMMIT");
    if (mode == TxMode::write) {
      // The connection commits without waiting for the WAL to reach the
      // disk (synchronous_commit = off, set when it opened): COMMIT then
      // releases the audit chain's lock at once instead of after an fsync,
      // so the next writer's append is not held up by ours. The caller is
      // still answered only once our commit is on disk: this one-statement
      // transaction, committed with synchronous_commit on, waits for the WAL
      // to be flushed up to its own commit record, which comes after ours.
      // Concurrent writers' waits share fsyncs; a crash before the flush
      // loses our commit and, WAL being replayed in order, every commit
      // after it: the chain keeps no fork and no gap.
      conn.send_plain("SELECT set_config('synchronous_commit', 'on', true), txid_current()");
    }
    try {
      conn.sync();
    } catch (const BrokenConnection& e) {
      // COMMIT may have been carried out: running the write again could
      // store it twice, so this is not retried.
      throw DbError(
          DbError::Kind::other,
          std::string(e.what()) + " (lost during COMMIT: the write may or may not be stored)");
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

  void release(std::unique_ptr<PgConnection> conn) {
    std::lock_guard lock(mutex_);
    if (!conn->usable()) {
      --open_;
      conn.reset();
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
