#pragma once
// Destinations added or changed through the API outlive a restart: after
// each change the relay's set (less the config's own) goes to the store,
// and at start-up it comes back after the config's.

#include <set>
#include <string>

#include "relay/relay.hpp"
#include "store/repository.hpp"

namespace courtcast::app {

class KeptDestinations {
 public:
  // `from_config`: names the config file owns; those are never stored.
  KeptDestinations(relay::Relay& relay, store::Repository& repository,
                   std::set<std::string> from_config)
      : relay_(relay), repository_(repository), from_config_(std::move(from_config)) {}

  // Adds the stored destinations to the relay; false (logged) on a store error.
  bool restore();
  // Stores the relay's API-made destinations as they are now.
  void save();

 private:
  relay::Relay& relay_;
  store::Repository& repository_;
  const std::set<std::string> from_config_;
};

}  // namespace courtcast::app
