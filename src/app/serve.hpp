#pragma once
// `courtcast serve`: wires the hub, the protocol servers and the policy
// together, runs one event loop per worker thread, stops on SIGINT/SIGTERM.

#include "app/config.hpp"

namespace courtcast::app {

int serve(Config config);

// Sets up the one logger: UTC timestamps, one key=value line per event.
void setup_logging(const std::string& level);

}  // namespace courtcast::app
