// What a crash leaves behind, and how the next start makes it evidence again.

#include <gtest/gtest.h>

#include "record/recorder.hpp"
#include "record/segment.hpp"
#include "record/verify.hpp"
#include "support.hpp"

namespace courtcast::record::test {
namespace {

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A clean recording of 3 segments to crash on top of.
    Recorder r("cam-a", options(root_.path(), 2000), key_);
    r.on_publish_start("127.0.0.1:1");
    publish(r, 0, 6000);
    r.on_publish_end();
    r.stop();
    ASSERT_EQ(read_lines(dir() / kManifestFile).size(), 3u);
  }
  fs::path dir() const { return root_.path() / "unscheduled" / "cam-a"; }
  // Leaves `bytes` of a copy of segment 1 as the .part a killed writer left.
  fs::path leave_part(std::size_t cut_from_end, std::int64_t start_utc_ms) {
    const std::string whole = read_file(dir() / "000001.flv");
    const fs::path part = dir() / part_file_name(3, start_utc_ms);
    std::ofstream(part, std::ios::binary) << whole.substr(0, whole.size() - cut_from_end);
    return part;
  }

  std::shared_ptr<const SigningKey> key_ = std::make_shared<SigningKey>(SigningKey::generate());
  TempDir root_;
};

TEST_F(RecoveryTest, a_truncated_segment_is_cut_at_its_last_whole_tag_and_listed_as_recovered) {
  const std::string whole = read_file(dir() / "000001.flv");
  leave_part(100, 1'722'735'000'000);  // the last tag is cut short
  ManifestWriter manifest;
  ASSERT_TRUE(manifest.open(dir()));
  std::vector<std::string> log;
  auto n = recover_segments(dir(), manifest, *key_, "unscheduled", "cam-a",
                            [&](const std::string& m) { log.push_back(m); });
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 1u);
  const auto lines = read_lines(dir() / kManifestFile);
  ASSERT_EQ(lines.size(), 4u);
  auto l = parse_line(lines.back());
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->recovered);
  EXPECT_EQ(l->file, "000003.flv");
  EXPECT_EQ(l->start_utc_ms, 1'722'735'000'000);
  EXPECT_LT(l->size_bytes, whole.size() - 100) << "cut back to a tag boundary";
  EXPECT_GT(l->size_bytes, whole.size() - 100 - 2500) << "only the broken tag is lost";
  EXPECT_EQ(fs::file_size(dir() / "000003.flv"), l->size_bytes);
  EXPECT_EQ(scan_flv(dir() / "000003.flv").whole_bytes, l->size_bytes);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("event=record_recovered"), std::string::npos);
  const auto report = verify_stream_dir(dir(), *key_);
  ASSERT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.recovered, 1u);
}

TEST_F(RecoveryTest, a_part_without_a_whole_media_tag_is_discarded) {
  const fs::path part = dir() / part_file_name(3, 1);
  std::ofstream(part, std::ios::binary) << std::string("FLV\x01\x05\0\0\0\x09\0\0\0\0", 13);
  ManifestWriter manifest;
  ASSERT_TRUE(manifest.open(dir()));
  auto n =
      recover_segments(dir(), manifest, *key_, "unscheduled", "cam-a", [](const std::string&) {});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
  EXPECT_FALSE(fs::exists(part));
  EXPECT_TRUE(verify_stream_dir(dir(), *key_).ok);
}

TEST_F(RecoveryTest, the_next_recorder_lists_the_recovered_segment_and_the_crash_as_a_gap) {
  leave_part(7, 1);
  {
    Recorder r("cam-a", options(root_.path(), 2000), key_);
    r.on_publish_start("127.0.0.1:1");
    publish(r, 10'000, 2000);
    r.on_publish_end();
    r.stop();
  }
  const auto report = verify_stream_dir(dir(), *key_);
  ASSERT_TRUE(report.ok) << report.error;
  ASSERT_GE(report.lines.size(), 6u);
  EXPECT_TRUE(report.lines[3].recovered);
  EXPECT_EQ(report.lines[4].kind, LineKind::gap);
  EXPECT_EQ(report.lines[4].reason, "server_crashed");
  EXPECT_EQ(report.lines[5].kind, LineKind::segment);
}

}  // namespace
}  // namespace courtcast::record::test
