// The ctest fixture around the PostgreSQL run: `start STATE` starts a
// cluster and writes its directory and port to STATE; `stop STATE` stops it
// and removes everything. Tests find the server through STATE.

#include <cstdio>
#include <fstream>
#include <string>

#include "postgres_server.hpp"

using courtcast::store::testing::PostgresServer;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s start|stop STATE_FILE\n", argv[0]);
    return 2;
  }
  const std::string command = argv[1];
  const std::string state = argv[2];
  try {
    if (command == "start") {
      const PostgresServer server = courtcast::store::testing::start_postgres();
      std::ofstream(state) << server.dir << "\n" << server.port << "\n";
      std::printf("PostgreSQL on 127.0.0.1:%d in %s\n", server.port, server.dir.c_str());
      return 0;
    }
    if (command == "stop") {
      PostgresServer server;
      std::ifstream in(state);
      if (!(in >> server.dir >> server.port)) return 0;  // never started
      courtcast::store::testing::stop_postgres(server);
      std::remove(state.c_str());
      return 0;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "unknown command %s\n", command.c_str());
  return 2;
}
