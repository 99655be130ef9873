// `courtcast verify`: passes an intact recording, and for each kind of
// tampering fails naming the first bad place.

#include "record/verify.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "record/commands.hpp"
#include "support.hpp"

namespace courtcast::record::test {
namespace {

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // 4 segments, then an offline gap, then 1 more: 6 lines.
    Recorder r("cam-a", options(root_.path(), 2000), key_);
    r.on_publish_start("127.0.0.1:1");
    publish(r, 0, 8000);
    r.on_publish_end();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    r.on_publish_start("127.0.0.1:1");
    publish(r, 9000, 1000);
    r.on_publish_end();
    r.stop();
    ASSERT_EQ(read_lines(manifest()).size(), 6u);
  }
  fs::path dir() const { return root_.path() / "unscheduled" / "cam-a"; }
  fs::path manifest() const { return dir() / kManifestFile; }
  std::string error() const {
    const auto report = verify_stream_dir(dir(), *key_);
    EXPECT_FALSE(report.ok) << "verify passed a tampered recording";
    return report.error;
  }

  std::shared_ptr<const SigningKey> key_ = std::make_shared<SigningKey>(SigningKey::generate());
  TempDir root_;
};

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE((text).find(part), std::string::npos) << "'" << (text) << "' lacks '" << (part) << "'"

TEST_F(VerifyTest, an_intact_recording_passes_with_a_summary) {
  const auto report = verify_stream_dir(dir(), *key_);
  ASSERT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.segments, 5u);
  EXPECT_EQ(report.gaps, 1u);
  EXPECT_GT(report.media_ms, 8500);
  EXPECT_CONTAINS(report.summary(), "5 segments");
  EXPECT_CONTAINS(report.summary(), "1 gap");
}

TEST_F(VerifyTest, a_flipped_byte_names_the_segment_and_its_line) {
  std::fstream f(dir() / "000001.flv", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(5000);
  char c = 0;
  f.read(&c, 1);
  f.seekp(5000);
  c ^= 0x01;
  f.write(&c, 1);
  f.close();
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 2 (index 1, 000001.flv)");
  EXPECT_CONTAINS(e, "SHA-256");
}

TEST_F(VerifyTest, a_deleted_segment_is_named_as_missing) {
  fs::remove(dir() / "000002.flv");
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 3");
  EXPECT_CONTAINS(e, "000002.flv is missing");
}

TEST_F(VerifyTest, two_swapped_lines_are_found_at_the_first_of_them) {
  auto lines = read_lines(manifest());
  std::swap(lines[1], lines[2]);
  write_lines(manifest(), lines);
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 2 ");
  EXPECT_CONTAINS(e, "reordered");
}

TEST_F(VerifyTest, an_edited_hash_breaks_the_lines_signature) {
  auto lines = read_lines(manifest());
  auto l = parse_line(lines[2]);
  ASSERT_TRUE(l);
  const std::string forged = sha256_hex("a different file");
  lines[2].replace(lines[2].find(l->sha256), 64, forged);
  write_lines(manifest(), lines);
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 3 (index 2, 000002.flv)");
  EXPECT_CONTAINS(e, "signature does not match");
}

TEST_F(VerifyTest, a_line_re_signed_with_another_key_is_named) {
  auto lines = read_lines(manifest());
  auto l = parse_line(lines[3]);
  ASSERT_TRUE(l);
  const SigningKey forger = SigningKey::generate();
  lines[3] = render_signed(*l, forger);  // same fields and chain, the forger's signature
  write_lines(manifest(), lines);
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 4 (index 3, 000003.flv)");
  EXPECT_CONTAINS(e, "signed by another key");
}

TEST_F(VerifyTest, a_truncated_segment_is_named) {
  fs::resize_file(dir() / "000003.flv", fs::file_size(dir() / "000003.flv") - 10);
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 4 (index 3, 000003.flv)");
  EXPECT_CONTAINS(e, "truncated");
}

TEST_F(VerifyTest, an_extra_segment_the_manifest_does_not_list_is_named) {
  fs::copy_file(dir() / "000000.flv", dir() / "000042.flv");
  EXPECT_CONTAINS(error(), "extra segment 000042.flv");
}

TEST_F(VerifyTest, a_dropped_last_line_leaves_its_segment_as_extra) {
  auto lines = read_lines(manifest());
  lines.pop_back();
  write_lines(manifest(), lines);
  EXPECT_CONTAINS(error(), "extra segment 000005.flv");
}

TEST_F(VerifyTest, a_removed_middle_line_breaks_the_chain_there) {
  auto lines = read_lines(manifest());
  lines.erase(lines.begin() + 1);
  write_lines(manifest(), lines);
  const std::string e = error();
  EXPECT_CONTAINS(e, "line 2 ");
  EXPECT_CONTAINS(e, "reordered, removed or inserted");
}

TEST_F(VerifyTest, checking_against_another_public_key_fails_at_line_1) {
  const auto report = verify_stream_dir(dir(), SigningKey::generate());
  ASSERT_FALSE(report.ok);
  EXPECT_CONTAINS(report.error, "line 1 ");
  EXPECT_CONTAINS(report.error, "another key");
}

TEST_F(VerifyTest, the_command_exits_0_when_intact_and_1_naming_the_place_when_not) {
  const fs::path pem = root_.path() / "pub.pem";
  std::ofstream(pem) << key_->public_pem();
  std::ostringstream out, err;
  EXPECT_EQ(verify_command(root_.path().string(), {pem.string(), ""}, out, err), 0) << err.str();
  EXPECT_CONTAINS(out.str(), "ok ");
  fs::remove(dir() / "000005.flv");
  std::ostringstream out2, err2;
  EXPECT_EQ(verify_command(dir().string(), {pem.string(), ""}, out2, err2), 1);
  EXPECT_CONTAINS(err2.str(), "000005.flv is missing");
}

}  // namespace
}  // namespace courtcast::record::test
