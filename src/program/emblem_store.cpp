#include "program/emblem_store.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "base/file.hpp"
#include "base/log_value.hpp"
#include "base/secret.hpp"
#include "program/libav.hpp"

namespace courtcast::program {

namespace fs = std::filesystem;

namespace {

constexpr std::uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

CardError invalid(std::string message) {
  return CardError{CardError::Kind::invalid, "emblem: " + std::move(message)};
}

}  // namespace

CardResult<EmblemInfo> check_emblem(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kEmblemMaxBytes)
    return CardError{CardError::Kind::too_large,
                     "emblem: " + std::to_string(bytes.size()) + " bytes; at most " +
                         std::to_string(kEmblemMaxBytes) + " bytes (1 MiB)"};
  if (bytes.size() < sizeof kPngSignature ||
      std::memcmp(bytes.data(), kPngSignature, sizeof kPngSignature) != 0)
    return invalid("not a PNG file (it does not start with the PNG signature)");
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_PNG);
  if (!codec) return invalid("no PNG decoder in libavcodec");
  av::CodecCtx dec(avcodec_alloc_context3(codec));
  dec->thread_count = 1;
  if (avcodec_open2(dec.get(), codec, nullptr) < 0) return invalid("the PNG decoder did not open");
  std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
  data.resize(bytes.size() + AV_INPUT_BUFFER_PADDING_SIZE);
  av::Packet pkt(av_packet_alloc());
  pkt->data = data.data();
  pkt->size = static_cast<int>(bytes.size());
  pkt->flags |= AV_PKT_FLAG_KEY;
  av::Frame frame(av_frame_alloc());
  // Whole-picture decoding: a truncated or corrupt file is refused here.
  dec->err_recognition = AV_EF_EXPLODE | AV_EF_CRCCHECK;
  int rc = avcodec_send_packet(dec.get(), pkt.get());
  pkt->data = nullptr;
  pkt->size = 0;
  if (rc >= 0) rc = avcodec_receive_frame(dec.get(), frame.get());
  if (rc < 0) return invalid("the PNG does not decode: " + av::error_text(rc));
  const int w = frame->width, h = frame->height;
  if (w < kEmblemMinSide || h < kEmblemMinSide || w > kEmblemMaxSide || h > kEmblemMaxSide)
    return invalid(std::to_string(w) + "x" + std::to_string(h) + " pixels; each side must be " +
                   std::to_string(kEmblemMinSide) + " to " + std::to_string(kEmblemMaxSide) +
                   " pixels");
  EmblemInfo info;
  info.set = true;
  info.sha256 = base::sha256_hex(bytes);
  info.size_bytes = bytes.size();
  info.width = w;
  info.height = h;
  return info;
}

EmblemStore::EmblemStore(fs::path dir, ProgramRegistry& programs)
    : dir_(std::move(dir)), programs_(programs) {}

void EmblemStore::load() {
  std::lock_guard lock(mutex_);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with("emblem-") || !name.ends_with(".png")) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    auto checked = check_emblem(bytes);
    if (!checked) {
      spdlog::error("event=emblem_invalid path={} error={}", entry.path().string(),
                    base::log_value(checked.error().message));
      continue;
    }
    path_ = entry.path();
    info_ = *checked;
    break;
  }
  programs_.set_emblem(path_ ? path_->string() : std::string());
  if (path_)
    spdlog::info("event=emblem path={} size={}x{}", path_->string(), info_.width, info_.height);
}

EmblemInfo EmblemStore::info() const {
  std::lock_guard lock(mutex_);
  return info_;
}

std::optional<fs::path> EmblemStore::path() const {
  std::lock_guard lock(mutex_);
  return path_;
}

void EmblemStore::remove_others(const fs::path& keep) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with("emblem-") && entry.path() != keep) fs::remove(entry.path(), ec);
  }
}

CardResult<EmblemInfo> EmblemStore::upload(std::span<const std::uint8_t> bytes,
                                           const std::string& who) {
  auto checked = check_emblem(bytes);
  if (!checked) return checked.error();
  std::lock_guard lock(mutex_);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec)
    return CardError{CardError::Kind::storage,
                     "emblem: cannot create " + dir_.string() + ": " + ec.message()};
  const fs::path file = dir_ / ("emblem-" + checked->sha256.substr(0, 16) + ".png");
  if (auto r = base::write_file_atomically(file, bytes); !r)
    return CardError{CardError::Kind::storage, "emblem: " + r.error().message};
  path_ = file;
  info_ = *checked;
  programs_.set_emblem(file.string());
  remove_others(file);
  spdlog::info("event=emblem_uploaded by={} size_bytes={} sha256={} size={}x{}",
               base::log_value(who), info_.size_bytes, info_.sha256, info_.width, info_.height);
  return info_;
}

EmblemInfo EmblemStore::reset(const std::string& who) {
  std::lock_guard lock(mutex_);
  path_.reset();
  info_ = EmblemInfo{};
  programs_.set_emblem({});
  remove_others({});
  spdlog::info("event=emblem_reset by={}", base::log_value(who));
  return info_;
}

}  // namespace courtcast::program
