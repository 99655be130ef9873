#pragma once
// Secrets the store must give back (platforms' stream keys) sealed at rest
// with libsodium's secretbox (XSalsa20-Poly1305): a copy of the database, a
// backup on another disk or `strings` on the file shows none of them. The
// key is a file of its own, data_dir/keys/store.key (0600), never in the
// database, so the database alone opens nothing.
//
// A sealed value reads "sb1.KEYID.HEX(nonce ‖ box)": KEYID names the key it
// was sealed with (a hash of it, not the key), so a keyring of two keys —
// during a rotation — opens either, and a value from another key says so.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/error.hpp"

namespace courtcast::store {

using SecretKey = std::array<std::uint8_t, 32>;

class SecretBox {
 public:
  // `keys` is not empty; the first seals, every one opens.
  explicit SecretBox(std::vector<SecretKey> keys);

  std::string seal(std::string_view plain) const;
  // The plain text, or an error that says whether the value was made with a
  // key this keyring does not hold or was altered.
  Result<std::string> open(std::string_view sealed) const;
  // Whether `text` is sealed at all, and whether by the sealing key.
  static bool is_sealed(std::string_view text);
  bool sealed_by_current(std::string_view text) const;
  const std::string& key_id() const { return ids_.front(); }

  static SecretKey random_key();

 private:
  std::vector<SecretKey> keys_;
  std::vector<std::string> ids_;
};

// The keyring of a data_dir's keys folder: store.key, made on first use
// (0600, its folder 0700), and store.key.next while a rotation is under way
// (made by begin_key_rotation; it seals, store.key still opens). After every
// sealed value is sealed again by the first key (reseal_secrets), a
// rotation is ended by finish_key_rotation, which renames next over the key.
Result<std::shared_ptr<const SecretBox>> load_keyring(const std::filesystem::path& keys_dir);
Result<void> begin_key_rotation(const std::filesystem::path& keys_dir);
Result<bool> finish_key_rotation(const std::filesystem::path& keys_dir);  // whether one was open

inline constexpr std::string_view kStoreKeyFile = "store.key";
inline constexpr std::string_view kStoreNextKeyFile = "store.key.next";

}  // namespace courtcast::store
