#pragma once
// Console users and their roles. The password hash is opaque here: it is
// made and checked by password.hpp (argon2id) and only stored by the store.

#include <optional>
#include <string>
#include <string_view>

#include "court/id.hpp"
#include "court/time.hpp"

namespace courtcast::store {

enum class Role {
  admin,      // users, settings, everything
  director,   // 导播: takes, cards, cuts, delay, destinations
  officer,    // 执行法官 / 执行员: cases and steps
  moderator,  // 审核员: screens viewers' questions
  readonly,   // sees, changes nothing
};

std::string_view role_code(Role r);
std::optional<Role> role_from_code(std::string_view code);

struct User {
  court::Id id = 0;
  std::string username;
  Role role = Role::readonly;
  std::string password_hash;
  bool disabled = false;
  court::UtcMs created_ms = 0;
};

// A credential for scripts (Authorization: Bearer TOKEN). Only the SHA-256
// of the token is stored: tokens are long random strings, so a fast hash is
// enough, and checking one costs a lookup rather than an argon2 run.
struct ApiToken {
  court::Id id = 0;
  std::string name;  // what it is for, e.g. "ci" or "dashboard"
  Role role = Role::readonly;
  std::string token_hash;  // lowercase hex SHA-256 of the token
  std::string created_by;
  court::UtcMs created_ms = 0;
  bool revoked = false;
};

// A console login as the store keeps it, so that a restart of courtcast does
// not log the director out in the middle of a broadcast. Only the SHA-256 of
// the cookie's value is stored: a copy of the database logs no one in. The
// CSRF token is kept as it is: /me answers it to a reloaded page, and alone
// it opens nothing.
struct LoginSession {
  std::string id_hash;  // lowercase hex SHA-256 of the cookie's value
  court::Id user_id = 0;
  std::string csrf_token;
  court::UtcMs created_ms = 0;
  court::UtcMs last_seen_ms = 0;  // written now and then, not on every request
  court::UtcMs expires_ms = 0;    // created_ms + the longest a login lasts
};

}  // namespace courtcast::store
