#pragma once
// The set of destinations: add, change, remove, start, stop, and their
// health. Thread-safe; each destination runs on a worker of its own choosing.

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "relay/destination.hpp"

namespace courtcast::relay {

class Relay {
 public:
  Relay(live::Hub& hub, std::vector<asio::any_io_executor> workers, RelayOptions options);
  ~Relay();

  // Called on a worker whenever a destination changes state.
  void set_on_change(Destination::OnChange on_change) { on_change_ = std::move(on_change); }

  // Validates and adds; starts it when enabled. Returns the new id.
  media::Result<std::string> add(DestinationSpec spec);
  media::Result<void> update(const std::string& id, DestinationSpec spec);
  bool remove(const std::string& id);
  bool set_enabled(const std::string& id, bool enabled);

  std::shared_ptr<Destination> find(const std::string& id) const;
  std::vector<std::shared_ptr<Destination>> list() const;
  void stop_all();

 private:
  media::Result<void> validate(const DestinationSpec& spec, const std::string& except_id) const;

  live::Hub& hub_;
  std::vector<asio::any_io_executor> workers_;
  RelayOptions options_;
  Destination::OnChange on_change_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Destination>> destinations_;
  std::uint64_t next_id_ = 1;
};

}  // namespace courtcast::relay
