#include "base/address_block.hpp"

namespace courtcast::base {

namespace ip = boost::asio::ip;

ip::address plain_address(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

ip::address address_block(const ip::address& raw) {
  const ip::address a = plain_address(raw);
  if (a.is_v4()) return a;
  auto bytes = a.to_v6().to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return ip::address_v6(bytes);
}

std::string address_block(std::string_view address) {
  boost::system::error_code ec;
  const auto a = ip::make_address(std::string(address), ec);
  return ec ? std::string(address) : address_block(a).to_string();
}

}  // namespace courtcast::base
