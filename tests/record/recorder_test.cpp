// The recorder as the hub drives it: packets in, segments and lines out.

#include "record/recorder.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "media/flv.hpp"
#include "record/verify.hpp"
#include "support.hpp"

namespace courtcast::record::test {
namespace {

class RecorderTest : public ::testing::Test {
 protected:
  std::shared_ptr<const SigningKey> key_ = std::make_shared<SigningKey>(SigningKey::generate());
  TempDir root_;
  fs::path stream_dir(const std::string& stream = "cam-a") const {
    return root_.path() / "unscheduled" / stream;
  }
  std::vector<ManifestLine> lines(const std::string& stream = "cam-a") const {
    std::vector<ManifestLine> out;
    for (const auto& text : read_lines(stream_dir(stream) / kManifestFile)) {
      auto l = parse_line(text);
      EXPECT_TRUE(l) << text;
      if (l) out.push_back(*l);
    }
    return out;
  }
};

TEST_F(RecorderTest, cuts_segments_at_the_first_keyframe_at_or_after_the_segment_length) {
  Recorder r("cam-a", options(root_.path(), 2000), key_);
  r.on_publish_start("127.0.0.1:1");
  publish(r, 0, 7000, /*gop_ms=*/1500);
  r.on_publish_end();
  r.stop();
  const auto l = lines();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0].first_ts_ms, 0);
  EXPECT_EQ(l[1].first_ts_ms, 3000);
  EXPECT_EQ(l[2].first_ts_ms, 6000);
  EXPECT_EQ(l[2].last_ts_ms, 6960);
  for (const auto& line : l) EXPECT_FALSE(line.recovered);
  EXPECT_TRUE(verify_stream_dir(stream_dir(), *key_).ok);
}

TEST_F(RecorderTest, bytes_written_counts_what_is_on_disk_with_the_open_segment) {
  auto on_disk = [&] {
    std::uint64_t n = 0;
    for (const auto& e : fs::directory_iterator(stream_dir()))
      if (e.path().string().find(".flv") != std::string::npos) n += e.file_size();
    return n;
  };
  {
    Recorder r("cam-a", options(root_.path(), 2000), key_);
    r.on_publish_start("127.0.0.1:1");
    publish(r, 0, 3000, /*gop_ms=*/1000);
    r.drain();
    const auto s = r.status();
    EXPECT_GT(s.open_segment_bytes, 0u) << "the open segment counts";
    EXPECT_EQ(s.bytes_written, on_disk());
    r.stop();
  }
  // A later run counts the segments of the earlier one too.
  Recorder again("cam-a", options(root_.path(), 2000), key_);
  again.on_publish_start("127.0.0.1:1");
  publish(again, 10'000, 1000);
  again.drain();
  EXPECT_EQ(again.status().bytes_written, on_disk());
  again.stop();
}

TEST_F(RecorderTest, each_segment_starts_with_header_sequence_headers_and_a_keyframe) {
  Recorder r("cam-a", options(root_.path(), 2000), key_);
  r.on_publish_start("127.0.0.1:1");
  publish(r, 0, 5000);
  r.on_publish_end();
  r.stop();
  const std::string bytes = read_file(stream_dir() / "000001.flv");
  std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                     bytes.size());
  media::FlvReader reader;
  std::vector<media::FlvTag> tags;
  for (;;) {
    std::size_t used = 0;
    auto t = reader.next(data, used);
    ASSERT_TRUE(t);
    if (!*t) break;
    tags.push_back(**t);
    data = data.subspan(used);
  }
  EXPECT_TRUE(data.empty()) << "the segment ends with a whole tag";
  ASSERT_GE(tags.size(), 3u);
  EXPECT_EQ(tags[0].type, 9);
  EXPECT_EQ(tags[0].body[1], 0) << "AVC sequence header first";
  EXPECT_EQ(tags[1].type, 8);
  EXPECT_EQ(tags[1].body[1], 0) << "AAC sequence header second";
  EXPECT_EQ(tags[0].dts_ms, 2000) << "headers are stamped with the segment's first time";
  EXPECT_EQ(tags[2].type, 9);
  EXPECT_EQ(tags[2].body[0] >> 4, 1) << "media starts with a keyframe";
}

TEST_F(RecorderTest, time_offline_between_publishes_is_a_gap_line) {
  Recorder r("cam-a", options(root_.path(), 2000), key_);
  r.on_publish_start("127.0.0.1:1");
  publish(r, 0, 1000);
  r.on_publish_end();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  r.on_publish_start("127.0.0.1:2");
  publish(r, 1030, 1000);
  r.on_publish_end();
  r.stop();
  const auto l = lines();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[1].kind, LineKind::gap);
  EXPECT_EQ(l[1].reason, "offline");
  EXPECT_GE(l[1].end_utc_ms - l[1].start_utc_ms, 25);
  const auto report = verify_stream_dir(stream_dir(), *key_);
  ASSERT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.gaps, 1u);
  EXPECT_EQ(report.segments, 2u);
}

TEST_F(RecorderTest, a_queue_overflow_drops_packets_and_lists_the_hole_as_a_gap) {
  auto o = options(root_.path(), 2000);
  o.max_queue_bytes = 40'000;
  o.write_interval = std::chrono::milliseconds(300);
  Recorder r("cam-a", o, key_);
  r.on_publish_start("127.0.0.1:1");
  publish(r, 0, 1000);
  r.drain();
  publish(r, 1000, 3000, 1000, /*headers=*/false);  // far more than the queue holds, at once
  r.drain();
  publish(r, 4000, 2000, 1000, false);
  r.on_publish_end();
  r.stop();
  const auto status = r.status();
  EXPECT_GT(status.dropped_packets, 0u);
  bool overflow_gap = false;
  for (const auto& l : lines())
    overflow_gap |= l.kind == LineKind::gap && l.reason == "queue_overflow";
  EXPECT_TRUE(overflow_gap);
  const auto report = verify_stream_dir(stream_dir(), *key_);
  EXPECT_TRUE(report.ok) << report.error;
}

TEST_F(RecorderTest, below_the_free_space_threshold_new_segments_are_refused_with_an_alert) {
  auto o = options(root_.path(), 2000);
  o.min_free_bytes = std::uint64_t{1} << 62;
  Recorder r("cam-a", o, key_);
  r.on_publish_start("127.0.0.1:1");
  publish(r, 0, 1000);
  r.drain();
  const auto status = r.status();
  EXPECT_EQ(status.state, RecorderState::refused);
  EXPECT_TRUE(status.alert);
  EXPECT_EQ(status.alert_reason, "disk_low");
  EXPECT_GT(status.dropped_packets, 0u);
  r.stop();
  EXPECT_FALSE(fs::exists(stream_dir() / "000000.flv"));
}

TEST_F(RecorderTest, stopping_closes_the_open_segment_synced_and_listed) {
  Recorder r("cam-a", options(root_.path(), 60'000), key_);
  r.on_publish_start("127.0.0.1:1");
  publish(r, 0, 1000);
  r.stop();  // the server shuts down mid-publish
  const auto l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].last_ts_ms, 960);
  for (const auto& e : fs::directory_iterator(stream_dir()))
    EXPECT_NE(e.path().extension(), ".part") << e.path();
}

TEST_F(RecorderTest, a_failing_write_stops_only_that_streams_recording_and_is_reported) {
  fs::create_directories(root_.path() / "unscheduled");
  std::ofstream(stream_dir("cam-b")) << "not a directory";  // cam-b's folder cannot be made
  Recorder a("cam-a", options(root_.path(), 2000), key_);
  Recorder b("cam-b", options(root_.path(), 2000), key_);
  for (Recorder* r : {&a, &b}) {
    r->on_publish_start("127.0.0.1:1");
    publish(*r, 0, 3000);
    r->drain();
  }
  EXPECT_EQ(b.status().state, RecorderState::failed);
  EXPECT_TRUE(b.status().alert);
  EXPECT_NE(b.status().last_error.find("cam-b"), std::string::npos);
  EXPECT_EQ(a.status().state, RecorderState::recording);
  EXPECT_FALSE(a.status().alert);
  a.stop();
  b.stop();
  EXPECT_TRUE(verify_stream_dir(stream_dir("cam-a"), *key_).ok);
}

}  // namespace
}  // namespace courtcast::record::test
