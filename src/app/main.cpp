// courtcast: the command line.

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/config.hpp"
#include "app/serve.hpp"

int main(int argc, char** argv) {
  using namespace courtcast::app;
  CLI::App cli{"courtcast: live broadcasts of court enforcement"};
  cli.require_subcommand(1);

  std::string config_path;
  auto* serve_cmd = cli.add_subcommand("serve", "run the server");
  serve_cmd->add_option("--config", config_path, "TOML configuration file");
  auto* check_cmd = cli.add_subcommand("check-config", "validate a configuration file and exit");
  check_cmd->add_option("config", config_path, "TOML configuration file")->required();

  CLI11_PARSE(cli, argc, argv);

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
  setup_logging(config.log_level);
  return serve(std::move(config));
}
