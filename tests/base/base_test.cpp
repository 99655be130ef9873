#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "base/address_block.hpp"
#include "base/burst_log.hpp"
#include "base/clock.hpp"
#include "base/codes.hpp"
#include "base/connection_admission.hpp"
#include "base/file.hpp"
#include "base/hex.hpp"
#include "base/result.hpp"
#include "base/saturating.hpp"
#include "base/secret.hpp"
#include "base/text.hpp"

namespace courtcast::base {
namespace {

namespace fs = std::filesystem;

TEST(Hex, bytes_become_lowercase_pairs) {
  const std::uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
  EXPECT_EQ(to_hex(bytes), "000fa5ff");
  EXPECT_EQ(to_hex(std::string_view("AZ")), "415a");
  EXPECT_EQ(to_hex(std::span<const std::uint8_t>{}), "");
}

TEST(Hex, from_hex_reads_either_case_and_refuses_odd_or_foreign_text) {
  EXPECT_EQ(from_hex("00fFa5"), (std::vector<std::uint8_t>{0x00, 0xff, 0xa5}));
  EXPECT_EQ(from_hex(""), std::vector<std::uint8_t>{});
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("zz"));
}

TEST(Secret, sha256_hex_matches_the_published_vectors) {
  EXPECT_EQ(sha256_hex(std::string_view("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string_view("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::vector<std::uint8_t> abc = {'a', 'b', 'c'};
  EXPECT_EQ(sha256_hex(abc), sha256_hex(std::string_view("abc")));
}

TEST(Secret, random_hex_has_twice_the_bytes_in_hex_and_does_not_repeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string t = random_hex(16);
    ASSERT_EQ(t.size(), 32u);
    EXPECT_TRUE(from_hex(t));
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Secret, same_secret_is_equality) {
  EXPECT_TRUE(same_secret("k3y", "k3y"));
  EXPECT_TRUE(same_secret("", ""));
  EXPECT_FALSE(same_secret("k3y", "k3Y"));
  EXPECT_FALSE(same_secret("k3y", "k3y "));
}

TEST(BurstLog, logs_the_first_lines_of_each_ten_seconds_and_no_more) {
  using std::chrono::milliseconds;
  const auto t0 = std::chrono::steady_clock::now();
  BurstLog one;
  EXPECT_TRUE(one.due(t0));
  EXPECT_FALSE(one.due(t0 + milliseconds(1)));
  EXPECT_FALSE(one.due(t0 + milliseconds(9'999)));
  EXPECT_TRUE(one.due(t0 + milliseconds(10'000)));
  BurstLog ten(10);
  int logged = 0;
  for (int i = 0; i < 1000; ++i) logged += ten.due(t0 + milliseconds(i)) ? 1 : 0;
  EXPECT_EQ(logged, 10);
  for (int i = 0; i < 1000; ++i) logged += ten.due(t0 + milliseconds(10'000 + i)) ? 1 : 0;
  EXPECT_EQ(logged, 20) << "a new window, ten more";
}

TEST(AddressBlock, ipv4_counts_alone_ipv6_by_its_64_and_a_mapped_ipv4_as_ipv4) {
  using boost::asio::ip::make_address;
  EXPECT_EQ(address_block(make_address("192.0.2.7")), make_address("192.0.2.7"));
  EXPECT_EQ(address_block(make_address("::ffff:192.0.2.7")), make_address("192.0.2.7"));
  EXPECT_EQ(address_block(make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            make_address("2001:db8:1:2::"));
  EXPECT_EQ(address_block("2001:db8:1:2::99"), "2001:db8:1:2::");
  EXPECT_NE(address_block("2001:db8:1:3::99"), address_block("2001:db8:1:2::99"));
  EXPECT_EQ(address_block("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(address_block("unknown"), "unknown") << "not an address: its own block";
  EXPECT_EQ(plain_address(make_address("::ffff:10.1.2.3")), make_address("10.1.2.3"));
  EXPECT_EQ(plain_address(make_address("2001:db8::1")), make_address("2001:db8::1"));
}

TEST(ConnectionAdmission, caps_the_total_and_each_address_and_gives_places_back) {
  using Admission = ConnectionAdmission;
  const auto a = boost::asio::ip::make_address("192.0.2.1");
  const auto b = boost::asio::ip::make_address("2001:db8::1");
  Admission admission({.total = 4, .per_address = 2});
  std::vector<Admission::Slot> held;
  auto take = [&](const boost::asio::ip::address& peer, bool exempt) -> std::string {
    auto r = admission.admit(peer, exempt);
    if (auto* slot = std::get_if<Admission::Slot>(&r)) {
      held.push_back(std::move(*slot));
      return "in";
    }
    return std::get<Admission::Refusal>(r).reason;
  };
  EXPECT_EQ(take(a, false), "in");
  EXPECT_EQ(take(a, false), "in");
  EXPECT_EQ(take(a, false), "max_connections_per_address (2)");
  EXPECT_EQ(take(a, true), "in") << "exempt: a proxy is capped by the total only";
  EXPECT_EQ(take(b, false), "in");
  EXPECT_EQ(take(b, false), "max_connections (4)");
  EXPECT_EQ(admission.open(), 4u);
  EXPECT_EQ(admission.refused_per_address(), 1u);
  EXPECT_EQ(admission.refused_total(), 1u);

  held.erase(held.begin());  // one of a's counted connections ends
  EXPECT_EQ(admission.open(), 3u);
  EXPECT_EQ(take(a, false), "in") << "its place under the address's cap is free again";
  EXPECT_EQ(take(a, false), "max_connections (4)");
  held.clear();
  EXPECT_EQ(admission.open(), 0u);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(take(a, false), "in");

  // One IPv6 host may take any address of its /64: they count as one.
  Admission v6({.total = 100, .per_address = 2});
  std::vector<Admission::Slot> phone;
  for (const char* a : {"2001:db8:7:7::1", "2001:db8:7:7::2"})
    phone.push_back(std::get<Admission::Slot>(v6.admit(boost::asio::ip::make_address(a), false)));
  EXPECT_TRUE(std::holds_alternative<Admission::Refusal>(
      v6.admit(boost::asio::ip::make_address("2001:db8:7:7:ffff::3"), false)));
  EXPECT_TRUE(std::holds_alternative<Admission::Slot>(
      v6.admit(boost::asio::ip::make_address("2001:db8:7:8::1"), false)));

  Admission uncapped({.total = 3, .per_address = 0});
  std::vector<Admission::Slot> kept;
  for (int i = 0; i < 3; ++i) kept.push_back(std::get<Admission::Slot>(uncapped.admit(a, false)));
  EXPECT_TRUE(std::holds_alternative<Admission::Refusal>(uncapped.admit(a, false)));
}

TEST(ConnectionAdmission, refusals_are_logged_a_burst_at_a_time_and_all_counted) {
  ConnectionAdmission admission({.total = 0, .per_address = 1});
  const auto peer = boost::asio::ip::make_address("192.0.2.7");
  int logged = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = std::get<ConnectionAdmission::Refusal>(admission.admit(peer, false));
    logged += r.log ? 1 : 0;
    EXPECT_EQ(r.total, static_cast<std::uint64_t>(i + 1));
    EXPECT_FALSE(r.per_address);
  }
  EXPECT_EQ(logged, 1);
}

TEST(ConnectionAdmission, threads_taking_and_giving_back_places_leave_the_counts_exact) {
  // Listeners admit on their threads while connections end on the workers'.
  ConnectionAdmission admission({.total = 64, .per_address = 8});
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      const auto peer = boost::asio::ip::make_address("192.0.2." + std::to_string(t % 2 + 1));
      std::vector<ConnectionAdmission::Slot> held;
      for (int i = 0; i < 5'000; ++i) {
        auto r = admission.admit(peer, t == 3);
        if (auto* slot = std::get_if<ConnectionAdmission::Slot>(&r)) {
          held.push_back(std::move(*slot));
          admitted.fetch_add(1, std::memory_order_relaxed);
        }
        if (held.size() > 6 || (i % 7 == 0 && !held.empty())) held.erase(held.begin());
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(admission.open(), 0u);
  // Each attempt was let in or refused for its address (two threads share
  // one: 8 places for up to 14 wanted); never for the total (at most 28).
  EXPECT_EQ(static_cast<std::uint64_t>(admitted.load()) + admission.refused_per_address(),
            4u * 5'000u);
  EXPECT_EQ(admission.refused_total(), 0u);
}

TEST(ConnectionAdmission, a_slot_outlives_its_admission) {
  std::optional<ConnectionAdmission::Slot> slot;
  {
    ConnectionAdmission admission({.total = 1, .per_address = 1});
    slot.emplace(std::get<ConnectionAdmission::Slot>(
        admission.admit(boost::asio::ip::make_address("192.0.2.9"), false)));
  }
  slot.reset();  // gives its place back to counts the admission no longer owns alone
}

TEST(Clock, utc_now_ms_is_milliseconds_since_1970) {
  const std::int64_t now = utc_now_ms();
  EXPECT_GT(now, 1'700'000'000'000);  // after November 2023
  EXPECT_LT(now, 4'102'444'800'000);  // before 2100
}

TEST(Clock, format_utc_ms_writes_each_format_from_one_instant) {
  const std::int64_t t = 1'722'763'800'250;  // 2024-08-04T09:30:00.250Z
  EXPECT_EQ(format_utc_ms(t), "2024-08-04T09:30:00.250Z");
  EXPECT_EQ(format_utc_ms(t, UtcFormat::iso_seconds), "2024-08-04T09:30:00Z");
  EXPECT_EQ(format_utc_ms(t, UtcFormat::compact), "20240804T093000Z");
  EXPECT_EQ(format_utc_ms(-1), "1969-12-31T23:59:59.999Z");
}

TEST(Clock, parse_utc_ms_reads_zones_fractions_and_plain_milliseconds) {
  EXPECT_EQ(parse_utc_ms("2024-08-04T09:30:00.250Z").value(), 1'722'763'800'250);
  EXPECT_EQ(parse_utc_ms("2024-08-04 17:30:00+08:00").value(), 1'722'763'800'000);
  EXPECT_EQ(parse_utc_ms("1722763800250").value(), 1'722'763'800'250);
  EXPECT_EQ(parse_utc_ms(format_utc_ms(1'722'763'800'250)).value(), 1'722'763'800'250);
  EXPECT_FALSE(parse_utc_ms("2024-08-04T09:30:00"));  // no zone: refused, not guessed
  EXPECT_FALSE(parse_utc_ms("yesterday"));
}

TEST(Clock, parse_utc_ms_refuses_what_only_looks_like_a_time) {
  // Too many digits for an int64 is an error, not an exception that ends the
  // request (it did: the export API closed the connection without an answer).
  const auto huge = parse_utc_ms(std::string(30, '9'));
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("too large"), std::string::npos);
  EXPECT_EQ(parse_utc_ms("9223372036854775807").value(), 9'223'372'036'854'775'807);
  for (const char* text : {"2024-08-04T-1:30:00Z", "2024-08-04T09:-5:00Z", "2024-08-04T09:30:nanZ",
                           "2024-08-04T 9:30:00Z", "+2024-08-04T09:30:00Z", "2024-8-04T09:30:00Z",
                           "2024-08-04T09:30:00.Z", "2024-08-04T24:00:00Z", "2024-13-04T09:30:00Z",
                           "2024-08-04T09:30:00+24:00", "2024-08-04T09:30:00+0a:00"})
    EXPECT_FALSE(parse_utc_ms(text)) << text;
  EXPECT_NE(parse_utc_ms("2024-08-04T09:30:00+0800").error().message.find("no time zone"),
            std::string::npos);
  // A fraction of any length rounds to the millisecond.
  EXPECT_EQ(parse_utc_ms("2024-08-04T09:30:00.2496Z").value(), 1'722'763'800'250);
  EXPECT_EQ(parse_utc_ms("2024-08-04T09:30:00.123456789Z").value(), 1'722'763'800'123);
  EXPECT_EQ(parse_utc_ms("2024-08-04T09:30:00.5-08:00").value(), 1'722'792'600'500);
}

enum class Fruit { apple, pear };
constexpr CodeTable<Fruit, 2> kFruits = {{{Fruit::apple, "apple"}, {Fruit::pear, "pear"}}};

TEST(Codes, one_table_writes_reads_and_lists_the_codes) {
  static_assert(code_of(kFruits, Fruit::pear) == "pear");
  EXPECT_EQ(from_code(kFruits, "apple"), Fruit::apple);
  EXPECT_EQ(from_code(kFruits, "Apple"), std::nullopt);
  EXPECT_EQ(codes_list(kFruits), "apple, pear");
  EXPECT_EQ(code_of(kFruits, static_cast<Fruit>(7), "apple"), "apple");
}

TEST(Text, percent_decode_reads_escapes_and_plus) {
  EXPECT_EQ(percent_decode("a%20b+c%2Bd"), "a b c+d");
  EXPECT_EQ(percent_decode("%e6%89%a7"), "\xe6\x89\xa7");
  // A broken escape stays as it was rather than swallowing what follows.
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz1"), "%zz1");
  EXPECT_EQ(percent_decode("%4"), "%4");
}

TEST(Text, query_value_finds_the_named_parameter_only) {
  EXPECT_EQ(query_value("a=1&key=x%2By", "key"), "x+y");
  EXPECT_EQ(query_value("key=first&key=second", "key"), "first");
  EXPECT_EQ(query_value("mykey=1&key=2", "key"), "2");
  EXPECT_EQ(query_value("key=", "key"), "");
  EXPECT_FALSE(query_value("key", "key"));
  EXPECT_FALSE(query_value("a=1&b=2", "key"));
  EXPECT_FALSE(query_value("", "key"));
  EXPECT_EQ(query_value("&&key=v&", "key"), "v");
}

TEST(Text, cookie_value_finds_the_named_cookie_only) {
  EXPECT_EQ(cookie_value("a=1; courtcast_session=abc; b=2", "courtcast_session"), "abc");
  EXPECT_EQ(cookie_value("my_session=1;session=2", "session"), "2");
  EXPECT_EQ(cookie_value("session=first; session=second", "session"), "first");
  EXPECT_EQ(cookie_value("session", "session"), "");
  EXPECT_EQ(cookie_value("", "session"), "");
  EXPECT_EQ(cookie_value(";;  session=v%20;", "session"), "v%20");
}

TEST(Text, path_segments_skips_empty_segments) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(path_segments("/a//b/c/"), (V{"a", "b", "c"}));
  EXPECT_EQ(path_segments("a"), (V{"a"}));
  EXPECT_EQ(path_segments("/"), V{});
  EXPECT_EQ(path_segments(""), V{});
}

TEST(Result, error_carries_its_message_and_value_throws_it) {
  Result<int> ok = 3;
  Result<int> bad = make_error("port: must be 1 to 65535");
  EXPECT_EQ(*ok, 3);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "port: must be 1 to 65535");
  EXPECT_THROW(bad.value(), std::runtime_error);
}

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("courtcast-base-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  fs::path dir_;
};

TEST_F(AtomicFile, replaces_the_content_and_leaves_no_temporary_file) {
  const fs::path f = dir_ / "secret";
  ASSERT_TRUE(write_file_atomically(f, std::string_view("old\n")));
  ASSERT_TRUE(write_file_atomically(f, std::string_view("new\n"), 0600));
  EXPECT_EQ(read(f), "new\n");
  EXPECT_FALSE(fs::exists(dir_ / "secret.tmp"));
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFile, a_missing_directory_is_an_error_naming_the_file) {
  auto r = write_file_atomically(dir_ / "no" / "such", std::string_view("x"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no/such.tmp"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace courtcast::base

namespace courtcast::base {
namespace {

TEST(SaturatingIncrement, counts_up_and_stops_at_the_maximum) {
  std::atomic<std::uint64_t> n{41};
  EXPECT_EQ(saturating_increment(n), 42u);
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  n = kMax - 1;
  EXPECT_EQ(saturating_increment(n), kMax);
  EXPECT_EQ(saturating_increment(n), kMax);
  EXPECT_EQ(n.load(), kMax) << "wrapped to zero";
}

}  // namespace
}  // namespace courtcast::base
