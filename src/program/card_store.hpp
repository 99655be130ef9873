#pragma once
// Which standby card the court shows: the one made at build, the config's,
// or one the court uploaded, kept as data_dir/cards/standby.flv with a JSON
// sidecar so that it outlives a restart. Thread-safe: API calls come from
// any worker; the card in effect is applied to every program at once.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "program/card_upload.hpp"
#include "program/registry.hpp"

namespace courtcast::program {

enum class CardSource { built_in, config, uploaded };
const char* to_string(CardSource s);

struct CardUploadInfo {
  std::string by;
  std::int64_t at_ms = 0;
  CardFormat format = CardFormat::flv;
  std::string sha256;  // of the file as uploaded
  std::uint64_t size_bytes = 0;
};

struct CardInfo {
  CardSource source = CardSource::built_in;
  std::int64_t duration_ms = 0;
  CardSize size;
  std::optional<CardUploadInfo> upload;  // when source is uploaded and its sidecar is intact
};

class CardStore {
 public:
  // `fallback` is the config's card (or the built-in one): what shows when
  // nothing was uploaded or after a reset. `programs` gets every change.
  CardStore(std::filesystem::path dir, std::shared_ptr<const StandbyCard> fallback,
            CardSource fallback_source, std::string fallback_path, ProgramRegistry& programs);

  // At start-up, before programs are created: an earlier upload wins over
  // the fallback if it is still a valid card; an invalid one is logged and
  // left on disk. Logs which card is in effect.
  void load();

  CardInfo info() const;

  // Checks an upload, stores it durably and makes it the card everywhere.
  // A refused upload changes nothing.
  CardResult<CardInfo> upload(std::span<const std::uint8_t> bytes, const std::string& who,
                              std::int64_t now_ms);
  // Back to the fallback card; the stored upload is removed.
  CardResult<CardInfo> reset(const std::string& who);

  // The FLV file of the card in effect (the upload's, the config's or the
  // one made at build), for the console to preview what viewers would see.
  std::filesystem::path media_path() const;

  std::filesystem::path card_path() const { return dir_ / "standby.flv"; }
  std::filesystem::path sidecar_path() const { return dir_ / "standby.json"; }

 private:
  CardInfo info_locked() const;

  const std::filesystem::path dir_;
  const std::shared_ptr<const StandbyCard> fallback_;
  const CardSource fallback_source_;
  const std::string fallback_path_;
  ProgramRegistry& programs_;

  mutable std::mutex mutex_;  // guards the fields below and the files in dir_
  std::shared_ptr<const StandbyCard> uploaded_;
  std::optional<CardUploadInfo> upload_info_;
};

}  // namespace courtcast::program
