#include "rtmp/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <optional>

namespace courtcast::rtmp {

namespace {

using media::make_error;
using Digest = std::array<std::uint8_t, 32>;

// The published Flash Player / Flash Media Server keys: a text part, then 32
// shared bytes. Digests in C1 use the text part of the client key; S1 the
// text part of the server key; S2 is keyed from the whole server key.
constexpr std::uint8_t kKeyTail[32] = {
    0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0, 0xD1, 0x02, 0x9E, 0x7E, 0x57,
    0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80, 0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};
constexpr char kClientText[] = "Genuine Adobe Flash Player 001";        // 30 bytes
constexpr char kServerText[] = "Genuine Adobe Flash Media Server 001";  // 36 bytes

struct Key {
  std::array<std::uint8_t, 68> bytes{};
  std::size_t text_bytes = 0;
};

Key make_key(const char* text, std::size_t n) {
  Key k;
  std::memcpy(k.bytes.data(), text, n);
  std::memcpy(k.bytes.data() + n, kKeyTail, 32);
  k.text_bytes = n;
  return k;
}
const Key kClientKey = make_key(kClientText, sizeof(kClientText) - 1);
const Key kServerKey = make_key(kServerText, sizeof(kServerText) - 1);

Digest hmac(std::span<const std::uint8_t> key, std::span<const std::uint8_t> a,
            std::span<const std::uint8_t> b = {}) {
  // Handshake blocks are at most 1536 bytes: join the two parts on the stack.
  std::array<std::uint8_t, kHandshakeBytes> joined{};
  const std::size_t n = std::min(a.size() + b.size(), joined.size());
  std::copy_n(a.begin(), std::min(a.size(), n), joined.begin());
  std::copy_n(b.begin(), n - std::min(a.size(), n), joined.begin() + std::min(a.size(), n));
  Digest out{};
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), joined.data(), n, out.data(), &len);
  return out;
}

// Where the digest sits in a 1536-byte block, for a schema base of 8 or 772.
std::size_t digest_offset(std::span<const std::uint8_t> block, std::size_t base) {
  const unsigned sum = block[base] + block[base + 1] + block[base + 2] + block[base + 3];
  return sum % 728 + base + 4;
}

Digest block_digest(std::span<const std::uint8_t> block, std::size_t offset,
                    std::span<const std::uint8_t> key) {
  return hmac(key, block.first(offset), block.subspan(offset + 32));
}

std::optional<std::size_t> find_digest(std::span<const std::uint8_t> block, const Key& key) {
  for (std::size_t base : {772u, 8u}) {
    const std::size_t off = digest_offset(block, base);
    const Digest d = block_digest(block, off, std::span(key.bytes).first(key.text_bytes));
    if (std::equal(d.begin(), d.end(), block.begin() + off)) return off;
  }
  return std::nullopt;
}

void fill_random(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    std::fill(out.begin(), out.end(), 0x5A);  // still a valid handshake, just predictable
}

}  // namespace

media::Result<std::array<std::uint8_t, 1 + 2 * kHandshakeBytes>> make_server_handshake(
    std::span<const std::uint8_t> c0c1, bool* used_digest) {
  if (c0c1.size() < 1 + kHandshakeBytes) return make_error("rtmp handshake: C0+C1 truncated");
  if (c0c1[0] != 3 && c0c1[0] != 6)
    return make_error("rtmp handshake: unsupported version byte (not RTMP)");
  const auto c1 = c0c1.subspan(1, kHandshakeBytes);
  std::array<std::uint8_t, 1 + 2 * kHandshakeBytes> out{};
  out[0] = 3;
  auto s1 = std::span(out).subspan(1, kHandshakeBytes);
  auto s2 = std::span(out).subspan(1 + kHandshakeBytes, kHandshakeBytes);
  fill_random(s1.subspan(8));

  const auto client_digest_at = c1[4] != 0 ? find_digest(c1, kClientKey) : std::nullopt;
  if (used_digest) *used_digest = client_digest_at.has_value();
  if (!client_digest_at) {
    // Plain handshake: zero time and version in S1, S2 echoes C1.
    std::copy(c1.begin(), c1.end(), s2.begin());
    return out;
  }
  // S1: time, a server version, and our digest at the schema-1 (base 8) place.
  const std::uint8_t version[4] = {0x0D, 0x0E, 0x0A, 0x0D};
  std::copy(version, version + 4, s1.begin() + 4);
  const std::size_t s1_off = digest_offset(s1, 8);
  const Digest s1_digest =
      block_digest(s1, s1_off, std::span(kServerKey.bytes).first(kServerKey.text_bytes));
  std::copy(s1_digest.begin(), s1_digest.end(), s1.begin() + s1_off);
  // S2: random, signed with a key derived from the client's digest.
  fill_random(s2);
  const Digest s2_key = hmac(kServerKey.bytes, c1.subspan(*client_digest_at, 32));
  const Digest s2_sig = hmac(s2_key, s2.first(kHandshakeBytes - 32));
  std::copy(s2_sig.begin(), s2_sig.end(), s2.end() - 32);
  return out;
}

std::array<std::uint8_t, 1 + kHandshakeBytes> make_client_c0c1() {
  std::array<std::uint8_t, 1 + kHandshakeBytes> out{};
  out[0] = 3;
  auto c1 = std::span(out).subspan(1);
  fill_random(c1.subspan(8));
  const std::uint8_t version[4] = {0x80, 0x00, 0x07, 0x02};  // what FFmpeg announces
  std::copy(version, version + 4, c1.begin() + 4);
  std::fill(c1.begin(), c1.begin() + 4, 0);
  const std::size_t off = digest_offset(c1, 8);
  const Digest d = block_digest(c1, off, std::span(kClientKey.bytes).first(kClientKey.text_bytes));
  std::copy(d.begin(), d.end(), c1.begin() + off);
  return out;
}

media::Result<std::array<std::uint8_t, kHandshakeBytes>> make_client_c2(
    std::span<const std::uint8_t> s0s1s2) {
  if (s0s1s2.size() < 1 + 2 * kHandshakeBytes)
    return make_error("rtmp handshake: S0+S1+S2 truncated");
  if (s0s1s2[0] != 3) return make_error("rtmp handshake: server answered with another version");
  const auto s1 = s0s1s2.subspan(1, kHandshakeBytes);
  std::array<std::uint8_t, kHandshakeBytes> c2{};
  const auto server_digest_at = s1[4] != 0 ? find_digest(s1, kServerKey) : std::nullopt;
  if (!server_digest_at) {
    std::copy(s1.begin(), s1.end(), c2.begin());
    return c2;
  }
  fill_random(c2);
  // The full client key is 62 bytes; the array behind it is sized for the
  // 68-byte server key, and HMAC hashes keys past 64 bytes, so trim it.
  const Digest key = hmac(std::span(kClientKey.bytes).first(kClientKey.text_bytes + 32),
                          s1.subspan(*server_digest_at, 32));
  const Digest sig = hmac(key, std::span(c2).first(kHandshakeBytes - 32));
  std::copy(sig.begin(), sig.end(), c2.end() - 32);
  return c2;
}

}  // namespace courtcast::rtmp
