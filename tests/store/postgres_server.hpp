#pragma once
// Starts and stops a throwaway PostgreSQL cluster from Debian's postgresql
// package on a free loopback port, for the PostgreSQL run of the store
// tests. initdb refuses to run as root, so as root the cluster runs as the
// package's `postgres` user in a temp directory it owns.

#include <string>

namespace courtcast::store::testing {

struct PostgresServer {
  std::string dir;  // temp dir holding data, socket and logs
  int port = 0;

  // postgresql://postgres@127.0.0.1:PORT/DB
  std::string url(const std::string& database) const;
};

// Throws std::runtime_error with the tool's log on failure.
PostgresServer start_postgres();
void stop_postgres(const PostgresServer& server);

// A new empty database on the server; returns its URL.
std::string create_database(const PostgresServer& server, const std::string& name);

}  // namespace courtcast::store::testing
