// SQLite behind the Database interface. One connection per Database, used
// by one transaction at a time (a mutex), so a Database can be shared by
// every thread; other processes' writers are waited for (busy timeout) and a
// transaction that still finds the database busy is retried.

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/backends.hpp"

namespace courtcast::store {

namespace {

constexpr int kBusyTimeoutMs = 10'000;
constexpr int kAttempts = 5;
// SQLite's own auto-checkpoint threshold, kept, for the checkpointer's
// thread; the writer checkpoints itself only past eight times that (4 KiB
// pages: a WAL of 32 MiB at most while writes never pause).
constexpr int kCheckpointPages = 1'000;
constexpr int kInlineCheckpointPages = 8'000;

// Checkpoints off the writers' path. SQLite's own auto-checkpoint runs in the
// COMMIT that takes the WAL past 1,000 pages: that commit copies the pages
// into the database file and fsyncs it while holding the one connection, so
// it and every write queued behind it (a whole group commit batch) wait —
// the slowest step marks. Here a commit only notes the WAL's length; a
// thread of its own, on its own connection, checkpoints PASSIVE (it never
// blocks a writer or a reader) once the WAL has grown past kCheckpointPages.
class Checkpointer {
 public:
  explicit Checkpointer(std::string path) : path_(std::move(path)), thread_([this] { run(); }) {}
  ~Checkpointer() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  // sqlite3_wal_hook's callback: after each commit, with the WAL's pages.
  static int on_commit(void* self, sqlite3* db, const char* name, int pages) {
    // The WAL starts over only at a write that finds every page of it
    // checkpointed, which commits made while the thread checkpoints can
    // keep from ever happening under a steady load: past this length the
    // writer finishes the job itself, as SQLite would (mostly done already,
    // so it costs the fsync), and the WAL starts over.
    if (pages >= kInlineCheckpointPages) {
      sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      return SQLITE_OK;
    }
    auto* c = static_cast<Checkpointer*>(self);
    // Pages since the thread's last checkpoint (fewer than then: the WAL
    // started over), so that it does not fsync again for every commit.
    const int done = c->checkpointed_.load(std::memory_order_relaxed);
    const int since = pages >= done ? pages - done : pages;
    if (since >= kCheckpointPages) {
      {
        std::lock_guard lock(c->mutex_);
        c->due_ = true;
      }
      c->wake_.notify_one();
    }
    return SQLITE_OK;
  }

 private:
  void run() {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      sqlite3_close_v2(db);
      db = nullptr;  // then the WAL is checkpointed when the server closes it
    }
    if (db) sqlite3_busy_timeout(db, kBusyTimeoutMs);
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return due_ || stop_; });
      if (stop_) break;
      due_ = false;
      lock.unlock();
      if (db) {
        // A connection learns that the database is in WAL mode by reading
        // it; until then a checkpoint does nothing.
        sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
        int wal_pages = 0;
        sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_pages, nullptr);
        checkpointed_.store(std::max(wal_pages, 0), std::memory_order_relaxed);
      }
      lock.lock();
    }
    lock.unlock();
    sqlite3_close_v2(db);
  }

  const std::string path_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stop_ = false;
  std::atomic<int> checkpointed_{0};  // the WAL's pages at the last checkpoint
  std::thread thread_;                // last: started once the members above exist
};

class SqliteDatabase;

class SqliteTx final : public SqlTx {
 public:
  explicit SqliteTx(SqliteDatabase& db) : db_(db) {}
  void query_each(std::string_view sql, std::span<const Param> params, const RowFn& fn) override;
  void exec(std::string_view sql, std::span<const Param> params) override {
    query_each(sql, params, [](const Row&) {});
  }
  void exec_script(std::string_view sql) override;
  // BEGIN IMMEDIATE already holds the database's write lock until commit.
  std::string_view for_update() const override { return ""; }
  std::string_view dialect() const override { return "sqlite"; }
  void lock(std::string_view) override {}

 private:
  SqliteDatabase& db_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override {
    sqlite3_wal_hook(db_, nullptr, nullptr);
    checkpointer_.reset();
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  // Commits stop checkpointing; `path`'s own thread does it (Checkpointer).
  void checkpoint_apart(const std::string& path) {
    checkpointer_ = std::make_unique<Checkpointer>(path);
    sqlite3_wal_hook(db_, &Checkpointer::on_commit, checkpointer_.get());
  }

  std::string_view backend() const override { return "sqlite"; }

  Result<void> transact(TxMode mode, const std::function<Result<void>(SqlTx&)>& fn) override {
    std::lock_guard lock(mutex_);
    for (int attempt = 1;; ++attempt) {
      try {
        exec_raw(mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN");
        SqliteTx tx(*this);
        Result<void> r = fn(tx);
        if (!r) {
          rollback();
          return r;
        }
        exec_raw("COMMIT");
        return {};
      } catch (const DbError& e) {
        rollback();
        if (e.kind == DbError::Kind::retry && attempt < kAttempts) continue;
        return fail(e.kind == DbError::Kind::conflict ? ErrorKind::conflict : ErrorKind::database,
                    e.kind == DbError::Kind::conflict ? "conflict" : "database", e.what());
      } catch (const std::exception& e) {
        rollback();
        return fail(ErrorKind::database, "database", e.what());
      }
    }
  }

  [[noreturn]] void raise(int rc, std::string_view context) const {
    const int extended = sqlite3_extended_errcode(db_);
    std::string message = "sqlite: " + std::string(sqlite3_errmsg(db_)) + " (" +
                          std::string(context.substr(0, 80)) + ")";
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) throw DbError(DbError::Kind::retry, message);
    if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
      throw DbError(DbError::Kind::conflict, message);
    }
    throw DbError(DbError::Kind::other, message);
  }

  void exec_raw(std::string_view sql) {
    const std::string text(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) raise(rc, sql);
  }

  // Statements are prepared once and kept: the same few dozen run all day.
  sqlite3_stmt* statement(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) raise(rc, sql);
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

 private:
  void rollback() {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  sqlite3* db_;
  std::mutex mutex_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

// Numbers are written here rather than by sqlite3_column_text, whose printf
// was most of the time of reading a campaign's 100,000 steps; and a double
// comes out shortest and exact, as PostgreSQL gives it, not in 15 digits.
template <typename T>
void set_number(Row& row, std::size_t i, T v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  row.set(i, std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

// Leaves the statement reusable whatever happens while it runs.
struct ResetOnExit {
  sqlite3_stmt* stmt;
  ~ResetOnExit() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

void SqliteTx::query_each(std::string_view sql, std::span<const Param> params, const RowFn& fn) {
  sqlite3_stmt* stmt = db_.statement(sql);
  ResetOnExit guard{stmt};
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string name = "$" + std::to_string(i + 1);
    const int index = sqlite3_bind_parameter_index(stmt, name.c_str());
    if (index == 0) continue;
    int rc = SQLITE_OK;
    if (const auto* v = std::get_if<std::int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(stmt, index, *v);
    } else if (const auto* d = std::get_if<double>(&params[i])) {
      rc = sqlite3_bind_double(stmt, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&params[i])) {
      rc = sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
    } else {
      rc = sqlite3_bind_null(stmt, index);
    }
    if (rc != SQLITE_OK) db_.raise(rc, sql);
  }
  const auto columns = static_cast<std::size_t>(sqlite3_column_count(stmt));
  Row row(columns);
  for (;;) {
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) db_.raise(rc, sql);
    for (std::size_t i = 0; i < columns; ++i) {
      const int c = static_cast<int>(i);
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL:
          row.set_null(i);
          break;
        case SQLITE_INTEGER:
          set_number(row, i, sqlite3_column_int64(stmt, c));
          break;
        case SQLITE_FLOAT:
          set_number(row, i, sqlite3_column_double(stmt, c));
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.set(i,
                  std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
    }
    fn(row);
  }
}

void SqliteTx::exec_script(std::string_view sql) {
  db_.exec_raw(sql);
}

}  // namespace

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path) {
  if (path.empty()) {
    return fail(ErrorKind::invalid, "invalid_input",
                "database url: give a file after 'sqlite:', e.g. sqlite:var/courtcast.db");
  }
  const std::filesystem::path file(path);
  std::error_code ec;
  if (path != ":memory:" && file.has_parent_path()) {
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) {
      return fail(ErrorKind::database, "database",
                  "cannot create the directory of " + path + ": " + ec.message());
    }
  }
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    return fail(ErrorKind::database, "database", "cannot open " + path + ": " + message);
  }
  auto db = std::make_unique<SqliteDatabase>(raw);
  try {
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    // WAL lets readers run while one writer commits. NORMAL sync in WAL mode
    // never corrupts the database; a power cut can lose the last commits.
    db->exec_raw("PRAGMA journal_mode = WAL");
    db->exec_raw("PRAGMA synchronous = NORMAL");
    db->exec_raw("PRAGMA foreign_keys = ON");
    // What is deleted or overwritten is zeroed in the file, not left in free
    // space: a stream key stored in plain text before it was sealed, a
    // logged-out session's hash, must not stay readable in the file.
    db->exec_raw("PRAGMA secure_delete = ON");
    if (path != ":memory:") db->checkpoint_apart(path);
  } catch (const DbError& e) {
    return fail(ErrorKind::database, "database", e.what());
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace courtcast::store

namespace courtcast::store {

Result<void> copy_sqlite(const std::string& from, const std::string& to) {
  sqlite3* src = nullptr;
  sqlite3* dst = nullptr;
  auto close_both = [&] {
    sqlite3_close_v2(src);
    sqlite3_close_v2(dst);
  };
  if (sqlite3_open_v2(from.c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string message = src ? sqlite3_errmsg(src) : "out of memory";
    close_both();
    return fail(ErrorKind::database, "database", "cannot open " + from + ": " + message);
  }
  if (sqlite3_open_v2(to.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = dst ? sqlite3_errmsg(dst) : "out of memory";
    close_both();
    return fail(ErrorKind::database, "database", "cannot open " + to + ": " + message);
  }
  sqlite3_busy_timeout(src, kBusyTimeoutMs);
  sqlite3_busy_timeout(dst, kBusyTimeoutMs);
  sqlite3_backup* backup = sqlite3_backup_init(dst, "main", src, "main");
  if (!backup) {
    std::string message = sqlite3_errmsg(dst);
    close_both();
    return fail(ErrorKind::database, "database", "cannot copy " + from + ": " + message);
  }
  // All pages in one step: one consistent snapshot of the source, which
  // a running server's writers wait for (a small database takes
  // milliseconds). Busy and locked are retried after SQLite's own wait.
  int rc;
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  const std::string message = sqlite3_errmsg(dst);
  close_both();
  if (rc != SQLITE_DONE)
    return fail(ErrorKind::database, "database",
                "copying " + from + " to " + to + " failed: " + message);
  return {};
}

}  // namespace courtcast::store
