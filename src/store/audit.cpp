#include "store/audit.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace courtcast::store {

namespace {

void put_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
  out += '\n';
}

}  // namespace

std::string audit_hash(const AuditEntry& e) {
  std::string message = "courtcast-audit-v1\n";
  put_field(message, e.prev_hash);
  put_field(message, std::to_string(e.seq));
  put_field(message, std::to_string(e.at_ms));
  put_field(message, e.actor);
  put_field(message, e.action);
  put_field(message, e.details);

  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), message.data(), message.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

AuditVerification verify_audit_chain(std::span<const AuditEntry> entries) {
  AuditVerification v;
  std::string_view prev = kAuditGenesisHash;
  for (const auto& e : entries) {
    ++v.entries;
    const auto bad = [&](std::string problem) {
      v.first_bad_seq = e.seq;
      v.problem = std::move(problem);
      return v;
    };
    if (e.seq != v.entries) {
      return bad("expected entry " + std::to_string(v.entries) + ", found " +
                 std::to_string(e.seq) + " (an entry is missing or out of order)");
    }
    if (e.prev_hash != prev) return bad("its previous-hash does not match the entry before it");
    if (audit_hash(e) != e.hash) return bad("its hash does not match its contents");
    prev = e.hash;
  }
  return v;
}

}  // namespace courtcast::store
