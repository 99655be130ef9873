// EventHub::close_logins: ending a login closes that login's sockets only.

#include "http/events.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

namespace courtcast::http {
namespace {

struct Fixture {
  boost::asio::io_context io;
  EventHub hub;
  std::vector<std::string> closed;

  std::shared_ptr<EventHub::Subscriber> open(std::string name, EventLogin login) {
    return hub.subscribe(
        io.get_executor(), [](std::shared_ptr<const std::string>) {}, std::move(login),
        [this, name] { closed.push_back(name); });
  }
};

TEST(EventHub, ending_a_credential_closes_its_sockets_only) {
  Fixture f;
  auto a = f.open("session-a", {"session:a", 7});
  auto b = f.open("session-b", {"session:b", 7});
  auto t = f.open("token", {"token:x", 0});
  EXPECT_EQ(f.hub.close_logins({"session:a", 0}), 1u);
  f.io.run();
  EXPECT_EQ(f.closed, std::vector<std::string>{"session-a"});
}

TEST(EventHub, ending_a_users_logins_closes_every_session_of_theirs) {
  Fixture f;
  auto a = f.open("session-a", {"session:a", 7});
  auto b = f.open("session-b", {"session:b", 7});
  auto other = f.open("other-user", {"session:c", 8});
  auto t = f.open("token", {"token:x", 0});
  EXPECT_EQ(f.hub.close_logins({"", 7}), 2u);
  f.io.run();
  EXPECT_EQ(f.closed, (std::vector<std::string>{"session-a", "session-b"}));
}

TEST(EventHub, an_empty_login_closes_nothing_and_a_gone_socket_is_skipped) {
  Fixture f;
  auto anonymous = f.open("bootstrap", {"bootstrap", 0});
  EXPECT_EQ(f.hub.close_logins({"", 0}), 0u);
  { auto gone = f.open("gone", {"token:y", 0}); }
  EXPECT_EQ(f.hub.close_logins({"token:y", 0}), 0u);
  f.io.run();
  EXPECT_TRUE(f.closed.empty());
}

}  // namespace
}  // namespace courtcast::http
