#include "court/people.hpp"

#include <gtest/gtest.h>

namespace courtcast::court {
namespace {

TEST(PublishedName, a_person_is_shown_by_surname_and_mou) {
  EXPECT_EQ(published_name({"张三", PartyKind::person, false}), "张某");
  EXPECT_EQ(published_name({"李小龙", PartyKind::person, false}), "李某");
  EXPECT_EQ(published_name({"欧阳娜娜", PartyKind::person, false}), "欧阳某");
  EXPECT_EQ(published_name({"王某", PartyKind::person, false}), "王某");
}

TEST(PublishedName, an_organisation_is_shown_by_its_name) {
  EXPECT_EQ(published_name({"武威市某某建筑有限公司", PartyKind::organisation, false}),
            "武威市某某建筑有限公司");
}

}  // namespace
}  // namespace courtcast::court
