#include "store/secret_box.hpp"

#include <sodium.h>

#include <fstream>
#include <stdexcept>

#include "base/file.hpp"
#include "base/hex.hpp"

namespace courtcast::store {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "sb1.";

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

// Four bytes of a keyed-free BLAKE2b of the key, as hex: enough to tell a
// keyring's two keys apart, nothing about the key.
std::string key_id_of(const SecretKey& key) {
  std::uint8_t digest[16];
  crypto_generichash(digest, sizeof digest, key.data(), key.size(),
                     reinterpret_cast<const unsigned char*>("courtcast store key"), 19);
  return base::to_hex(std::span<const std::uint8_t>(digest, 4));
}

Result<std::optional<SecretKey>> read_key(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::optional<SecretKey>();
  std::ifstream in(file);
  std::string text;
  std::getline(in, text);
  auto bytes = base::from_hex(text);
  if (!bytes || bytes->size() != SecretKey{}.size())
    return fail(ErrorKind::invalid, "bad_store_key",
                file.string() + ": not a store key (64 hex digits); restore it from a backup");
  SecretKey key;
  std::copy(bytes->begin(), bytes->end(), key.begin());
  return std::optional<SecretKey>(key);
}

Result<void> write_key(const fs::path& file, const SecretKey& key) {
  if (auto r = base::write_file_atomically(file, base::to_hex(key) + "\n", 0600); !r)
    return fail(ErrorKind::database, "store_key_unwritable", r.error().message);
  return {};
}

Result<void> make_keys_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec)
    return fail(ErrorKind::database, "store_key_unwritable", dir.string() + ": " + ec.message());
  return {};
}

}  // namespace

SecretBox::SecretBox(std::vector<SecretKey> keys) : keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("SecretBox needs a key");
  ensure_sodium();
  for (const auto& k : keys_) ids_.push_back(key_id_of(k));
}

SecretKey SecretBox::random_key() {
  ensure_sodium();
  SecretKey key;
  crypto_secretbox_keygen(key.data());
  return key;
}

std::string SecretBox::seal(std::string_view plain) const {
  std::vector<std::uint8_t> out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES +
                                plain.size());
  randombytes_buf(out.data(), crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(out.data() + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                        out.data(), keys_.front().data());
  return std::string(kPrefix) + ids_.front() + "." + base::to_hex(out);
}

bool SecretBox::is_sealed(std::string_view text) {
  return text.starts_with(kPrefix);
}

bool SecretBox::sealed_by_current(std::string_view text) const {
  return is_sealed(text) && text.substr(kPrefix.size()).starts_with(ids_.front() + ".");
}

Result<std::string> SecretBox::open(std::string_view sealed) const {
  if (!is_sealed(sealed))
    return fail(ErrorKind::invalid, "not_sealed", "the stored secret is not sealed");
  sealed.remove_prefix(kPrefix.size());
  const auto dot = sealed.find('.');
  const std::string_view id = sealed.substr(0, dot);
  std::size_t k = 0;
  while (k < ids_.size() && ids_[k] != id) ++k;
  if (dot == std::string_view::npos || k == ids_.size())
    return fail(ErrorKind::database, "store_key_mismatch",
                "a stored secret was sealed with store key " + std::string(id) +
                    ", which data_dir/keys/store.key is not (it is " + ids_.front() +
                    "); put back the keys folder the database was backed up with");
  auto bytes = base::from_hex(sealed.substr(dot + 1));
  const std::size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  if (!bytes || bytes->size() < overhead)
    return fail(ErrorKind::database, "secret_damaged", "a stored secret is damaged");
  std::string plain(bytes->size() - overhead, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 bytes->data() + crypto_secretbox_NONCEBYTES,
                                 bytes->size() - crypto_secretbox_NONCEBYTES, bytes->data(),
                                 keys_[k].data()) != 0)
    return fail(ErrorKind::database, "secret_damaged",
                "a stored secret does not open with its key: it was altered");
  return plain;
}

Result<std::shared_ptr<const SecretBox>> load_keyring(const fs::path& keys_dir) {
  if (auto r = make_keys_dir(keys_dir); !r) return court::Unexpected<Error>{r.error()};
  auto current = read_key(keys_dir / kStoreKeyFile);
  if (!current) return court::Unexpected<Error>{current.error()};
  auto next = read_key(keys_dir / kStoreNextKeyFile);
  if (!next) return court::Unexpected<Error>{next.error()};
  std::vector<SecretKey> keys;
  if (*next) keys.push_back(**next);
  if (*current) {
    keys.push_back(**current);
  } else if (!*next) {
    keys.push_back(SecretBox::random_key());
    if (auto w = write_key(keys_dir / kStoreKeyFile, keys.back()); !w)
      return court::Unexpected<Error>{w.error()};
  }
  return std::shared_ptr<const SecretBox>(std::make_shared<SecretBox>(std::move(keys)));
}

Result<void> begin_key_rotation(const fs::path& keys_dir) {
  if (auto r = make_keys_dir(keys_dir); !r) return r;
  std::error_code ec;
  if (fs::exists(keys_dir / kStoreNextKeyFile, ec)) return {};  // one under way: finish it
  return write_key(keys_dir / kStoreNextKeyFile, SecretBox::random_key());
}

Result<bool> finish_key_rotation(const fs::path& keys_dir) {
  std::error_code ec;
  if (!fs::exists(keys_dir / kStoreNextKeyFile, ec)) return false;
  fs::rename(keys_dir / kStoreNextKeyFile, keys_dir / kStoreKeyFile, ec);
  if (ec)
    return fail(ErrorKind::database, "store_key_unwritable",
                (keys_dir / kStoreKeyFile).string() + ": " + ec.message());
  if (auto r = base::sync_dir(keys_dir); !r)
    return fail(ErrorKind::database, "store_key_unwritable", r.error().message);
  return true;
}

}  // namespace courtcast::store
