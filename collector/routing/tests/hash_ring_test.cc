#include "hoptrace/collector/routing/hash_ring.h"

#include <gtest/gtest.h>

#include <random>

namespace hoptrace::collector::routing {
namespace {

constexpr std::size_t kTraces = 100'000;

std::vector<model::TraceId> RandomTraceIds(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<model::TraceId> ids;
  ids.reserve(count);
  for (std::size_t i = 0; i < count; ++i) ids.push_back(model::TraceId::FromHighLow(random(), random()));
  return ids;
}

std::vector<std::string> Nodes(std::size_t count) {
  std::vector<std::string> nodes;
  for (std::size_t i = 0; i < count; ++i) nodes.push_back("10.0.0." + std::to_string(i + 1) + ":4317");
  return nodes;
}

// The owner's name of every trace.
std::vector<std::string> Owners(const HashRing& ring, const std::vector<model::TraceId>& ids) {
  std::vector<std::string> owners;
  owners.reserve(ids.size());
  for (const auto& id : ids) owners.push_back(ring.nodes()[ring.Owner(id)]);
  return owners;
}

TEST(HashRingTest, SpreadsTracesEvenlyOverTheNodes) {
  for (const std::size_t node_count : {3u, 5u, 10u}) {
    const HashRing ring(Nodes(node_count));
    std::vector<std::size_t> per_node(node_count);
    for (const auto& id : RandomTraceIds(kTraces, node_count)) ++per_node[ring.Owner(id)];
    const double fair = static_cast<double>(kTraces) / static_cast<double>(node_count);
    for (std::size_t n = 0; n < node_count; ++n) {
      // 256 virtual nodes: each node's share is within about ±15% of fair (std. dev. ~6%).
      EXPECT_NEAR(static_cast<double>(per_node[n]), fair, 0.15 * fair) << node_count << " nodes, node " << n;
    }
  }
}

TEST(HashRingTest, IdsDifferingInOneHalfOnlyStillSpread) {
  // Zipkin's 64-bit trace IDs arrive with a zero high half.
  const HashRing ring(Nodes(4));
  std::vector<std::size_t> per_node(4);
  std::mt19937_64 random(7);
  for (std::size_t i = 0; i < kTraces; ++i) ++per_node[ring.Owner(model::TraceId::FromHighLow(0, random()))];
  for (const std::size_t count : per_node) EXPECT_NEAR(static_cast<double>(count), kTraces / 4.0, 0.15 * kTraces / 4);
}

TEST(HashRingTest, SameNodesInAnyOrderGiveTheSameRing) {
  auto nodes = Nodes(5);
  const HashRing ring(nodes);
  std::reverse(nodes.begin(), nodes.end());
  nodes.push_back(nodes.front());  // a duplicate counts once
  const HashRing other(nodes);
  EXPECT_EQ(other.nodes(), ring.nodes());
  const auto ids = RandomTraceIds(1'000, 3);
  EXPECT_EQ(Owners(other, ids), Owners(ring, ids));
}

// Adding an (N+1)th node moves about 1/(N+1) of the traces, all of them to the new node; removing
// one of N moves only that node's traces (about 1/N).
TEST(HashRingTest, AddingOrRemovingANodeMovesAboutOneNthOfTheTraces) {
  const auto ids = RandomTraceIds(kTraces, 42);
  for (const std::size_t n : {3u, 5u, 10u}) {
    const auto before = Owners(HashRing(Nodes(n)), ids);

    const auto grown = Owners(HashRing(Nodes(n + 1)), ids);
    const std::string added = Nodes(n + 1).back();
    std::size_t moved = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (grown[i] == before[i]) continue;
      ++moved;
      EXPECT_EQ(grown[i], added) << "a trace moved between two old nodes";
    }
    const double expected_grow = static_cast<double>(kTraces) / static_cast<double>(n + 1);
    EXPECT_NEAR(static_cast<double>(moved), expected_grow, 0.2 * expected_grow) << "adding to " << n;

    auto fewer = Nodes(n);
    const std::string removed = fewer[1];
    fewer.erase(fewer.begin() + 1);
    const auto shrunk = Owners(HashRing(fewer), ids);
    moved = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (shrunk[i] == before[i]) continue;
      ++moved;
      EXPECT_EQ(before[i], removed) << "a trace of a remaining node moved";
    }
    const double expected_shrink = static_cast<double>(kTraces) / static_cast<double>(n);
    EXPECT_NEAR(static_cast<double>(moved), expected_shrink, 0.2 * expected_shrink) << "removing from " << n;
  }
}

// Skipping an unusable node gives the same owners as a ring without it: re-routing around a down
// node sends its traces where removing it would, and leaves every other trace where it was.
TEST(HashRingTest, SkippingANodeIsRemovingIt) {
  const auto ids = RandomTraceIds(10'000, 5);
  const HashRing ring(Nodes(5));
  auto without = Nodes(5);
  without.erase(without.begin() + 2);
  const HashRing smaller(without);
  const std::size_t skipped = 2;  // Nodes() are already sorted
  for (const auto& id : ids) {
    const auto owner = ring.OwnerAmong(id, [&](std::size_t node) { return node != skipped; });
    ASSERT_TRUE(owner.has_value());
    EXPECT_EQ(ring.nodes()[*owner], smaller.nodes()[smaller.Owner(id)]);
  }
  EXPECT_FALSE(ring.OwnerAmong(ids[0], [](std::size_t) { return false; }).has_value());
  EXPECT_FALSE(HashRing().OwnerAmong(ids[0], [](std::size_t) { return true; }).has_value());
}

}  // namespace
}  // namespace hoptrace::collector::routing
