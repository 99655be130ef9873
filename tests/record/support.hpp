#pragma once
// Helpers for the record tests: a scratch folder, synthetic H.264/AAC
// packets with a real configuration record, and a recorder fed with them.

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "media/packet.hpp"
#include "record/recorder.hpp"

namespace courtcast::record::test {

namespace fs = std::filesystem;
using media::Packet;
using media::PacketKind;
using media::PacketPtr;

// An AVC configuration record as libx264 writes it (1280x720 High).
inline constexpr std::uint8_t kAvcConfig[] = {
    0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x1a, 0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50,
    0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83,
    0x19, 0x60, 0x01, 0x00, 0x06, 0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0, 0xfd, 0xf8, 0xf8, 0x00,
};
inline constexpr std::uint8_t kAacConfig[] = {0x12, 0x10, 0x56, 0xe5, 0x00};

// Segment and gap events would bury gtest's own output.
inline const bool kQuietLogs = (spdlog::set_level(spdlog::level::warn), true);

class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/courtcast-record-test-XXXXXX";
    path_ = ::mkdtemp(templ);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline PacketPtr video_header() {
  std::vector<std::uint8_t> body{0x17, 0x00, 0, 0, 0};
  body.insert(body.end(), std::begin(kAvcConfig), std::end(kAvcConfig));
  return Packet::make(PacketKind::video, 0, 0, false, true, body);
}

inline PacketPtr audio_header() {
  std::vector<std::uint8_t> body{0xAF, 0x00};
  body.insert(body.end(), std::begin(kAacConfig), std::end(kAacConfig));
  return Packet::make(PacketKind::audio, 0, 0, false, true, body);
}

inline PacketPtr video_frame(std::int64_t dts, bool key, std::size_t size = 2000) {
  std::vector<std::uint8_t> body(size, static_cast<std::uint8_t>(dts));
  body[0] = key ? 0x17 : 0x27;
  body[1] = 0x01;
  body[2] = body[3] = body[4] = 0;
  return Packet::make(PacketKind::video, dts, 0, key, false, body);
}

inline PacketPtr audio_frame(std::int64_t dts) {
  std::vector<std::uint8_t> body(200, 0x5a);
  body[0] = 0xAF;
  body[1] = 0x01;
  return Packet::make(PacketKind::audio, dts, 0, false, false, body);
}

inline live::PacketBatch batch(std::vector<PacketPtr> packets) {
  return std::make_shared<const std::vector<PacketPtr>>(std::move(packets));
}

// Publishes `ms` of 25 fps video (a keyframe every `gop_ms`) with audio,
// starting at `from_dts`, as one batch per frame.
inline void publish(Recorder& r, std::int64_t from_dts, std::int64_t ms, std::int64_t gop_ms = 1000,
                    bool headers = true) {
  if (headers) r.on_packets(batch({video_header(), audio_header()}));
  for (std::int64_t t = from_dts; t < from_dts + ms; t += 40)
    r.on_packets(batch({video_frame(t, (t - from_dts) % gop_ms == 0), audio_frame(t)}));
}

inline RecorderOptions options(const fs::path& root, std::int64_t segment_ms = 2000) {
  RecorderOptions o;
  o.root = root;
  o.segment_ms = segment_ms;
  o.min_free_bytes = 0;
  o.write_interval = std::chrono::milliseconds(1);
  return o;
}

inline std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

inline void write_lines(const fs::path& file, const std::vector<std::string>& lines) {
  std::ofstream out(file, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

inline std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace courtcast::record::test
