// The server-wide recording service: taps for the hub, alerts, retention.

#include "record/service.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "record/verify.hpp"
#include "support.hpp"

namespace courtcast::record::test {
namespace {

RecordingOptions service_options(const fs::path& data_dir) {
  RecordingOptions o;
  o.data_dir = data_dir;
  o.segment_seconds = 2;
  o.min_free_bytes = 0;
  return o;
}

// A finished recording under data_dir whose last line ended `age_days` ago.
void old_recording(const fs::path& data_dir, const std::string& stream, int age_days) {
  const fs::path dir = data_dir / "recordings" / "unscheduled" / stream;
  fs::create_directories(dir);
  ManifestWriter w;
  ASSERT_TRUE(w.open(dir));
  ManifestLine gap;
  gap.kind = LineKind::gap;
  gap.session = "unscheduled";
  gap.stream = stream;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  gap.end_utc_ms = now - std::int64_t{age_days} * 86'400'000;
  gap.start_utc_ms = gap.end_utc_ms - 1000;
  gap.reason = "offline";
  ASSERT_TRUE(w.append(gap, SigningKey::generate()));
}

TEST(RecordingService, a_re_created_stream_keeps_its_recorder_so_one_writer_owns_a_manifest) {
  TempDir data;
  RecordingService service(service_options(data.path()));
  auto a = service.taps_for("cam-a");
  auto b = service.taps_for("cam-a");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0], b[0]);
  auto c = service.taps_for("cam-b");
  EXPECT_NE(c[0], a[0]);
  EXPECT_EQ(service.statuses().size(), 2u);
}

TEST(RecordingService, disabled_recording_adds_no_taps_but_keeps_the_key) {
  TempDir data;
  auto o = service_options(data.path());
  o.enabled = false;
  RecordingService service(o);
  EXPECT_TRUE(service.taps_for("cam-a").empty());
  EXPECT_TRUE(fs::exists(SigningKey::key_file(data.path())));
}

TEST(RecordingService, records_through_its_taps_and_closes_everything_on_shutdown) {
  TempDir data;
  RecordingService service(service_options(data.path()));
  auto taps = service.taps_for("cam-a");
  auto& recorder = static_cast<Recorder&>(*taps[0]);
  recorder.on_publish_start("127.0.0.1:1");
  publish(recorder, 0, 3000);
  service.shutdown();  // mid-publish, as on SIGTERM
  const auto report = verify_stream_dir(service.root() / "unscheduled" / "cam-a", service.key());
  ASSERT_TRUE(report.ok) << report.error;
  EXPECT_EQ(report.segments, 2u);
  EXPECT_FALSE(service.alert());
}

TEST(RecordingService, a_recorder_low_on_disk_raises_the_service_alert) {
  TempDir data;
  auto o = service_options(data.path());
  o.min_free_bytes = std::uint64_t{1} << 62;
  std::atomic<int> raised{0};
  o.on_alert_change = [&](const RecorderStatus& s) { raised += s.alert ? 1 : 0; };
  RecordingService service(o);
  auto taps = service.taps_for("cam-a");
  auto& recorder = static_cast<Recorder&>(*taps[0]);
  recorder.on_publish_start("127.0.0.1:1");
  publish(recorder, 0, 500);
  recorder.drain();
  EXPECT_TRUE(service.alert());
  EXPECT_EQ(service.statuses()[0].alert_reason, "disk_low");
  EXPECT_EQ(raised.load(), 1) << "the alert is reported once, for the WebSocket event";
}

TEST(RecordingService, retention_by_default_deletes_nothing) {
  TempDir data;
  old_recording(data.path(), "cam-old", 400);
  RecordingService service(service_options(data.path()));
  EXPECT_EQ(service.apply_retention(), 0u);
  EXPECT_TRUE(fs::exists(service.root() / "unscheduled" / "cam-old"));
}

TEST(RecordingService, retention_deletes_whole_folders_older_than_the_limit_only) {
  TempDir data;
  auto o = service_options(data.path());
  o.retention_days = 30;
  old_recording(data.path(), "cam-old", 31);
  old_recording(data.path(), "cam-new", 29);
  RecordingService service(o);
  service.apply_retention();  // the service's own sweep at start may have been first
  EXPECT_FALSE(fs::exists(service.root() / "unscheduled" / "cam-old"));
  EXPECT_TRUE(fs::exists(service.root() / "unscheduled" / "cam-new"));
}

}  // namespace
}  // namespace courtcast::record::test
