#pragma once
// The recording subcommands of the courtcast CLI: `verify`, `export` and
// `keys export`. Each prints for a person and returns the exit status.

#include <iosfwd>
#include <optional>
#include <string>

namespace courtcast::record {

struct KeyChoice {
  std::string key_pem;   // --key: a public key to verify against
  std::string data_dir;  // the server's data_dir, when a config was given
};

// Exit 0 with one summary line per recording when every one is intact;
// 1 naming the first bad place otherwise; 2 for a usage problem.
int verify_command(const std::string& dir, const KeyChoice& key, std::ostream& out,
                   std::ostream& err);

int export_command(const std::string& dir, const std::string& from, const std::string& to,
                   const std::string& out_path, const KeyChoice& key, std::ostream& out,
                   std::ostream& err);

// Prints the public half of the server's recording key (PEM), creating the
// key if the server has not yet started once.
int keys_export_command(const std::string& data_dir, std::ostream& out, std::ostream& err);

}  // namespace courtcast::record
