#pragma once
// Password hashing with libsodium's argon2id (crypto_pwhash_str), which
// embeds its salt and cost in the string it returns, so a stored hash stays
// verifiable when the default cost later rises.

#include <string>
#include <string_view>

#include "store/error.hpp"

namespace courtcast::store {

Result<std::string> hash_password(std::string_view password);
bool verify_password(std::string_view hash, std::string_view password);

// A random password for the first admin, printed once at first start:
// `length` characters from an alphabet without look-alikes (0/O, 1/l/I).
std::string random_password(std::size_t length = 20);

}  // namespace courtcast::store
