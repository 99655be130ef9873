// The manifest chain and its signatures, below the recorder.

#include "record/manifest.hpp"

#include <gtest/gtest.h>

#include "support.hpp"

namespace courtcast::record::test {
namespace {

ManifestLine segment_line(const std::string& file) {
  ManifestLine l;
  l.session = "unscheduled";
  l.stream = "cam-a";
  l.file = file;
  l.first_ts_ms = 0;
  l.last_ts_ms = 1960;
  l.start_utc_ms = 1'722'735'000'000;
  l.end_utc_ms = 1'722'735'002'000;
  l.size_bytes = 1234;
  l.sha256 = std::string(64, 'a');
  return l;
}

TEST(Manifest, each_line_carries_the_sha256_of_the_line_before) {
  TempDir dir;
  const SigningKey key = SigningKey::generate();
  ManifestWriter w;
  ASSERT_TRUE(w.open(dir.path()));
  for (int i = 0; i < 3; ++i) {
    auto l = segment_line(segment_file_name(i));
    ASSERT_TRUE(w.append(l, key));
  }
  const auto lines = read_lines(dir.path() / kManifestFile);
  ASSERT_EQ(lines.size(), 3u);
  std::string prev = kGenesisSha256;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto l = parse_line(lines[i]);
    ASSERT_TRUE(l) << l.error().message;
    EXPECT_EQ(l->index, i);
    EXPECT_EQ(l->prev_sha256, prev);
    prev = sha256_hex(lines[i]);
  }
}

TEST(Manifest, a_line_is_signed_by_the_recording_key_and_no_other) {
  const SigningKey key = SigningKey::generate();
  const SigningKey other = SigningKey::generate();
  auto l = segment_line("000000.flv");
  const std::string text = render_signed(l, key);
  std::string signed_part;
  auto parsed = parse_line(text, &signed_part);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->key_id, key.key_id());
  EXPECT_TRUE(key.verify_hex(signed_part, parsed->sig));
  EXPECT_FALSE(other.verify_hex(signed_part, parsed->sig));
  EXPECT_NE(key.key_id(), other.key_id());
}

TEST(Manifest, the_signature_covers_every_field) {
  const SigningKey key = SigningKey::generate();
  auto l = segment_line("000000.flv");
  const std::string text = render_signed(l, key);
  std::string edited = text;
  edited.replace(edited.find("\"size_bytes\":1234"), 17, "\"size_bytes\":1235");
  std::string signed_part;
  auto parsed = parse_line(edited, &signed_part);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(key.verify_hex(signed_part, parsed->sig));
}

TEST(Manifest, a_line_without_a_signature_is_refused) {
  auto parsed = parse_line(R"({"index":0,"kind":"gap"})");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().message.find("signature"), std::string::npos);
}

TEST(Manifest, gap_lines_round_trip_with_their_reason) {
  const SigningKey key = SigningKey::generate();
  ManifestLine g;
  g.kind = LineKind::gap;
  g.session = "unscheduled";
  g.stream = "cam-a";
  g.start_utc_ms = 10;
  g.end_utc_ms = 5000;
  g.reason = "offline";
  auto parsed = parse_line(render_signed(g, key));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->kind, LineKind::gap);
  EXPECT_EQ(parsed->reason, "offline");
  EXPECT_EQ(parsed->end_utc_ms, 5000);
}

TEST(Manifest, reopening_cuts_a_partial_last_line_and_continues_the_chain) {
  TempDir dir;
  const SigningKey key = SigningKey::generate();
  {
    ManifestWriter w;
    ASSERT_TRUE(w.open(dir.path()));
    auto l = segment_line("000000.flv");
    ASSERT_TRUE(w.append(l, key));
  }
  const std::string whole = read_file(dir.path() / kManifestFile);
  {
    std::ofstream out(dir.path() / kManifestFile, std::ios::app);
    out << R"({"index":1,"kind":"seg)";  // the crash came mid-write
  }
  ManifestWriter w;
  ASSERT_TRUE(w.open(dir.path()));
  EXPECT_TRUE(w.dropped_partial_line());
  EXPECT_EQ(w.next_index(), 1u);
  EXPECT_EQ(read_file(dir.path() / kManifestFile), whole);
  auto l = segment_line("000001.flv");
  ASSERT_TRUE(w.append(l, key));
  EXPECT_EQ(l.prev_sha256, sha256_hex(whole.substr(0, whole.size() - 1)));
}

TEST(SigningKey, is_created_once_with_mode_0600_and_then_reused) {
  TempDir dir;
  auto a = SigningKey::load_or_create(dir.path());
  ASSERT_TRUE(a) << a.error().message;
  const auto perms = fs::status(SigningKey::key_file(dir.path())).permissions();
  EXPECT_EQ(perms & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  auto b = SigningKey::load_or_create(dir.path());
  ASSERT_TRUE(b);
  EXPECT_EQ(a->key_id(), b->key_id());
  EXPECT_NE(a->public_pem().find("BEGIN PUBLIC KEY"), std::string::npos);
}

TEST(SigningKey, a_public_pem_verifies_but_cannot_sign) {
  TempDir dir;
  const SigningKey key = SigningKey::generate();
  const fs::path pem = dir.path() / "pub.pem";
  std::ofstream(pem) << key.public_pem();
  auto pub = SigningKey::load_public_pem(pem);
  ASSERT_TRUE(pub) << pub.error().message;
  EXPECT_FALSE(pub->can_sign());
  EXPECT_EQ(pub->key_id(), key.key_id());
  EXPECT_TRUE(pub->verify_hex("hello", key.sign_hex("hello")));
  EXPECT_FALSE(pub->verify_hex("hellO", key.sign_hex("hello")));
}

}  // namespace
}  // namespace courtcast::record::test
