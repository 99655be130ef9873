#include "app/kept_destinations.hpp"

#include <spdlog/spdlog.h>
#include "base/log_value.hpp"

namespace courtcast::app {

bool KeptDestinations::restore() {
  auto kept = repository_.list_destinations();
  if (!kept) {
    spdlog::error("event=destinations_restore_failed error=\"{}\"", kept.error().message);
    return false;
  }
  for (const auto& d : *kept) {
    if (from_config_.count(d.name)) continue;  // the config file wins
    relay::DestinationSpec spec;
    spec.name = d.name;
    relay::parse_preset(d.preset, spec.preset);
    spec.server_url = d.server_url;
    spec.stream_key = d.stream_key;
    spec.stream = d.stream;
    spec.enabled = d.enabled;
    if (auto added = relay_.add(std::move(spec)); !added)
      spdlog::error("event=destination_restore_failed destination={} error={}",
                    base::log_value(d.name), base::log_value(added.error().message));
    else
      spdlog::info("event=destination_restored destination={} stream={}", base::log_value(d.name),
                   base::log_value(d.stream));
  }
  return true;
}

void KeptDestinations::save() {
  std::vector<store::StoredDestination> all;
  for (const auto& d : relay_.list()) {
    const auto spec = d->spec();
    if (from_config_.count(spec.name)) continue;
    all.push_back(store::StoredDestination{spec.name, relay::to_string(spec.preset),
                                           spec.server_url, spec.stream_key, spec.stream,
                                           spec.enabled});
  }
  if (auto r = repository_.replace_destinations(all); !r)
    spdlog::error("event=destinations_save_failed error=\"{}\"", r.error().message);
}

}  // namespace courtcast::app
