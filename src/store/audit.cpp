#include "store/audit.hpp"

#include <memory>
#include <stdexcept>

#include "base/secret.hpp"

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

  return base::sha256_hex(message);
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
