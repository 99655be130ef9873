#pragma once
// How many players each playback protocol has right now, for /metrics. A
// connection holds one ProtocolPlayer while it plays; the counts are
// relaxed atomics, touched once when a player starts and once when it ends,
// never per packet.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace courtcast::live {

enum class PlayerProtocol : std::size_t { rtmp, http_flv };
inline constexpr std::array<std::string_view, 2> kPlayerProtocols = {"rtmp", "http_flv"};

inline std::array<std::atomic<std::int64_t>, kPlayerProtocols.size()>& player_counts() {
  static std::array<std::atomic<std::int64_t>, kPlayerProtocols.size()> counts{};
  return counts;
}

inline std::int64_t players_of(PlayerProtocol p) {
  return player_counts()[static_cast<std::size_t>(p)].load(std::memory_order_relaxed);
}

// Counted while it lives.
class ProtocolPlayer {
 public:
  explicit ProtocolPlayer(PlayerProtocol p) : p_(p) {
    player_counts()[static_cast<std::size_t>(p_)].fetch_add(1, std::memory_order_relaxed);
  }
  ~ProtocolPlayer() {
    player_counts()[static_cast<std::size_t>(p_)].fetch_sub(1, std::memory_order_relaxed);
  }
  ProtocolPlayer(const ProtocolPlayer&) = delete;
  ProtocolPlayer& operator=(const ProtocolPlayer&) = delete;

 private:
  PlayerProtocol p_;
};

}  // namespace courtcast::live
