// Platforms' stream keys sealed at rest: the box itself, the keyring files,
// and the repository sealing, opening, upgrading plain rows and rotating.

#include "store/secret_box.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "backend.hpp"
#include "store/repository.hpp"

namespace courtcast::store {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKey = "live_7f3c9a1d2e4b5c6d_platform_secret";
constexpr std::string_view kUrlToken =
    "rtmp://push.example.com/live?auth_key=1700000000-0-0-9f8e7d";

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/courtcast-keys-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

TEST(SecretBox, sealed_text_opens_with_its_key_and_shows_nothing_of_the_secret) {
  const SecretBox box({SecretBox::random_key()});
  const std::string sealed = box.seal(kKey);
  EXPECT_TRUE(SecretBox::is_sealed(sealed));
  EXPECT_EQ(sealed.find(kKey), std::string::npos);
  EXPECT_NE(box.seal(kKey), sealed) << "a fresh nonce each time";
  auto opened = box.open(sealed);
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, kKey);
  EXPECT_EQ(*box.open(box.seal("")), "");
}

TEST(SecretBox, another_key_or_an_altered_value_is_refused_and_says_which) {
  const SecretBox box({SecretBox::random_key()});
  const SecretBox other({SecretBox::random_key()});
  std::string sealed = box.seal(kKey);
  auto wrong = other.open(sealed);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "store_key_mismatch");
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == '0' ? '1' : '0';
  auto altered = box.open(sealed);
  ASSERT_FALSE(altered);
  EXPECT_EQ(altered.error().code, "secret_damaged");
  EXPECT_FALSE(box.open("plain text"));
}

TEST(SecretBox, a_keyring_of_two_seals_with_the_first_and_opens_both) {
  const SecretKey old_key = SecretBox::random_key(), new_key = SecretBox::random_key();
  const SecretBox old_box({old_key});
  const SecretBox ring({new_key, old_key});
  const std::string by_old = old_box.seal(kKey);
  EXPECT_EQ(*ring.open(by_old), kKey);
  EXPECT_FALSE(ring.sealed_by_current(by_old));
  EXPECT_TRUE(ring.sealed_by_current(ring.seal(kKey)));
  EXPECT_FALSE(old_box.open(ring.seal(kKey)));
}

TEST(SecretBox, the_keyring_file_is_made_once_owner_only_and_kept) {
  TempDir dir;
  const fs::path keys = dir.path / "keys";
  auto first = load_keyring(keys);
  ASSERT_TRUE(first) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((keys / kStoreKeyFile).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(keys.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto again = load_keyring(keys);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->key_id(), (*first)->key_id());
  EXPECT_EQ(*(*again)->open((*first)->seal(kKey)), kKey);

  std::ofstream(keys / kStoreKeyFile) << "not a key\n";
  auto broken = load_keyring(keys);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, "bad_store_key");
}

class SealedDestinations : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    backend_ = testing::make_backend(GetParam());
    url_ = backend_->fresh_url();
  }
  std::unique_ptr<Repository> open(std::shared_ptr<const SecretBox> secrets) {
    auto r = open_repository(url_, std::move(secrets));
    if (!r) throw std::runtime_error(r.error().message);
    return std::move(*r);
  }
  static std::vector<StoredDestination> two() {
    return {
        {"douyin", "douyin", "rtmp://push.douyin.example/live", std::string(kKey), "air1", true},
        {"custom", "custom", std::string(kUrlToken), "second-key-0042", "air1", false}};
  }
  void expect_two(Repository& repo) {
    auto got = repo.list_destinations();
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].stream_key, kKey);
    EXPECT_EQ((*got)[0].server_url, "rtmp://push.douyin.example/live");
    EXPECT_EQ((*got)[1].server_url, kUrlToken);
    EXPECT_EQ((*got)[1].stream_key, "second-key-0042");
    EXPECT_FALSE((*got)[1].enabled);
  }
  std::unique_ptr<testing::Backend> backend_;
  std::string url_;
};

TEST_P(SealedDestinations, stream_keys_and_server_urls_are_stored_sealed_and_read_back_plain) {
  TempDir dir;
  auto secrets = *load_keyring(dir.path / "keys");
  auto repo = open(secrets);
  ASSERT_TRUE(repo->replace_destinations(two()));
  expect_two(*repo);
  // Without the key the rows do not open, which shows they are sealed.
  auto bare = open(nullptr)->list_destinations();
  ASSERT_FALSE(bare);
  EXPECT_EQ(bare.error().code, "store_key_missing");
  if (GetParam() == "sqlite") {
    repo.reset();
    const fs::path file = url_.substr(7);
    std::string bytes = file_text(file);
    if (fs::exists(file.string() + "-wal")) bytes += file_text(file.string() + "-wal");
    EXPECT_EQ(bytes.find(kKey), std::string::npos);
    EXPECT_EQ(bytes.find("second-key-0042"), std::string::npos);
    EXPECT_EQ(bytes.find("auth_key=1700000000"), std::string::npos);
  }
}

TEST_P(SealedDestinations, plain_rows_from_before_sealing_are_sealed_when_opened_with_a_key) {
  ASSERT_TRUE(open(nullptr)->replace_destinations(two()));  // as an older courtcast left them
  TempDir dir;
  auto secrets = *load_keyring(dir.path / "keys");
  auto repo = open(secrets);
  expect_two(*repo);
  auto bare = open(nullptr)->list_destinations();
  ASSERT_FALSE(bare) << "every row was sealed on open";
  if (GetParam() == "sqlite") {
    repo.reset();
    const fs::path file = url_.substr(7);
    std::string bytes = file_text(file);
    if (fs::exists(file.string() + "-wal")) bytes += file_text(file.string() + "-wal");
    EXPECT_EQ(bytes.find(kKey), std::string::npos) << "secure_delete zeroes the old cells";
    EXPECT_EQ(bytes.find("second-key-0042"), std::string::npos);
  }
}

TEST_P(SealedDestinations, a_rotation_seals_every_row_again_and_the_old_key_no_longer_opens_them) {
  TempDir dir;
  const fs::path keys = dir.path / "keys";
  auto old_ring = *load_keyring(keys);
  ASSERT_TRUE(open(old_ring)->replace_destinations(two()));

  ASSERT_TRUE(begin_key_rotation(keys));
  auto ring = *load_keyring(keys);  // next first, the old one still opens
  EXPECT_NE(ring->key_id(), old_ring->key_id());
  {
    auto repo = open(ring);  // reseals
    expect_two(*repo);
  }
  auto finished = finish_key_rotation(keys);
  ASSERT_TRUE(finished && *finished);
  EXPECT_FALSE(fs::exists(keys / kStoreNextKeyFile));
  auto after = *load_keyring(keys);
  EXPECT_EQ(after->key_id(), ring->key_id());
  expect_two(*open(after));

  auto with_old = open_repository(url_, old_ring);
  ASSERT_FALSE(with_old) << "the old key no longer opens the rows";
  EXPECT_EQ(with_old.error().code, "store_key_mismatch");
  EXPECT_FALSE(*finish_key_rotation(keys)) << "nothing under way";
}

INSTANTIATE_TEST_SUITE_P(sqlite, SealedDestinations, ::testing::Values("sqlite"),
                         [](const auto&) { return std::string("sqlite"); });
INSTANTIATE_TEST_SUITE_P(postgresql, SealedDestinations, ::testing::Values("postgresql"),
                         [](const auto&) { return std::string("postgresql"); });

}  // namespace
}  // namespace courtcast::store
