#pragma once
// The two primitives the evidence chain rests on: SHA-256 of files and lines,
// and the server's Ed25519 recording key that signs every manifest line.
// OpenSSL 3 EVP underneath; the key is kept as PKCS#8 PEM, mode 0600.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/hex.hpp"
#include "base/secret.hpp"
#include "media/result.hpp"

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace courtcast::record {

using base::sha256_hex;
using base::to_hex;
using media::Result;

// Incremental SHA-256, so that a segment is hashed while it is written
// instead of being read back.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
  Sha256& operator=(Sha256&& o) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const std::uint8_t> bytes);
  void update(std::string_view s) {
    update({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
  }
  // Returns the lowercase hex digest and starts over.
  std::string hex_digest();

 private:
  EVP_MD_CTX* ctx_;
};

// Hashes a whole file; `size_bytes` receives its length.
Result<std::string> sha256_file(const std::filesystem::path& path, std::uint64_t* size_bytes);

// An Ed25519 key: the server's private recording key, or a public key that
// a verifier was handed.
class SigningKey {
 public:
  // Loads data_dir/keys/recording-ed25519.pem, creating it (0600) on first use.
  static Result<SigningKey> load_or_create(const std::filesystem::path& data_dir);
  static Result<SigningKey> load_private_pem(const std::filesystem::path& file);
  // A public key (SubjectPublicKeyInfo PEM) or a private key file, whose
  // public half is used.
  static Result<SigningKey> load_public_pem(const std::filesystem::path& file);
  static SigningKey generate();  // for tests
  static std::filesystem::path key_file(const std::filesystem::path& data_dir);

  bool can_sign() const { return private_; }
  // 64-byte signature as 128 hex digits.
  std::string sign_hex(std::string_view message) const;
  bool verify_hex(std::string_view message, std::string_view signature_hex) const;
  std::string public_pem() const;
  // First 16 hex digits of SHA-256 of the raw public key: names the key in
  // every line, so a line signed by another key says so.
  const std::string& key_id() const { return key_id_; }

 private:
  SigningKey(std::shared_ptr<EVP_PKEY> key, bool has_private);
  std::shared_ptr<EVP_PKEY> key_;
  bool private_ = false;
  std::string key_id_;
};

}  // namespace courtcast::record
