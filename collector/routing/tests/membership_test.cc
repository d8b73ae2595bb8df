#include "hoptrace/collector/routing/membership.h"

#include <gtest/gtest.h>

namespace hoptrace::collector::routing {
namespace {

TEST(MembershipTest, ParsesHostPortLists) {
  std::string error;
  const auto nodes = ParseNodeList(" a.example:4317, 10.0.0.2:1,[::1]:65535 ,", &error);
  ASSERT_TRUE(nodes.has_value()) << error;
  EXPECT_EQ(*nodes, (std::vector<std::string>{"a.example:4317", "10.0.0.2:1", "[::1]:65535"}));
}

TEST(MembershipTest, RefusesEntriesWithoutAValidPort) {
  for (const char* bad : {"host", "host:", ":4317", "host:0", "host:65536", "host:43x", "::1:4317", "", " , "}) {
    std::string error;
    EXPECT_FALSE(ParseNodeList(bad, &error).has_value()) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(MembershipTest, ResolvesEveryAddressOfAName) {
  std::string error;
  const auto nodes = ResolveNodes({"localhost", 4317}, &error);
  ASSERT_TRUE(nodes.has_value()) << error;
  EXPECT_NE(std::find(nodes->begin(), nodes->end(), "127.0.0.1:4317"), nodes->end());
  EXPECT_FALSE(ResolveNodes({"no-such-host.invalid", 4317}, &error).has_value());
  EXPECT_NE(error.find("no-such-host.invalid"), std::string::npos);
}

TEST(MembershipTest, DnsMembershipSetsTheRouterNodes) {
  metrics::Registry registry;
  Router router(registry);
  DnsMembership membership(router, {"localhost", 4317}, std::chrono::milliseconds(50), registry);
  std::string error;
  ASSERT_TRUE(membership.Start(&error)) << error;
  const auto nodes = router.nodes();
  EXPECT_NE(std::find(nodes.begin(), nodes.end(), "127.0.0.1:4317"), nodes.end());
  membership.Stop();
}

TEST(MembershipTest, DnsMembershipKeepsNothingItCannotResolve) {
  metrics::Registry registry;
  Router router(registry);
  DnsMembership membership(router, {"no-such-host.invalid", 4317}, std::chrono::milliseconds(50), registry);
  std::string error;
  EXPECT_FALSE(membership.Start(&error));
  EXPECT_TRUE(router.nodes().empty());
  EXPECT_GE(registry.GetCounter("hoptrace_router_dns_failures_total", "").value(), 1u);
}

}  // namespace
}  // namespace hoptrace::collector::routing
