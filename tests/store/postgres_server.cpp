#include "postgres_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>

namespace courtcast::store::testing {

namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// As root, run as the postgres user; otherwise as ourselves.
std::string as_cluster_owner(const std::string& command) {
  return ::geteuid() == 0 ? "runuser -u postgres -- " + command : command;
}

void run(const std::string& command, const std::string& log) {
  if (std::system((command + " >>" + log + " 2>&1").c_str()) != 0) {
    throw std::runtime_error("failed: " + command + "\n" + read_file(log));
  }
}

}  // namespace

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/" + database;
}

PostgresServer start_postgres() {
  char tmpl[] = "/tmp/courtcast-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  PostgresServer server{tmpl, 0};
  const std::string log = server.dir + "/setup.log";
  if (::geteuid() == 0) {
    const passwd* pg = ::getpwnam("postgres");
    if (!pg)
      throw std::runtime_error(
          "running as root needs the 'postgres' user (apt install postgresql)");
    if (::chown(server.dir.c_str(), pg->pw_uid, pg->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + server.dir + " to the postgres user");
    }
  }
  run(as_cluster_owner(kBin + "initdb -D " + server.dir + "/data -U postgres --auth=trust " +
                       "-E UTF8 --locale=C"),
      log);
  // A port found free can be taken before the server binds it; try a few.
  for (int attempt = 1;; ++attempt) {
    server.port = free_port();
    const std::string options = "-k " + server.dir + " -p " + std::to_string(server.port) +
                                " -c listen_addresses=127.0.0.1 -c fsync=off";
    const std::string command =
        as_cluster_owner(kBin + "pg_ctl -D " + server.dir + "/data -l " + server.dir +
                         "/server.log -w -t 60 -o \"" + options + "\" start");
    try {
      run(command, log);
      return server;
    } catch (const std::runtime_error&) {
      if (attempt == 3) {
        throw std::runtime_error("PostgreSQL did not start:\n" + read_file(log) +
                                 read_file(server.dir + "/server.log"));
      }
    }
  }
}

void stop_postgres(const PostgresServer& server) {
  if (server.dir.empty()) return;
  const std::string command =
      as_cluster_owner(kBin + "pg_ctl -D " + server.dir + "/data -m fast -w stop");
  std::system((command + " >/dev/null 2>&1").c_str());
  std::error_code ec;
  std::filesystem::remove_all(server.dir, ec);
}

std::string create_database(const PostgresServer& server, const std::string& name) {
  pqxx::connection admin(server.url("postgres"));
  pqxx::nontransaction tx(admin);
  tx.exec("CREATE DATABASE " + tx.quote_name(name));
  return server.url(name);
}

}  // namespace courtcast::store::testing
