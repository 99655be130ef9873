// courtcast: the command line.

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/backup.hpp"
#include "app/config.hpp"
#include "app/court_store.hpp"
#include "app/serve.hpp"
#include "record/commands.hpp"

int main(int argc, char** argv) {
  using namespace courtcast::app;
  CLI::App cli{"courtcast: live broadcasts of court enforcement"};
  cli.require_subcommand(1);

  std::string config_path;
  auto* serve_cmd = cli.add_subcommand("serve", "run the server");
  serve_cmd->add_option("--config", config_path, "TOML configuration file");
  auto* check_cmd = cli.add_subcommand("check-config", "validate a configuration file and exit");
  check_cmd->add_option("config", config_path, "TOML configuration file")->required();

  std::string record_dir, key_pem, from, to, out_path;
  const char* key_help = "public key (PEM) to check against; default the server's";
  auto* verify_cmd =
      cli.add_subcommand("verify", "check a recording: segments, manifest chain, signatures");
  verify_cmd->add_option("dir", record_dir, "data_dir/recordings/SESSION/STREAM, or a folder above")
      ->required();
  verify_cmd->add_option("--key", key_pem, key_help);
  verify_cmd->add_option("--config", config_path, "TOML configuration file (for data_dir)");
  auto* export_cmd = cli.add_subcommand(
      "export", "cut a wall-clock range of a recording into an MP4, without re-encoding");
  export_cmd->add_option("--dir", record_dir, "data_dir/recordings/SESSION/STREAM")->required();
  export_cmd->add_option("--from", from, "start, ISO 8601 (2024-08-04T17:30:00+08:00)")->required();
  export_cmd->add_option("--to", to, "end, ISO 8601")->required();
  export_cmd->add_option("--out", out_path, "the MP4 to write; a .json sidecar goes beside it")
      ->required();
  export_cmd->add_option("--key", key_pem, key_help);
  export_cmd->add_option("--config", config_path, "TOML configuration file (for data_dir)");
  auto* keys_cmd = cli.add_subcommand("keys", "the server's recording key");
  keys_cmd->require_subcommand(1);
  auto* keys_export_cmd = keys_cmd->add_subcommand("export", "print the public key (PEM)");
  keys_export_cmd->add_option("--config", config_path, "TOML configuration file (for data_dir)");

  auto* rotate_cmd = cli.add_subcommand(
      "rotate-store-key",
      "seal the platforms' stream keys in the database with a new data_dir/keys/store.key "
      "(stop the server first)");
  rotate_cmd->add_option("--config", config_path, "TOML configuration file")->required();

  std::string backup_dir;
  auto* backup_cmd = cli.add_subcommand(
      "backup",
      "copy the database (SQLite), keys, cards, emblem, programs' choices and config into a "
      "new folder, and list every recording's manifest hash (the server may run)");
  backup_cmd->add_option("dir", backup_dir, "the folder to write; must not exist or be empty")
      ->required();
  backup_cmd->add_option("--config", config_path, "TOML configuration file")->required();
  auto* restore_cmd = cli.add_subcommand(
      "restore",
      "put a backup's database, keys, cards, emblem and programs' choices back and check "
      "them (stop the server first); a missing --config file is restored from the backup");
  restore_cmd->add_option("dir", backup_dir, "a folder written by courtcast backup")->required();
  restore_cmd->add_option("--config", config_path, "TOML configuration file")->required();

  CLI11_PARSE(cli, argc, argv);
  if (*restore_cmd) return restore_command(config_path, backup_dir, std::cout, std::cerr);

  Config config;
  if (!config_path.empty()) {
    auto loaded = load_config(config_path);
    if (!loaded) {
      std::cerr << "courtcast: " << loaded.error().message << "\n";
      return 2;
    }
    config = std::move(*loaded);
  }
  if (*check_cmd) {
    std::cout << config_path << ": ok\n";
    return 0;
  }
  namespace record = courtcast::record;
  const record::KeyChoice key{key_pem, config_path.empty() ? "" : config.data_dir};
  if (*verify_cmd) return record::verify_command(record_dir, key, std::cout, std::cerr);
  if (*export_cmd)
    return record::export_command(record_dir, from, to, out_path, key, std::cout, std::cerr);
  if (*keys_export_cmd) return record::keys_export_command(config.data_dir, std::cout, std::cerr);
  if (*rotate_cmd) return rotate_store_key_command(config, std::cout, std::cerr);
  if (*backup_cmd) return backup_command(config, config_path, backup_dir, std::cout, std::cerr);
  setup_logging(config.log_level);
  return serve(std::move(config));
}
