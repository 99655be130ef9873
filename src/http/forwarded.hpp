#pragma once
// The viewer's address behind a reverse proxy ([http] trusted_proxies).
//
// Per-address limits (questions a minute, login lockouts) count the peer of
// the TCP connection. Behind nginx or a CDN every peer is the proxy, so all
// viewers would share one limit; the proxy names the real client in
// X-Forwarded-For. That header is the client's to write too, so it is
// believed only from a peer the court listed as its proxy, and only up to
// the first address from the right that is not a listed proxy: each proxy
// appends the address it received from, so what stands left of that
// address came from the client and may be made up.

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace courtcast::http {

// An address or a network: "10.0.0.0/8", "127.0.0.1" (a /32), "fd00::/8".
struct AddressRange {
  boost::asio::ip::address network;
  int prefix = 0;  // leading bits that must match

  bool contains(const boost::asio::ip::address& a) const;
};

// "ADDRESS" or "ADDRESS/BITS"; the error says what is wrong with `text`.
base::Result<AddressRange> parse_address_range(std::string_view text);

class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts no one: the peer is the client
  explicit TrustedProxies(std::vector<AddressRange> ranges) : ranges_(std::move(ranges)) {}

  bool empty() const { return ranges_.empty(); }
  bool trusts(const boost::asio::ip::address& a) const;

  // The client's address: the peer, unless the peer is a trusted proxy;
  // then the rightmost address of `forwarded_for` (the X-Forwarded-For
  // values joined by commas, in the order they came) that is not a trusted
  // proxy. A malformed entry there ends the walk at the last good address
  // (a proxy would not write one; a client might).
  std::string client_address(const boost::asio::ip::address& peer,
                             std::string_view forwarded_for) const;

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace courtcast::http
