#pragma once
// How many connections a server holds, in all and from one peer address,
// and which it turns away: RTMP and HTTP count theirs the same way. A
// listener asks for a Slot when it accepts; the connection keeps the Slot,
// and its place is given back when the Slot goes. A refused connection is
// the caller's to close and log, a burst at a time (burst_log.hpp).

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace courtcast::base {

class ConnectionAdmission {
  struct Counts;

 public:
  struct Limits {
    std::size_t total = 0;
    std::size_t per_address = 0;  // 0: no cap per address
  };

  // A connection's place; movable, given back on destruction.
  class Slot {
   public:
    Slot(Slot&&) noexcept = default;         // the moved-from Slot holds no place
    Slot& operator=(Slot&& other) noexcept;  // gives this one's place back first
    ~Slot();

   private:
    friend class ConnectionAdmission;
    Slot(std::shared_ptr<Counts> counts, std::optional<boost::asio::ip::address> address)
        : counts_(std::move(counts)), address_(std::move(address)) {}
    std::shared_ptr<Counts> counts_;
    std::optional<boost::asio::ip::address> address_;  // its block, when counted per address
  };

  struct Refusal {
    bool per_address = false;  // else: the total cap
    std::uint64_t total = 0;   // refusals of this kind since start-up, this one included
    std::string reason;        // "max_connections (2000)", as the config names the cap
    bool log = false;          // the first of a burst: the caller logs it
  };

  explicit ConnectionAdmission(Limits limits);
  ConnectionAdmission(const ConnectionAdmission&) = delete;
  ConnectionAdmission& operator=(const ConnectionAdmission&) = delete;

  // A place for a connection from `peer`, or why not. The cap per address
  // counts IPv6 peers by their /64 (address_block.hpp). `exempt`: counted in
  // the total only, as a proxy that speaks for many clients. Thread-safe.
  std::variant<Slot, Refusal> admit(const boost::asio::ip::address& peer, bool exempt);

  std::size_t open() const;
  std::uint64_t refused_total() const;        // past Limits::total
  std::uint64_t refused_per_address() const;  // past Limits::per_address

 private:
  Limits limits_;
  std::shared_ptr<Counts> counts_;  // shared with the Slots, which may outlive this
};

}  // namespace courtcast::base
