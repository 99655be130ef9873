#pragma once
// The audit log: who did what and when, append-only and hash-chained like the
// recording manifest. Each entry's hash covers its fields and the previous
// entry's hash, so editing or removing any entry breaks every later link.

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "court/time.hpp"

namespace courtcast::store {

// The previous hash of the first entry.
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct AuditEntry {
  std::int64_t seq = 0;  // 1, 2, 3 … without gaps
  court::UtcMs at_ms = 0;
  std::string actor;
  std::string action;   // e.g. "step.mark", "session.go_live", "program.take"
  std::string details;  // JSON text
  std::string prev_hash;
  std::string hash;  // lowercase hex SHA-256
};

// Who does a change and when; every write through the repository names one.
struct Actor {
  std::string name;
  court::UtcMs at_ms = 0;
};

// SHA-256 over the entry's fields (length-prefixed, so no two entries
// encode alike) and the previous hash.
std::string audit_hash(const AuditEntry& e);

// The first entry (by position) whose sequence, link or hash is wrong.
struct AuditVerification {
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;
  bool ok() const { return !first_bad_seq; }
};
AuditVerification verify_audit_chain(std::span<const AuditEntry> entries);

}  // namespace courtcast::store
