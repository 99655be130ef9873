// The RTMP handshake: plain C1 is echoed; a digest C1 (as FFmpeg and Flash
// send) gets an S1 with a valid server digest and an S2 signed with the key
// derived from the client's digest; anything that is not RTMP is refused.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "rtmp/handshake.hpp"

namespace courtcast::rtmp {
namespace {

using Digest = std::array<std::uint8_t, 32>;

// The published Flash Player / Flash Media Server keys, written out here
// independently of the implementation.
constexpr std::uint8_t kTail[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

std::vector<std::uint8_t> key(const char* text, bool full) {
  std::vector<std::uint8_t> k(text, text + std::strlen(text));
  if (full) k.insert(k.end(), std::begin(kTail), std::end(kTail));
  return k;
}
const auto kClientText = key("Genuine Adobe Flash Player 001", false);
const auto kServerText = key("Genuine Adobe Flash Media Server 001", false);
const auto kServerFull = key("Genuine Adobe Flash Media Server 001", true);
const auto kClientFull = key("Genuine Adobe Flash Player 001", true);

Digest hmac_sha256(std::span<const std::uint8_t> k, std::span<const std::uint8_t> data) {
  Digest out{};
  unsigned len = 0;
  HMAC(EVP_sha256(), k.data(), static_cast<int>(k.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}

std::size_t digest_offset(std::span<const std::uint8_t> block, std::size_t base) {
  return (block[base] + block[base + 1] + block[base + 2] + block[base + 3]) % 728 + base + 4;
}

// The digest a 1536-byte block should carry at `offset`: HMAC over the block
// without those 32 bytes.
Digest expected_digest(std::span<const std::uint8_t> block, std::size_t offset,
                       std::span<const std::uint8_t> k) {
  std::vector<std::uint8_t> rest(block.begin(),
                                 block.begin() + static_cast<std::ptrdiff_t>(offset));
  rest.insert(rest.end(), block.begin() + static_cast<std::ptrdiff_t>(offset + 32), block.end());
  return hmac_sha256(k, rest);
}

bool digest_at(std::span<const std::uint8_t> block, std::size_t offset,
               std::span<const std::uint8_t> k) {
  const Digest d = expected_digest(block, offset, k);
  return std::equal(d.begin(), d.end(), block.begin() + static_cast<std::ptrdiff_t>(offset));
}

TEST(Handshake, plain_c1_is_echoed_in_s2) {
  std::array<std::uint8_t, 1 + kHandshakeBytes> c0c1{};
  c0c1[0] = 3;
  for (std::size_t i = 9; i < c0c1.size(); ++i) c0c1[i] = static_cast<std::uint8_t>(i * 31);
  // Bytes 4..7 of C1 are zero: the plain handshake of the spec.
  bool used_digest = true;
  auto s = make_server_handshake(c0c1, &used_digest);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_FALSE(used_digest);
  EXPECT_EQ((*s)[0], 3);
  EXPECT_TRUE(std::equal(c0c1.begin() + 1, c0c1.end(), s->begin() + 1 + kHandshakeBytes));
}

TEST(Handshake, c1_with_a_version_but_no_valid_digest_gets_the_plain_answer) {
  auto c0c1 = make_client_c0c1();
  c0c1[1 + 100] ^= 0xFF;  // break the digest (or the data it covers)
  c0c1[1 + 1000] ^= 0xFF;
  bool used_digest = true;
  auto s = make_server_handshake(c0c1, &used_digest);
  ASSERT_TRUE(s);
  EXPECT_FALSE(used_digest);
  EXPECT_TRUE(std::equal(c0c1.begin() + 1, c0c1.end(), s->begin() + 1 + kHandshakeBytes));
}

TEST(Handshake, client_c1_carries_a_valid_client_digest) {
  const auto c0c1 = make_client_c0c1();
  EXPECT_EQ(c0c1[0], 3);
  const auto c1 = std::span(c0c1).subspan(1);
  EXPECT_NE(c1[4], 0);
  EXPECT_TRUE(digest_at(c1, digest_offset(c1, 8), kClientText));
}

TEST(Handshake, digest_handshake_s1_carries_a_valid_server_digest) {
  const auto c0c1 = make_client_c0c1();
  bool used_digest = false;
  auto s = make_server_handshake(c0c1, &used_digest);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(used_digest);
  const auto s1 = std::span(*s).subspan(1, kHandshakeBytes);
  EXPECT_NE(s1[4], 0);  // a server version, so clients look for the digest
  const bool schema0 = digest_at(s1, digest_offset(s1, 8), kServerText);
  const bool schema1 = digest_at(s1, digest_offset(s1, 772), kServerText);
  EXPECT_TRUE(schema0 || schema1);
}

TEST(Handshake, digest_handshake_answer_verifies_with_client_key) {
  // What FFmpeg checks: S2's last 32 bytes are HMAC(key, S2[0..1504)) with
  // key = HMAC(full server key, the client's C1 digest).
  for (int i = 0; i < 20; ++i) {
    const auto c0c1 = make_client_c0c1();
    auto s = make_server_handshake(c0c1);
    ASSERT_TRUE(s);
    const auto c1 = std::span(c0c1).subspan(1);
    const auto client_digest = c1.subspan(digest_offset(c1, 8), 32);
    const Digest k = hmac_sha256(kServerFull, client_digest);
    const auto s2 = std::span(*s).subspan(1 + kHandshakeBytes, kHandshakeBytes);
    const Digest sig = hmac_sha256(k, s2.first(kHandshakeBytes - 32));
    EXPECT_TRUE(std::equal(sig.begin(), sig.end(), s2.end() - 32));
    EXPECT_TRUE(make_client_c2(*s));
  }
}

TEST(Handshake, digest_found_at_the_schema1_place_too) {
  // Flash Player 10+ may put the C1 digest after the 764-byte key block (base 772).
  auto c0c1 = make_client_c0c1();
  auto c1 = std::span(c0c1).subspan(1);
  const std::size_t off = digest_offset(c1, 772);
  const Digest d = expected_digest(c1, off, kClientText);
  std::copy(d.begin(), d.end(), c1.begin() + static_cast<std::ptrdiff_t>(off));
  ASSERT_TRUE(digest_at(c1, off, kClientText));
  bool used_digest = false;
  auto s = make_server_handshake(c0c1, &used_digest);
  ASSERT_TRUE(s);
  EXPECT_TRUE(used_digest);
  const Digest k = hmac_sha256(kServerFull, c1.subspan(off, 32));
  const auto s2 = std::span(*s).subspan(1 + kHandshakeBytes, kHandshakeBytes);
  const Digest sig = hmac_sha256(k, s2.first(kHandshakeBytes - 32));
  EXPECT_TRUE(std::equal(sig.begin(), sig.end(), s2.end() - 32));
}

TEST(Handshake, client_c2_answers_a_digest_s1_with_a_signed_c2) {
  const auto c0c1 = make_client_c0c1();
  auto s = make_server_handshake(c0c1);
  ASSERT_TRUE(s);
  auto c2 = make_client_c2(*s);
  ASSERT_TRUE(c2) << c2.error().message;
  const auto s1 = std::span(*s).subspan(1, kHandshakeBytes);
  std::size_t off = digest_offset(s1, 8);
  if (!digest_at(s1, off, kServerText)) off = digest_offset(s1, 772);
  const Digest k = hmac_sha256(kClientFull, s1.subspan(off, 32));
  const Digest sig = hmac_sha256(k, std::span(*c2).first(kHandshakeBytes - 32));
  EXPECT_TRUE(std::equal(sig.begin(), sig.end(), c2->end() - 32));
}

TEST(Handshake, client_c2_echoes_a_plain_s1) {
  std::array<std::uint8_t, 1 + 2 * kHandshakeBytes> s{};
  s[0] = 3;
  for (std::size_t i = 9; i <= kHandshakeBytes; ++i) s[i] = static_cast<std::uint8_t>(i);
  auto c2 = make_client_c2(s);
  ASSERT_TRUE(c2);
  EXPECT_TRUE(std::equal(c2->begin(), c2->end(), s.begin() + 1));
}

TEST(Handshake, version_other_than_3_or_6_is_refused) {
  auto c0c1 = make_client_c0c1();
  for (int v : {0, 1, 2, 4, 5, 7, int{'G'}, 0x16, 0xFF}) {
    c0c1[0] = static_cast<std::uint8_t>(v);
    EXPECT_FALSE(make_server_handshake(c0c1)) << "version " << v;
  }
  c0c1[0] = 6;  // RTMPE asks; the answer is plain RTMP version 3
  auto s = make_server_handshake(c0c1);
  ASSERT_TRUE(s);
  EXPECT_EQ((*s)[0], 3);
}

TEST(Handshake, truncated_input_is_refused) {
  const auto c0c1 = make_client_c0c1();
  EXPECT_FALSE(make_server_handshake(std::span(c0c1).first(1536)));
  EXPECT_FALSE(make_server_handshake({}));
  std::array<std::uint8_t, 2 * kHandshakeBytes> short_s{};
  short_s[0] = 3;
  EXPECT_FALSE(make_client_c2(short_s));
  std::array<std::uint8_t, 1 + 2 * kHandshakeBytes> wrong_version{};
  wrong_version[0] = 4;
  EXPECT_FALSE(make_client_c2(wrong_version));
}

TEST(Handshake, http_request_is_not_a_handshake) {
  std::array<std::uint8_t, 1 + kHandshakeBytes> garbage{};
  const char get[] = "GET /live/cam.flv HTTP/1.1\r\n";
  std::memcpy(garbage.data(), get, sizeof(get) - 1);
  EXPECT_FALSE(make_server_handshake(garbage));
}

}  // namespace
}  // namespace courtcast::rtmp
