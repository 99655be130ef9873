#pragma once
// GET /metrics: the server's figures for Prometheus (text format 0.0.4).
// Collection reads what the API already shows (stream, destination,
// recorder and program snapshots) and relaxed atomic counters; it takes
// each registry's lock only as long as the API does, and never waits for
// an event loop. Nothing in a label is a secret or a camera's address:
// streams, destinations and programs are named, never their URLs, keys or
// publishers.

#include <array>
#include <atomic>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/connection_admission.hpp"
#include "live/hub.hpp"
#include "program/registry.hpp"
#include "record/service.hpp"
#include "relay/relay.hpp"

namespace courtcast::http {

class Auth;
struct Route;

// Requests by route pattern (the route table's rows, plus the media and
// page paths outside /api) and status, and their latency. A route is a
// pattern, never the raw path, so the number of series stays bounded.
class HttpMetrics {
 public:
  // The upper bounds of the latency histogram, in seconds.
  static constexpr std::array<double, 13> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  HttpMetrics();

  // The slot of a request: its row of the route table when it has one.
  std::size_t slot(boost::beast::http::verb method, std::string_view path, const Route* row) const;
  // A request answered (or a stream started) with `status` after `elapsed`.
  void count(std::size_t slot, unsigned status, std::chrono::steady_clock::duration elapsed);

  // (method, route pattern) of a slot.
  std::pair<std::string_view, std::string_view> slot_name(std::size_t slot) const;
  std::size_t slots() const { return slots_.size(); }
  std::uint64_t requests(std::size_t slot, unsigned status) const;

 private:
  friend class MetricsEndpoint;
  struct Slot {
    std::array<std::atomic<std::uint64_t>, 500> by_status{};            // 100..599
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};  // not cumulative
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::vector<std::unique_ptr<Slot>> slots_;
};

// [metrics] in the config.
struct MetricsAccess {
  bool enabled = true;
  // Peers on the loopback interface may read without the token. Turn off
  // when a proxy on the same host forwards the public's requests.
  bool allow_loopback = true;
  // When set, `Authorization: Bearer TOKEN` lets any address read.
  std::string token;
};

struct MetricsSources {
  live::Hub& hub;
  relay::Relay* relay = nullptr;
  program::ProgramRegistry* programs = nullptr;
  record::RecordingService* recording = nullptr;
  std::filesystem::path data_dir = {};  // for the free disk space
  Auth* auth = nullptr;                 // login failures
  HttpMetrics* http = nullptr;
};

class MetricsEndpoint {
 public:
  MetricsEndpoint(MetricsSources sources, MetricsAccess access);
  // A server's connections, open and refused, as `protocol` ("rtmp",
  // "http"). Before the first collect(): the servers are made after this.
  void add_connections(std::string protocol, const base::ConnectionAdmission& admission);

  // 200 when `peer` (the socket's, never a forwarded header) and
  // `authorization` may read, else 401 (a token is configured) or 403, or
  // 404 when metrics are off.
  boost::beast::http::status admit(const std::string& peer, std::string_view authorization) const;
  // The exposition.
  std::string collect() const;

 private:
  MetricsSources sources_;
  MetricsAccess access_;
  std::vector<std::pair<std::string, const base::ConnectionAdmission*>> connections_;
  std::int64_t start_time_s_ = 0;
};

}  // namespace courtcast::http
