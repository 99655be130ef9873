#include "record/crypto.hpp"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "base/file.hpp"

namespace courtcast::record {

namespace fs = std::filesystem;
using media::make_error;

namespace {

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) {
  return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
}

}  // namespace

// ---------------------------------------------------------------- Sha256

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
}

Sha256::~Sha256() {
  if (ctx_) EVP_MD_CTX_free(ctx_);
}

Sha256& Sha256::operator=(Sha256&& o) noexcept {
  if (this != &o) {
    if (ctx_) EVP_MD_CTX_free(ctx_);
    ctx_ = o.ctx_;
    o.ctx_ = nullptr;
  }
  return *this;
}

void Sha256::update(std::span<const std::uint8_t> bytes) {
  EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

std::string Sha256::hex_digest() {
  std::uint8_t md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_, md, &len);
  EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
  return to_hex({md, len});
}

Result<std::string> sha256_file(const fs::path& path, std::uint64_t* size_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("cannot open " + path.string());
  Sha256 h;
  std::vector<std::uint8_t> buf(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      ::close(fd);
      return make_error("cannot read " + path.string());
    }
    if (n == 0) break;
    h.update({buf.data(), static_cast<std::size_t>(n)});
    total += static_cast<std::uint64_t>(n);
  }
  ::close(fd);
  if (size_bytes) *size_bytes = total;
  return h.hex_digest();
}

// ---------------------------------------------------------------- SigningKey

SigningKey::SigningKey(std::shared_ptr<EVP_PKEY> key, bool has_private)
    : key_(std::move(key)), private_(has_private) {
  std::uint8_t raw[32];
  std::size_t len = sizeof raw;
  EVP_PKEY_get_raw_public_key(key_.get(), raw, &len);
  key_id_ = sha256_hex({reinterpret_cast<const char*>(raw), len}).substr(0, 16);
}

SigningKey SigningKey::generate() {
  return SigningKey(own(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")), true);
}

fs::path SigningKey::key_file(const fs::path& data_dir) {
  return data_dir / "keys" / "recording-ed25519.pem";
}

Result<SigningKey> SigningKey::load_private_pem(const fs::path& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return make_error("cannot read recording key " + file.string());
  EVP_PKEY* k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    if (k) EVP_PKEY_free(k);
    return make_error(file.string() + " is not an Ed25519 private key (PEM)");
  }
  return SigningKey(own(k), true);
}

Result<SigningKey> SigningKey::load_public_pem(const fs::path& file) {
  FILE* f = std::fopen(file.c_str(), "r");
  if (!f) return make_error("cannot read key file " + file.string());
  EVP_PKEY* k = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  if (!k) {
    std::rewind(f);
    k = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  }
  std::fclose(f);
  if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519) {
    if (k) EVP_PKEY_free(k);
    return make_error(file.string() + " holds no Ed25519 key (want a PEM public key)");
  }
  return SigningKey(own(k), false);
}

Result<SigningKey> SigningKey::load_or_create(const fs::path& data_dir) {
  const fs::path file = key_file(data_dir);
  std::error_code ec;
  if (fs::exists(file, ec)) return load_private_pem(file);
  fs::create_directories(file.parent_path(), ec);
  fs::permissions(file.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  SigningKey key = generate();
  // Written to a temporary name and renamed, so that a crash never leaves a
  // half-written key that the next start would refuse.
  BIO* mem = BIO_new(BIO_s_mem());
  const bool ok =
      PEM_write_bio_PrivateKey(mem, key.key_.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  char* pem = nullptr;
  const long pem_len = BIO_get_mem_data(mem, &pem);
  auto written = ok ? base::write_file_atomically(
                          file, std::string_view(pem, static_cast<std::size_t>(pem_len)), 0600)
                    : Result<void>(make_error("cannot encode the recording key"));
  BIO_free(mem);
  if (!written) return make_error("cannot install recording key: " + written.error().message);
  // The public half beside it, for verifiers who must not see the private key.
  if (FILE* pub = std::fopen((data_dir / "keys" / "recording-ed25519.pub.pem").c_str(), "w")) {
    std::fputs(key.public_pem().c_str(), pub);
    std::fclose(pub);
  }
  return key;
}

std::string SigningKey::sign_hex(std::string_view message) const {
  std::uint8_t sig[64];
  std::size_t len = sizeof sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_.get());
  EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const std::uint8_t*>(message.data()),
                 message.size());
  EVP_MD_CTX_free(ctx);
  return to_hex({sig, len});
}

bool SigningKey::verify_hex(std::string_view message, std::string_view signature_hex) const {
  const auto sig = base::from_hex(signature_hex);
  if (!sig || sig->size() != 64) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_.get());
  const int rc =
      EVP_DigestVerify(ctx, sig->data(), sig->size(),
                       reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  EVP_MD_CTX_free(ctx);
  return rc == 1;
}

std::string SigningKey::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

}  // namespace courtcast::record
