#include "program/card_store.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>

#include "base/clock.hpp"
#include "base/codes.hpp"
#include "base/file.hpp"
#include "base/log_value.hpp"
#include "base/secret.hpp"

namespace courtcast::program {

namespace fs = std::filesystem;
namespace json = boost::json;
using base::sha256_hex;

namespace {

std::optional<media::Bytes> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return media::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

json::object sidecar_json(const CardUploadInfo& u, const std::string& flv_sha256) {
  return json::object{{"uploaded_by", u.by},
                      {"uploaded_at_ms", u.at_ms},
                      {"uploaded_at", base::format_utc_ms(u.at_ms, base::UtcFormat::iso_seconds)},
                      {"format", to_string(u.format)},
                      {"sha256", u.sha256},
                      {"size_bytes", u.size_bytes},
                      {"flv_sha256", flv_sha256}};
}

// The sidecar's upload details, if they describe `flv` (they are written
// after it, so a crash between the two renames leaves them stale).
std::optional<CardUploadInfo> read_sidecar(const fs::path& path, const std::string& flv_sha256) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  boost::system::error_code ec;
  const json::value v =
      json::parse(std::string_view(reinterpret_cast<const char*>(text->data()), text->size()), ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  const auto str = [&](std::string_view key) -> std::string {
    const auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->as_string()) : std::string();
  };
  const auto num = [&](std::string_view key) -> std::int64_t {
    const auto* f = o.if_contains(key);
    return f && f->is_int64() ? f->as_int64() : f && f->is_uint64() ? f->as_uint64() : 0;
  };
  if (str("flv_sha256") != flv_sha256) return std::nullopt;
  CardUploadInfo u;
  u.by = str("uploaded_by");
  u.at_ms = num("uploaded_at_ms");
  u.format = card_format_from_code(str("format")).value_or(CardFormat::flv);
  u.sha256 = str("sha256");
  u.size_bytes = static_cast<std::uint64_t>(num("size_bytes"));
  return u;
}

}  // namespace

constexpr base::CodeTable<CardSource, 3> kCardSourceCodes = {{{CardSource::built_in, "built-in"},
                                                              {CardSource::config, "config"},
                                                              {CardSource::uploaded, "uploaded"}}};

const char* to_string(CardSource s) {
  return base::code_of(kCardSourceCodes, s).data();
}

CardStore::CardStore(fs::path dir, std::shared_ptr<const StandbyCard> fallback,
                     CardSource fallback_source, std::string fallback_path,
                     ProgramRegistry& programs)
    : dir_(std::move(dir)),
      fallback_(std::move(fallback)),
      fallback_source_(fallback_source),
      fallback_path_(std::move(fallback_path)),
      programs_(programs) {}

void CardStore::load() {
  std::lock_guard lock(mutex_);
  const fs::path path = card_path();
  if (auto bytes = read_file(path)) {
    auto card = parse_card(*bytes);
    if (card && card->duration_ms <= kCardMaxDurationMs) {
      uploaded_ = std::make_shared<const StandbyCard>(std::move(*card));
      upload_info_ = read_sidecar(sidecar_path(), sha256_hex(*bytes));
      if (!upload_info_)
        spdlog::warn(
            "event=standby_card_sidecar_unreadable path={} note=\"upload details unknown\"",
            sidecar_path().string());
    } else {
      spdlog::error("event=standby_card_upload_invalid path={} error=\"{}\" fallback={}",
                    path.string(),
                    card ? "longer than the 60 s a card may last" : card.error().message,
                    to_string(fallback_source_));
    }
  }
  programs_.set_card(uploaded_ ? uploaded_ : fallback_, "startup");
  const auto i = info_locked();
  spdlog::info("event=standby_card source={} path={} duration_ms={} size={}x{}{}",
               to_string(i.source), uploaded_ ? path.string() : fallback_path_, i.duration_ms,
               i.size.width, i.size.height,
               i.upload ? " uploaded_by=" + base::log_value(i.upload->by) : std::string());
}

CardInfo CardStore::info() const {
  std::lock_guard lock(mutex_);
  return info_locked();
}

std::filesystem::path CardStore::media_path() const {
  std::lock_guard lock(mutex_);
  return uploaded_ ? card_path() : std::filesystem::path(fallback_path_);
}

CardInfo CardStore::info_locked() const {
  const auto& card = uploaded_ ? *uploaded_ : *fallback_;
  CardInfo i;
  i.source = uploaded_ ? CardSource::uploaded : fallback_source_;
  i.duration_ms = card.duration_ms;
  i.size = card_size(card);
  if (uploaded_) i.upload = upload_info_;
  return i;
}

CardResult<CardInfo> CardStore::upload(std::span<const std::uint8_t> bytes, const std::string& who,
                                       std::int64_t now_ms) {
  // The remux runs outside the lock: a slow upload does not hold up GET.
  auto converted = convert_card_upload(bytes);
  if (!converted) return converted.error();
  CardUploadInfo u{who, now_ms, converted->format, sha256_hex(bytes), bytes.size()};
  const std::string flv_sha256 = sha256_hex(converted->flv);
  const std::string sidecar = json::serialize(sidecar_json(u, flv_sha256)) + "\n";

  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    return CardError{CardError::Kind::storage,
                     "standby card: cannot create " + dir_.string() + ": " + ec.message()};
  if (auto r = base::write_file_atomically(card_path(), converted->flv); !r)
    return CardError{CardError::Kind::storage, "standby card: " + r.error().message};
  if (auto r = base::write_file_atomically(sidecar_path(), sidecar); !r)
    spdlog::warn("event=standby_card_sidecar_failed error=\"{}\"", r.error().message);
  uploaded_ = std::make_shared<const StandbyCard>(std::move(converted->card));
  upload_info_ = u;
  programs_.set_card(uploaded_, who);
  const auto i = info_locked();
  spdlog::info(
      "event=standby_card_uploaded by={} format={} size_bytes={} sha256={} duration_ms={} "
      "size={}x{}",
      base::log_value(who), to_string(u.format), u.size_bytes, u.sha256, i.duration_ms,
      i.size.width, i.size.height);
  return i;
}

CardResult<CardInfo> CardStore::reset(const std::string& who) {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::remove(card_path(), ec);
  if (ec)
    return CardError{CardError::Kind::storage,
                     "standby card: cannot remove " + card_path().string() + ": " + ec.message()};
  fs::remove(sidecar_path(), ec);
  (void)base::sync_dir(dir_);  // the removal stands; a lost sync only brings the card back
  const bool had_upload = uploaded_ != nullptr;
  uploaded_.reset();
  upload_info_.reset();
  if (had_upload) programs_.set_card(fallback_, who);
  spdlog::info("event=standby_card_reset by={} source={}", base::log_value(who),
               to_string(fallback_source_));
  return info_locked();
}

}  // namespace courtcast::program
