// The console's files: a gzip sibling is sent only while it is the gzip of
// the file as it is now; a stale one (a rebuild by hand) is ignored.

#include "http/static_site.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace courtcast::http {
namespace {

namespace fs = std::filesystem;
using boost::beast::http::verb;

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("courtcast-static-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "assets");
    write("index.html", "<!doctype html><title>console</title>");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& bytes) {
    std::ofstream(dir_ / rel, std::ios::binary) << bytes;
  }
  // gzip -9 -k -n, as `make web` does (the sibling gets the file's time).
  void gzip(const std::string& rel) {
    const std::string cmd = "gzip -9 -k -n -f '" + (dir_ / rel).string() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  void age(const std::string& rel, std::chrono::seconds by) {
    const fs::path p = dir_ / rel;
    fs::last_write_time(p, fs::last_write_time(p) - by);
  }

  StaticResponse get(std::string_view path) {
    StaticRequest req;
    req.method = verb::get;
    req.path = path;
    req.accept = "*/*";
    req.accept_encoding = "gzip, deflate, br";
    return StaticSite(dir_).serve(req);
  }
  static std::string header(const StaticResponse& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  fs::path dir_;
};

const std::string kOld(2000, 'a');
const std::string kNew = std::string(3000, 'b');

TEST_F(StaticSiteTest, fresh_gzip_sibling_is_sent_to_a_browser_taking_gzip) {
  write("assets/app.js", kOld);
  gzip("assets/app.js");
  const auto r = get("/assets/app.js");
  EXPECT_EQ(header(r, "Content-Encoding"), "gzip");
  EXPECT_LT(r.body.size(), kOld.size());
}

TEST_F(StaticSiteTest, gzip_sibling_older_than_its_file_is_ignored) {
  write("assets/app.js", kOld);
  gzip("assets/app.js");
  age("assets/app.js.gz", std::chrono::seconds(60));
  const auto r = get("/assets/app.js");
  EXPECT_EQ(header(r, "Content-Encoding"), "");
  EXPECT_EQ(r.body, kOld);
}

TEST_F(StaticSiteTest, stale_gzip_sibling_with_a_newer_time_is_ignored_too) {
  // A rebuild by hand (npm run build) rewrote the file; the old sibling was
  // then copied with a later time (cp -p of a backup, a coarse clock).
  write("assets/app.js", kOld);
  gzip("assets/app.js");
  write("assets/app.js", kNew);
  age("assets/app.js", std::chrono::seconds(60));
  const auto r = get("/assets/app.js");
  EXPECT_EQ(header(r, "Content-Encoding"), "");
  EXPECT_EQ(r.body, kNew);
}

TEST_F(StaticSiteTest,
       index_page_touched_after_gzip_is_still_sent_gzipped_once_its_sibling_is_touched) {
  write("index.html", kOld);
  gzip("index.html");
  age("index.html.gz", std::chrono::seconds(60));  // `touch index.html` after gzip
  EXPECT_EQ(header(get("/"), "Content-Encoding"), "");
  fs::last_write_time(dir_ / "index.html.gz", fs::file_time_type::clock::now());  // touch -c
  EXPECT_EQ(header(get("/"), "Content-Encoding"), "gzip");
}

}  // namespace
}  // namespace courtcast::http
