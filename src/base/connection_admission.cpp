#include "base/connection_admission.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "base/address_block.hpp"
#include "base/burst_log.hpp"
#include "base/saturating.hpp"

namespace courtcast::base {

struct ConnectionAdmission::Counts {
  std::mutex mutex;  // guards the two counts below
  std::size_t open = 0;
  std::unordered_map<boost::asio::ip::address, std::size_t> per_address;
  std::atomic<std::uint64_t> refused_total{0}, refused_per_address{0};
  BurstLog refused_log;

  void release(const std::optional<boost::asio::ip::address>& address) {
    std::lock_guard lock(mutex);
    --open;
    if (!address) return;
    if (auto it = per_address.find(*address); it != per_address.end() && --it->second == 0)
      per_address.erase(it);
  }
};

ConnectionAdmission::Slot::~Slot() {
  if (counts_) counts_->release(address_);
}

ConnectionAdmission::Slot& ConnectionAdmission::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (counts_) counts_->release(address_);
    counts_ = std::move(other.counts_);
    address_ = std::move(other.address_);
  }
  return *this;
}

ConnectionAdmission::ConnectionAdmission(Limits limits)
    : limits_(limits), counts_(std::make_shared<Counts>()) {}

std::variant<ConnectionAdmission::Slot, ConnectionAdmission::Refusal> ConnectionAdmission::admit(
    const boost::asio::ip::address& peer, bool exempt) {
  const bool per_address = !exempt && limits_.per_address > 0;
  const auto block = per_address ? address_block(peer) : peer;  // outside the lock
  bool total_full = false;
  {
    std::lock_guard lock(counts_->mutex);
    total_full = counts_->open >= limits_.total;
    if (!total_full && !per_address) {
      ++counts_->open;
      return Slot(counts_, std::nullopt);
    }
    if (!total_full) {
      // On a refusal the peer held per_address (> 0) already: [] added nothing.
      auto& from_peer = counts_->per_address[block];
      if (from_peer < limits_.per_address) {
        ++from_peer;
        ++counts_->open;
        return Slot(counts_, block);
      }
    }
  }
  Refusal r;
  r.per_address = !total_full;
  r.total =
      saturating_increment(total_full ? counts_->refused_total : counts_->refused_per_address);
  r.reason = total_full
                 ? "max_connections (" + std::to_string(limits_.total) + ")"
                 : "max_connections_per_address (" + std::to_string(limits_.per_address) + ")";
  r.log = counts_->refused_log.due(std::chrono::steady_clock::now());
  return r;
}

std::size_t ConnectionAdmission::open() const {
  std::lock_guard lock(counts_->mutex);
  return counts_->open;
}

std::uint64_t ConnectionAdmission::refused_total() const {
  return counts_->refused_total.load(std::memory_order_relaxed);
}

std::uint64_t ConnectionAdmission::refused_per_address() const {
  return counts_->refused_per_address.load(std::memory_order_relaxed);
}

}  // namespace courtcast::base
