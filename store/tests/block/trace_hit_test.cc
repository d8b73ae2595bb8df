#include <gtest/gtest.h>

#include "block/block.h"

namespace hoptrace::store::block {
namespace {

TraceHit Hit(std::uint64_t start, std::uint64_t duration, std::string root, bool root_found,
             std::vector<std::string> services) {
  TraceHit hit;
  hit.summary.start_unix_nano = start;
  hit.summary.duration_nanos = duration;
  hit.summary.root_service = root;
  hit.summary.root_name = root + "-op";
  hit.summary.span_count = 2;
  hit.summary.error_count = 1;
  hit.summary.services = std::move(services);
  hit.root_found = root_found;
  return hit;
}

TEST(MergeHits, CoversBothPartsAndPrefersTheRealRoot) {
  TraceHit into = Hit(100, 50, "child", false, {"b", "c"});
  MergeHits(into, Hit(120, 100, "root", true, {"a", "b"}));
  EXPECT_EQ(into.summary.start_unix_nano, 100u);
  EXPECT_EQ(into.summary.duration_nanos, 120u);  // until 220
  EXPECT_EQ(into.summary.root_service, "root");
  EXPECT_EQ(into.summary.root_name, "root-op");
  EXPECT_TRUE(into.root_found);
  EXPECT_EQ(into.summary.span_count, 4u);
  EXPECT_EQ(into.summary.error_count, 2u);
  EXPECT_EQ(into.summary.services, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MergeHits, WithoutRootsTheEarliestSpanNamesTheTrace) {
  TraceHit into = Hit(200, 10, "late", false, {"x"});
  MergeHits(into, Hit(100, 10, "early", false, {"x"}));
  EXPECT_EQ(into.summary.root_service, "early");
  EXPECT_EQ(into.summary.duration_nanos, 110u);
}

}  // namespace
}  // namespace hoptrace::store::block
