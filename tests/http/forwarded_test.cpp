#include "http/forwarded.hpp"

#include <gtest/gtest.h>

namespace courtcast::http {
namespace {

namespace ip = boost::asio::ip;

TrustedProxies proxies(std::initializer_list<const char*> list) {
  std::vector<AddressRange> ranges;
  for (const char* text : list) {
    auto r = parse_address_range(text);
    EXPECT_TRUE(r) << text;
    ranges.push_back(*r);
  }
  return TrustedProxies(std::move(ranges));
}

ip::address addr(const char* text) {
  return ip::make_address(text);
}

TEST(AddressRange, an_address_alone_is_that_one_address) {
  auto r = parse_address_range("127.0.0.1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->prefix, 32);
  EXPECT_TRUE(r->contains(addr("127.0.0.1")));
  EXPECT_FALSE(r->contains(addr("127.0.0.2")));
}

TEST(AddressRange, a_network_holds_its_addresses_and_no_others) {
  auto r = parse_address_range("10.0.0.0/8");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(addr("10.255.1.2")));
  EXPECT_FALSE(r->contains(addr("11.0.0.1")));
  auto odd = parse_address_range("172.16.0.0/12");
  ASSERT_TRUE(odd);
  EXPECT_TRUE(odd->contains(addr("172.31.255.255")));
  EXPECT_FALSE(odd->contains(addr("172.32.0.0")));
  auto v6 = parse_address_range("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(addr("fd12::1")));
  EXPECT_FALSE(v6->contains(addr("fe80::1")));
  EXPECT_FALSE(v6->contains(addr("10.0.0.1")));
  auto all = parse_address_range("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(addr("203.0.113.9")));
}

TEST(AddressRange, an_ipv4_mapped_peer_is_its_ipv4_address) {
  auto r = parse_address_range("10.0.0.0/8");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->contains(addr("::ffff:10.1.2.3")));
}

TEST(AddressRange, bad_ranges_say_what_is_wrong) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x",
                          "fd00::/129", "not-an-address", "10.0.0/8", "10.0.0.0 /8"})
    EXPECT_FALSE(parse_address_range(bad)) << bad;
  auto r = parse_address_range("10.0.0.0/33");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "'10.0.0.0/33' has a bad prefix length (0 to 32 after the '/')");
  auto host = parse_address_range("10.1.0.0/8");
  ASSERT_FALSE(host);
  EXPECT_NE(host.error().message.find("bits set past its prefix"), std::string::npos);
}

TEST(TrustedProxies, without_any_the_peer_is_the_client_whatever_the_header_says) {
  const TrustedProxies none;
  EXPECT_EQ(none.client_address(addr("127.0.0.1"), "198.51.100.7"), "127.0.0.1");
}

TEST(TrustedProxies, a_peer_not_listed_is_the_client_and_its_header_is_ignored) {
  const auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(p.client_address(addr("203.0.113.9"), "198.51.100.7"), "203.0.113.9");
}

TEST(TrustedProxies, behind_a_listed_proxy_the_rightmost_unlisted_address_is_the_client) {
  const auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "198.51.100.7"), "198.51.100.7");
  // What the client wrote itself stands left of what its first proxy saw.
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "1.2.3.4, 198.51.100.7, 10.0.0.5"), "198.51.100.7");
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), " 198.51.100.7 ,10.0.0.5"), "198.51.100.7");
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "[2001:db8::1]:4711"), "2001:db8::1");
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "198.51.100.7:5555"), "198.51.100.7");
}

TEST(TrustedProxies, a_chain_of_only_proxies_or_no_header_gives_the_last_proxy) {
  const auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), ""), "127.0.0.1");
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "10.0.0.9, 10.0.0.5"), "10.0.0.9");
}

TEST(TrustedProxies, a_malformed_entry_ends_the_walk_at_the_last_good_address) {
  const auto p = proxies({"127.0.0.1", "10.0.0.0/8"});
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "198.51.100.7, garbage"), "127.0.0.1");
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "garbage, 198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(p.client_address(addr("127.0.0.1"), "garbage, 10.0.0.5"), "10.0.0.5");
}

}  // namespace
}  // namespace courtcast::http
