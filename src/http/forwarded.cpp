#include "http/forwarded.hpp"

#include <algorithm>
#include <charconv>

#include "base/address_block.hpp"

namespace courtcast::http {

namespace ip = boost::asio::ip;
// An IPv4-mapped IPv6 peer (::ffff:10.1.2.3, from a dual-stack listener) is
// the IPv4 address it carries, so "10.0.0.0/8" covers it.
using base::plain_address;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One X-Forwarded-For entry: an address, "[v6]", "[v6]:port" or "v4:port"
// (some proxies add the port).
bool parse_forwarded(std::string_view text, ip::address& out) {
  text = trim(text);
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return false;
    text = text.substr(1, close - 1);
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    text = text.substr(0, text.find(':'));
  }
  boost::system::error_code ec;
  out = plain_address(ip::make_address(std::string(text), ec));
  return !ec;
}

}  // namespace

bool AddressRange::contains(const ip::address& raw) const {
  const ip::address a = plain_address(raw);
  if (a.is_v4() != network.is_v4()) return false;
  const auto match = [&](const auto& x, const auto& y) {
    int bits = prefix;
    for (std::size_t i = 0; i < x.size() && bits > 0; ++i, bits -= 8) {
      const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
      if ((x[i] & mask) != (y[i] & mask)) return false;
    }
    return true;
  };
  return a.is_v4() ? match(a.to_v4().to_bytes(), network.to_v4().to_bytes())
                   : match(a.to_v6().to_bytes(), network.to_v6().to_bytes());
}

base::Result<AddressRange> parse_address_range(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return base::make_error("'" + std::string(text) + "' " + std::string(why));
  };
  const auto slash = text.find('/');
  boost::system::error_code ec;
  AddressRange r;
  r.network = plain_address(ip::make_address(std::string(text.substr(0, slash)), ec));
  if (ec || text.empty())
    return bad("is not an IP address or network (want e.g. \"127.0.0.1\" or \"10.0.0.0/8\")");
  const int max = r.network.is_v4() ? 32 : 128;
  r.prefix = max;
  if (slash != std::string_view::npos) {
    const std::string_view bits = text.substr(slash + 1);
    const auto [end, err] = std::from_chars(bits.data(), bits.data() + bits.size(), r.prefix);
    if (bits.empty() || err != std::errc() || end != bits.data() + bits.size() || r.prefix < 0 ||
        r.prefix > max)
      return bad("has a bad prefix length (0 to " + std::to_string(max) + " after the '/')");
    // Bits set past the prefix mean the network was mistyped (10.1.0.0/8).
    const auto host_bits_set = [&](const auto& bytes) {
      for (int b = r.prefix; b < max; ++b)
        if ((bytes[b / 8] >> (7 - b % 8)) & 1) return true;
      return false;
    };
    if (r.network.is_v4() ? host_bits_set(r.network.to_v4().to_bytes())
                          : host_bits_set(r.network.to_v6().to_bytes()))
      return bad("has bits set past its prefix length (write the network's first address)");
  }
  return r;
}

bool TrustedProxies::trusts(const ip::address& a) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const AddressRange& r) { return r.contains(a); });
}

std::string TrustedProxies::client_address(const ip::address& peer,
                                           std::string_view forwarded_for) const {
  ip::address client = plain_address(peer);
  if (!trusts(client)) return client.to_string();
  // From the right: each hop appended the address it received from.
  while (!forwarded_for.empty()) {
    const auto comma = forwarded_for.rfind(',');
    const std::string_view entry =
        comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1);
    forwarded_for =
        comma == std::string_view::npos ? std::string_view() : forwarded_for.substr(0, comma);
    if (trim(entry).empty()) continue;
    ip::address next;
    if (!parse_forwarded(entry, next)) break;
    client = next;
    if (!trusts(client)) break;
  }
  return client.to_string();
}

}  // namespace courtcast::http
