#include "relay/relay.hpp"

#include <functional>

#include "rtmp/client.hpp"

namespace courtcast::relay {

Relay::Relay(live::Hub& hub, std::vector<asio::any_io_executor> workers, RelayOptions options)
    : hub_(hub), workers_(std::move(workers)), options_(std::move(options)) {}

Relay::~Relay() {
  stop_all();
}

media::Result<void> Relay::validate(const DestinationSpec& spec,
                                    const std::string& except_id) const {
  if (spec.name.empty() || spec.name.size() > 64)
    return media::make_error("name: required, at most 64 bytes");
  if (spec.stream.empty()) return media::make_error("stream: required");
  if (spec.stream_key.empty()) return media::make_error("stream_key: required");
  // parse_url's own message quotes the URL, key included: say what is wanted instead.
  if (has_userinfo(spec.server_url))
    return media::make_error(
        "server_url: RTMP has no place for user:password@; give the platform's secret in the "
        "stream key or the query");
  auto url = rtmp::parse_url(spec.full_url());
  if (!url || url->tc_url != spec.server_url)
    return media::make_error("url: want rtmp://HOST[:PORT]/APP/STREAMKEY or rtmps://…");
  for (const auto& [id, d] : destinations_)
    if (id != except_id && d->spec().name == spec.name)
      return media::make_error("name: a destination named '" + spec.name + "' exists already");
  return {};
}

media::Result<std::string> Relay::add(DestinationSpec spec) {
  std::shared_ptr<Destination> d;
  {
    std::lock_guard lock(mutex_);
    if (auto ok = validate(spec, {}); !ok) return ok.error();
    const std::string id = "dst-" + std::to_string(next_id_);
    // Every destination of a stream on one worker: a worker with none of
    // the stream's players or destinations is then sent none of its packets.
    // One loop carries many platforms for a fraction of a core; several
    // streams still spread over the workers.
    const std::size_t worker = std::hash<std::string>{}(spec.stream) % workers_.size();
    ++next_id_;
    d = std::make_shared<Destination>(id, std::move(spec), hub_, worker, workers_[worker], options_,
                                      on_change_);
    destinations_[id] = d;
  }
  if (d->spec().enabled) d->start();
  return d->id();
}

media::Result<void> Relay::update(const std::string& id, DestinationSpec spec) {
  std::shared_ptr<Destination> d;
  {
    std::lock_guard lock(mutex_);
    auto it = destinations_.find(id);
    if (it == destinations_.end()) return media::make_error("no destination '" + id + "'");
    if (auto ok = validate(spec, id); !ok) return ok.error();
    d = it->second;
  }
  const bool enabled = spec.enabled;
  d->update(std::move(spec));
  enabled ? d->start() : d->stop();
  return {};
}

bool Relay::remove(const std::string& id) {
  std::shared_ptr<Destination> d;
  {
    std::lock_guard lock(mutex_);
    auto it = destinations_.find(id);
    if (it == destinations_.end()) return false;
    d = std::move(it->second);
    destinations_.erase(it);
  }
  d->stop();
  return true;
}

bool Relay::set_enabled(const std::string& id, bool enabled) {
  auto d = find(id);
  if (!d) return false;
  auto spec = d->spec();
  if (spec.enabled != enabled) {
    spec.enabled = enabled;
    d->update(spec);
  }
  enabled ? d->start() : d->stop();
  return true;
}

std::shared_ptr<Destination> Relay::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = destinations_.find(id);
  return it == destinations_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Destination>> Relay::list() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Destination>> out;
  for (const auto& [id, d] : destinations_) out.push_back(d);
  return out;
}

void Relay::stop_all() {
  for (auto& d : list()) d->stop();
}

}  // namespace courtcast::relay
