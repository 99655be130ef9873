#pragma once
// Peer addresses as limits count them.
//
// An IPv4-mapped IPv6 address (::ffff:10.1.2.3, a dual-stack socket's view of
// an IPv4 peer) is the IPv4 address it carries. Per-address limits (the
// connection caps, questions a minute, login lockouts) count an IPv6 peer by
// its /64: that is the block a subscriber line or a host is given, and it may
// take any address in it at will (privacy addresses), so counting single IPv6
// addresses would give one phone 2^64 allowances. IPv4 addresses count alone.

#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>

namespace courtcast::base {

// The address itself, or the IPv4 address an IPv4-mapped one carries.
boost::asio::ip::address plain_address(const boost::asio::ip::address& a);

// The address a limit counts `a` under: plain_address(a) for IPv4, its /64
// with the other bits zero for IPv6.
boost::asio::ip::address address_block(const boost::asio::ip::address& a);

// The same for an address as text (ApiRequest::client_address), as text;
// text that is not an address is its own block.
std::string address_block(std::string_view address);

}  // namespace courtcast::base
