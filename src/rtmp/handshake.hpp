#pragma once
// The RTMP handshake: plain (C1 echoed) and the digest handshake Flash-era
// clients and FFmpeg use (HMAC-SHA256 digests in C1/S1, signed S2/C2).

#include <array>
#include <cstdint>
#include <span>

#include "media/result.hpp"

namespace courtcast::rtmp {

constexpr std::size_t kHandshakeBytes = 1536;

// Server side: from C0+C1 (1537 bytes), S0+S1+S2 (3073 bytes). When C1 carries
// a valid client digest the answer is digest-signed; otherwise plain.
media::Result<std::array<std::uint8_t, 1 + 2 * kHandshakeBytes>> make_server_handshake(
    std::span<const std::uint8_t> c0c1, bool* used_digest = nullptr);

// Client side: C0+C1 with a client digest (what FFmpeg sends).
std::array<std::uint8_t, 1 + kHandshakeBytes> make_client_c0c1();
// From S0+S1+S2, C2. Checks the version byte only; servers in the wild vary.
media::Result<std::array<std::uint8_t, kHandshakeBytes>> make_client_c2(
    std::span<const std::uint8_t> s0s1s2);

}  // namespace courtcast::rtmp
