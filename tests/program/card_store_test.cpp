#include "program/card_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>

namespace courtcast::program {
namespace {

namespace fs = std::filesystem;

media::Bytes clip(const std::string& name) {
  std::ifstream in(std::string(COURTCAST_CARD_MEDIA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return media::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class CardStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("courtcast-card-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    auto card = load_card(COURTCAST_DEFAULT_CARD);
    ASSERT_TRUE(card) << card.error().message;
    fallback_ = std::make_shared<const StandbyCard>(std::move(*card));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<CardStore> store(ProgramRegistry& programs) {
    auto s = std::make_unique<CardStore>(dir_ / "cards", fallback_, CardSource::built_in,
                                         COURTCAST_DEFAULT_CARD, programs);
    s->load();
    return s;
  }

  fs::path dir_;
  std::shared_ptr<const StandbyCard> fallback_;
};

TEST_F(CardStoreTest, without_an_upload_the_fallback_is_the_card) {
  ProgramRegistry programs;
  auto s = store(programs);
  const auto i = s->info();
  EXPECT_EQ(i.source, CardSource::built_in);
  EXPECT_EQ(i.size.width, 1280u);
  EXPECT_EQ(i.size.height, 720u);
  EXPECT_FALSE(i.upload);
  EXPECT_EQ(programs.card(), fallback_);
}

TEST_F(CardStoreTest, an_upload_becomes_the_card_and_survives_a_restart) {
  {
    ProgramRegistry programs;
    auto s = store(programs);
    auto r = s->upload(clip("valid.mp4"), "dir1", 1'700'000'000'000);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->source, CardSource::uploaded);
    EXPECT_EQ(r->size.width, 640u);
    ASSERT_TRUE(r->upload);
    EXPECT_EQ(r->upload->by, "dir1");
    EXPECT_EQ(r->upload->format, CardFormat::mp4);
    EXPECT_EQ(r->upload->sha256.size(), 64u);
    EXPECT_NE(programs.card(), fallback_);
    EXPECT_TRUE(fs::exists(s->card_path()));
    EXPECT_TRUE(fs::exists(s->sidecar_path()));
    EXPECT_FALSE(fs::exists(s->card_path().string() + ".tmp"));
  }
  ProgramRegistry programs;
  auto s = store(programs);
  const auto i = s->info();
  EXPECT_EQ(i.source, CardSource::uploaded);
  EXPECT_EQ(i.size.height, 360u);
  ASSERT_TRUE(i.upload);
  EXPECT_EQ(i.upload->by, "dir1");
  EXPECT_EQ(i.upload->at_ms, 1'700'000'000'000);
  EXPECT_EQ(i.upload->size_bytes, clip("valid.mp4").size());
}

TEST_F(CardStoreTest, a_refused_upload_changes_nothing) {
  ProgramRegistry programs;
  auto s = store(programs);
  ASSERT_TRUE(s->upload(clip("valid.flv"), "dir1", 1));
  const auto before = programs.card();
  const auto stored = clip("valid.flv");
  auto r = s->upload(clip("hevc.mp4"), "dir2", 2);
  ASSERT_FALSE(r);
  EXPECT_EQ(programs.card(), before);
  EXPECT_EQ(s->info().upload->by, "dir1");
  std::ifstream in(s->card_path(), std::ios::binary);
  EXPECT_EQ(media::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()),
            stored);
}

TEST_F(CardStoreTest, an_invalid_stored_card_falls_back_at_start) {
  fs::create_directories(dir_ / "cards");
  std::ofstream(dir_ / "cards" / "standby.flv", std::ios::binary) << "FLV\x01 not really";
  ProgramRegistry programs;
  auto s = store(programs);
  EXPECT_EQ(s->info().source, CardSource::built_in);
  EXPECT_EQ(programs.card(), fallback_);
}

TEST_F(CardStoreTest, a_stale_sidecar_leaves_the_card_without_upload_details) {
  {
    ProgramRegistry programs;
    ASSERT_TRUE(store(programs)->upload(clip("valid.flv"), "dir1", 1));
  }
  // As if a crash came between the card's rename and the sidecar's.
  {
    ProgramRegistry programs;
    auto s = store(programs);
    auto converted = convert_card_upload(clip("faststart.mp4"));
    ASSERT_TRUE(converted);
    std::ofstream(s->card_path(), std::ios::binary | std::ios::trunc)
        .write(reinterpret_cast<const char*>(converted->flv.data()),
               static_cast<std::streamsize>(converted->flv.size()));
  }
  ProgramRegistry programs;
  auto s = store(programs);
  EXPECT_EQ(s->info().source, CardSource::uploaded);
  EXPECT_FALSE(s->info().upload);
}

TEST_F(CardStoreTest, reset_goes_back_to_the_fallback_and_removes_the_upload) {
  ProgramRegistry programs;
  auto s = store(programs);
  ASSERT_TRUE(s->upload(clip("valid.mp4"), "dir1", 1));
  auto r = s->reset("dir1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source, CardSource::built_in);
  EXPECT_EQ(r->size.width, 1280u);
  EXPECT_EQ(programs.card(), fallback_);
  EXPECT_FALSE(fs::exists(s->card_path()));
  EXPECT_FALSE(fs::exists(s->sidecar_path()));
}

}  // namespace
}  // namespace courtcast::program
