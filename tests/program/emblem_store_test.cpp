#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "program/emblem_store.hpp"

namespace courtcast::program {
namespace {

namespace fs = std::filesystem;

// A PNG made by FFmpeg (the emblem a court would upload), read back.
std::vector<std::uint8_t> png(const std::string& size, const std::string& name) {
  const fs::path dir = fs::path(COURTCAST_TEST_OUTPUT) / "emblem";
  fs::create_directories(dir);
  const fs::path path = dir / name;
  const std::string command = "ffmpeg -hide_banner -v error -y -f lavfi -i 'testsrc2=size=" + size +
                              ":rate=1' -frames:v 1 '" + path.string() + "' 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Emblem, a_real_png_is_taken_with_its_dimensions) {
  const auto bytes = png("200x120", "good.png");
  auto r = check_emblem(bytes);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->width, 200);
  EXPECT_EQ(r->height, 120);
  EXPECT_EQ(r->size_bytes, bytes.size());
}

TEST(Emblem, a_file_that_is_not_a_png_is_refused_by_name) {
  const std::string jpeg = "\xFF\xD8\xFF\xE0 not a png";
  auto r = check_emblem({reinterpret_cast<const std::uint8_t*>(jpeg.data()), jpeg.size()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CardError::Kind::invalid);
  EXPECT_NE(r.error().message.find("not a PNG"), std::string::npos) << r.error().message;
}

TEST(Emblem, a_truncated_png_does_not_decode_and_is_refused) {
  auto bytes = png("200x120", "truncated.png");
  bytes.resize(bytes.size() / 2);
  auto r = check_emblem(bytes);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("does not decode"), std::string::npos) << r.error().message;
}

TEST(Emblem, a_picture_too_large_or_too_small_is_refused_naming_its_size) {
  auto big = check_emblem(png("1600x100", "wide.png"));
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("1600x100"), std::string::npos) << big.error().message;
  auto tiny = check_emblem(png("8x8", "tiny.png"));
  ASSERT_FALSE(tiny);
  EXPECT_NE(tiny.error().message.find("8x8"), std::string::npos) << tiny.error().message;
}

TEST(Emblem, a_file_over_one_mebibyte_is_too_large) {
  std::vector<std::uint8_t> bytes(kEmblemMaxBytes + 1, 0);
  auto r = check_emblem(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, CardError::Kind::too_large);
}

TEST(Emblem, an_upload_reaches_every_program_and_outlives_a_restart) {
  const fs::path dir = fs::path(COURTCAST_TEST_OUTPUT) / "emblem-store";
  fs::remove_all(dir);
  ProgramRegistry programs;
  EmblemStore store(dir, programs);
  store.load();
  EXPECT_EQ(programs.emblem_path(), "");
  auto r = store.upload(png("96x96", "store.png"), "director1");
  ASSERT_TRUE(r) << r.error().message;
  const std::string path = programs.emblem_path();
  EXPECT_TRUE(fs::exists(path)) << path;

  ProgramRegistry after_restart;
  EmblemStore again(dir, after_restart);
  again.load();
  EXPECT_EQ(after_restart.emblem_path(), path);
  EXPECT_EQ(again.info().sha256, r->sha256);

  again.reset("director1");
  EXPECT_EQ(after_restart.emblem_path(), "");
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace courtcast::program
