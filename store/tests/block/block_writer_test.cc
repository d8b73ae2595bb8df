// The writer's small tables (block_writer.h, id_positions.h): span IDs of a trace with their
// positions, the distinct operations of a block and its service-to-service edges.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "block/block_writer.h"

namespace hoptrace::store::block {
namespace {

// IDs that share their low bits land in one chain of slots; each keeps its own position, and the
// index refilled keeps nothing of earlier fills. The same filled within the room Reset made, without
// the check for room (InsertWithinReset).
TEST(IdPositions, CollidingIdsKeepTheirPositionsAndTheFirstInsertWins) {
  IdPositions<model::SpanId> positions;
  const auto id = [](std::uint64_t word) { return model::SpanId::FromHighLow(0, word); };
  for (const bool within_reset : {false, true}) {
    const auto insert = [&](std::uint64_t word, std::uint32_t position) {
      return within_reset ? positions.InsertWithinReset(id(word), position) : positions.Insert(id(word), position);
    };
    for (const std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{300}}) {
      positions.Reset(count);
      for (std::uint32_t i = 0; i < count; ++i) EXPECT_TRUE(insert((std::uint64_t{i} << 40) | 5, i)) << i;
      for (std::uint32_t i = 0; i < count; ++i) EXPECT_FALSE(insert((std::uint64_t{i} << 40) | 5, 1000 + i));
      for (std::uint32_t i = 0; i < count; ++i) EXPECT_EQ(positions.Find(id((std::uint64_t{i} << 40) | 5)), i);
      EXPECT_EQ(positions.Find(id(6)), IdPositions<model::SpanId>::kAbsent);
      EXPECT_EQ(positions.Find(id((std::uint64_t{count} << 40) | 5)), IdPositions<model::SpanId>::kAbsent);
      EXPECT_EQ(positions.size(), count);
    }
  }
  positions.Reset(2);  // refilled: nothing of the last trace is left
  EXPECT_EQ(positions.Find(id(5)), IdPositions<model::SpanId>::kAbsent);
  EXPECT_TRUE(positions.Insert(id(0), 3));  // an all-zero ID is an ID like any other
  EXPECT_EQ(positions.Find(id(0)), 3u);
}

TEST(OperationSet, ServiceNameAndKindTellOperationsApartAndTheyComeSorted) {
  OperationSet operations;
  std::vector<std::string> names;  // the set keeps views
  for (int i = 0; i < 500; ++i) names.push_back("operation " + std::to_string(i % 250));
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      operations.Add(static_cast<std::uint32_t>(i % 3), names[i], model::SpanKind::kServer);
      operations.Add(0, names[i], model::SpanKind::kClient);
    }
  }
  operations.Add(0, "", model::SpanKind::kServer);
  const std::vector<OperationSet::Operation> sorted = operations.Sorted();
  // 250 names: as servers once per (name, service) pair that i % 250 and i % 3 make (500 of them
  // cover each name with two services), as clients of service 0 once each, and the empty name.
  std::set<OperationSet::Operation> expected;
  for (std::size_t i = 0; i < names.size(); ++i) {
    expected.insert({static_cast<std::uint32_t>(i % 3), names[i], model::SpanKind::kServer});
    expected.insert({0, names[i], model::SpanKind::kClient});
  }
  expected.insert({0, "", model::SpanKind::kServer});
  EXPECT_EQ(sorted, std::vector<OperationSet::Operation>(expected.begin(), expected.end()));
  EXPECT_EQ(sorted.size(), 250u * 2 + 250 + 1);
}

// Many edges (the table grows), calls within a service dropped, links sorted by parent then child.
TEST(EdgeCounter, CountsCallsAndErrorsPerServicePairInOrder) {
  constexpr std::uint32_t kServices = 40;
  std::vector<std::string> services;
  for (std::uint32_t s = 0; s < kServices; ++s) services.push_back("service " + std::to_string(s));
  EdgeCounter edges;
  for (std::uint32_t round = 0; round < 3; ++round) {
    for (std::uint32_t parent = kServices; parent-- > 0;) {
      for (std::uint32_t child = 0; child < kServices; ++child) edges.Add(parent, child, (parent + child + round) % 3 == 0);
    }
  }
  const std::vector<DependencyLink> links = edges.Links(services);
  ASSERT_EQ(links.size(), kServices * (kServices - 1));
  std::size_t at = 0;
  for (std::uint32_t parent = 0; parent < kServices; ++parent) {
    for (std::uint32_t child = 0; child < kServices; ++child) {
      if (parent == child) continue;
      const DependencyLink& link = links[at++];
      EXPECT_EQ(link.parent, services[parent]);
      EXPECT_EQ(link.child, services[child]);
      EXPECT_EQ(link.call_count, 3u);
      EXPECT_EQ(link.error_count, 1u);  // one round of three has (parent + child + round) % 3 == 0
    }
  }
  EXPECT_TRUE(EdgeCounter().Links(services).empty());

  // A merge's counts: other blocks' links added in bulk, then spread traces' counts taken back;
  // an edge with no calls left is left out.
  EdgeCounter merged;
  merged.Add(1, 2, std::uint64_t{5}, std::uint64_t{2});
  merged.Add(3, 2, std::uint64_t{1}, std::uint64_t{0});
  EdgeCounter spread;
  spread.Add(1, 2, true);
  spread.Add(3, 2, false);
  merged.Subtract(spread);
  const std::vector<DependencyLink> left = merged.Links(services);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].parent, services[1]);
  EXPECT_EQ(left[0].call_count, 4u);
  EXPECT_EQ(left[0].error_count, 1u);
}

}  // namespace
}  // namespace hoptrace::store::block
