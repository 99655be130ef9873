#include "store/audit.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "store/password.hpp"

namespace courtcast::store {
namespace {

std::vector<AuditEntry> chain(int n) {
  std::vector<AuditEntry> out;
  std::string prev(kAuditGenesisHash);
  for (int i = 1; i <= n; ++i) {
    AuditEntry e{i, 1000 + i, "director", "program.take", R"({"input":"cam-a"})", prev, ""};
    e.hash = audit_hash(e);
    prev = e.hash;
    out.push_back(e);
  }
  return out;
}

TEST(AuditChain, intact_chain_verifies) {
  const auto entries = chain(5);
  const auto v = verify_audit_chain(entries);
  EXPECT_TRUE(v.ok()) << v.problem;
  EXPECT_EQ(v.entries, 5);
  EXPECT_EQ(entries[0].hash.size(), 64u);
}

TEST(AuditChain, edited_entry_is_found) {
  auto entries = chain(5);
  entries[2].actor = "someone else";
  const auto v = verify_audit_chain(entries);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(*v.first_bad_seq, 3);
  EXPECT_NE(v.problem.find("hash"), std::string::npos);
}

TEST(AuditChain, removed_entry_is_found) {
  auto entries = chain(5);
  entries.erase(entries.begin() + 1);
  const auto v = verify_audit_chain(entries);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(*v.first_bad_seq, 3);
}

TEST(AuditChain, rehashed_entry_breaks_the_next_link) {
  auto entries = chain(5);
  entries[1].details = "{}";
  entries[1].hash = audit_hash(entries[1]);  // a forger recomputes this one…
  const auto v = verify_audit_chain(entries);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(*v.first_bad_seq, 3);  // …but the next entry still points at the old hash
}

TEST(AuditChain, fields_cannot_be_shifted_between_each_other) {
  AuditEntry a{1, 1, "ab", "c", "{}", std::string(kAuditGenesisHash), ""};
  AuditEntry b{1, 1, "a", "bc", "{}", std::string(kAuditGenesisHash), ""};
  EXPECT_NE(audit_hash(a), audit_hash(b));
}

TEST(Password, argon2id_hash_verifies_only_the_right_password) {
  auto hash = hash_password("执行直播2024");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(verify_password(*hash, "执行直播2024"));
  EXPECT_FALSE(verify_password(*hash, "执行直播2025"));
  EXPECT_FALSE(verify_password("", "执行直播2024"));
  EXPECT_NE(*hash_password("same"), *hash_password("same"));  // salted
  EXPECT_EQ(hash_password("").error().kind, ErrorKind::invalid);
}

TEST(Password, random_passwords_are_long_and_differ) {
  const std::string a = random_password();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, random_password());
  EXPECT_EQ(a.find_first_of("0O1lI"), std::string::npos);
}

}  // namespace
}  // namespace courtcast::store
