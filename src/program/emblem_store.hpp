#pragma once
// The court's emblem (院徽) that air shows in its corner: a PNG the court
// uploads, checked like the standby card (size, a real PNG that decodes,
// its dimensions) and kept as data_dir/emblem/emblem-HASH.png so that it
// outlives a restart. Each new emblem gets a new file name, so the air
// encoders see a change of graphics and load it. Thread-safe.

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "program/card_upload.hpp"
#include "program/registry.hpp"

namespace courtcast::program {

constexpr std::size_t kEmblemMaxBytes = 1u << 20;
constexpr int kEmblemMinSide = 16;
constexpr int kEmblemMaxSide = 1024;

struct EmblemInfo {
  bool set = false;
  std::string sha256;  // of the file
  std::uint64_t size_bytes = 0;
  int width = 0, height = 0;
};

// Why `bytes` may not be an emblem (CardError's kinds: too_large → 413).
// The dimensions come from decoding the whole picture, not from its header.
CardResult<EmblemInfo> check_emblem(std::span<const std::uint8_t> bytes);

class EmblemStore {
 public:
  EmblemStore(std::filesystem::path dir, ProgramRegistry& programs);

  // At start-up, before programs are created: the stored emblem, if it is
  // still a valid one.
  void load();
  EmblemInfo info() const;
  CardResult<EmblemInfo> upload(std::span<const std::uint8_t> bytes, const std::string& who);
  // No emblem on air any more; the stored file is removed.
  EmblemInfo reset(const std::string& who);
  // The PNG in effect, if any.
  std::optional<std::filesystem::path> path() const;

 private:
  void remove_others(const std::filesystem::path& keep);

  const std::filesystem::path dir_;
  ProgramRegistry& programs_;
  mutable std::mutex mutex_;  // guards the fields below and the files in dir_
  std::optional<std::filesystem::path> path_;
  EmblemInfo info_;
};

}  // namespace courtcast::program
