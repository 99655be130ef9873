#include "backend.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <stdexcept>
#include <vector>

#include "postgres_server.hpp"

namespace courtcast::store::testing {

namespace {

class SqliteBackend final : public Backend {
 public:
  ~SqliteBackend() override {
    std::error_code ec;
    for (const auto& dir : dirs_) std::filesystem::remove_all(dir, ec);
  }
  std::string fresh_url() override {
    char tmpl[] = "/tmp/courtcast-sqlite-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dirs_.emplace_back(tmpl);
    return "sqlite:" + dirs_.back() + "/courtcast.db";
  }
  void raw_exec(const std::string& url, const std::string& sql) override {
    sqlite3* db = nullptr;
    sqlite3_open(url.substr(7).c_str(), &db);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error(message);
  }
  std::vector<std::string> raw_query(const std::string& url, const std::string& sql) override {
    sqlite3* db = nullptr;
    sqlite3_open(url.substr(7).c_str(), &db);
    std::vector<std::string> rows;
    char* err = nullptr;
    const int rc = sqlite3_exec(
        db, sql.c_str(),
        [](void* out, int n, char** cells, char**) {
          std::string row;
          for (int i = 0; i < n; ++i) row += (i ? "|" : "") + std::string(cells[i] ? cells[i] : "");
          static_cast<std::vector<std::string>*>(out)->push_back(std::move(row));
          return 0;
        },
        &rows, &err);
    const std::string message = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    if (rc != SQLITE_OK) throw std::runtime_error(message);
    return rows;
  }

 private:
  std::vector<std::string> dirs_;
};

// The server for this process: the fixture's, or our own.
class ServerHolder {
 public:
  ServerHolder() {
    if (const char* state = std::getenv("COURTCAST_TEST_PG_STATE")) {
      std::ifstream in(state);
      if (!(in >> server_.dir >> server_.port)) {
        throw std::runtime_error(std::string("the PostgreSQL fixture did not start (no ") + state +
                                 ")");
      }
    } else {
      server_ = start_postgres();
      owned_ = true;
    }
  }
  ~ServerHolder() {
    if (owned_) stop_postgres(server_);
  }
  const PostgresServer& server() const { return server_; }

 private:
  PostgresServer server_;
  bool owned_ = false;
};

const PostgresServer& pg_server() {
  static ServerHolder holder;
  return holder.server();
}

class PostgresBackend final : public Backend {
 public:
  std::string fresh_url() override {
    static std::atomic<int> counter{0};
    const std::string name =
        "courtcast_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    return create_database(pg_server(), name);
  }
  void raw_exec(const std::string& url, const std::string& sql) override {
    try {
      pqxx::connection c(url);
      pqxx::work tx(c);
      tx.exec(sql);
      tx.commit();
    } catch (const pqxx::sql_error& e) {
      throw std::runtime_error(e.what());
    }
  }
  std::vector<std::string> raw_query(const std::string& url, const std::string& sql) override {
    try {
      pqxx::connection c(url);
      pqxx::work tx(c);
      std::vector<std::string> rows;
      for (const auto& r : tx.exec(sql)) {
        std::string row;
        for (const auto& f : r) row += (row.empty() ? "" : "|") + std::string(f.c_str());
        rows.push_back(std::move(row));
      }
      tx.commit();
      return rows;
    } catch (const pqxx::sql_error& e) {
      throw std::runtime_error(e.what());
    }
  }
};

}  // namespace

std::unique_ptr<Backend> make_backend(const std::string& name) {
  if (name == "sqlite") return std::make_unique<SqliteBackend>();
  if (name == "postgresql") return std::make_unique<PostgresBackend>();
  throw std::invalid_argument("unknown backend " + name);
}

}  // namespace courtcast::store::testing
