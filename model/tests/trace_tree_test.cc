#include "hoptrace/model/trace_tree.h"

#include <gtest/gtest.h>

namespace hoptrace::model {
namespace {

Span MakeSpan(std::uint64_t id, std::uint64_t parent, std::uint64_t start, std::uint64_t end) {
  Span span;
  span.trace_id = TraceId::FromHighLow(1, 1);
  span.span_id = SpanId::FromHighLow(0, id);
  if (parent != 0) span.parent_span_id = SpanId::FromHighLow(0, parent);
  span.name = "span-" + std::to_string(id);
  span.start_time_unix_nano = start;
  span.end_time_unix_nano = end;
  return span;
}

TraceBatch TwoServices() {
  TraceBatch batch;
  auto& gateway = batch.resource_spans.emplace_back();
  SetAttribute(gateway.resource.attributes, "service.name", std::string_view("gateway"));
  auto& gateway_spans = gateway.scope_spans.emplace_back().spans;
  gateway_spans.push_back(MakeSpan(1, 0, 100, 900));
  gateway_spans.push_back(MakeSpan(3, 1, 500, 800));  // second child by start time
  auto& orders = batch.resource_spans.emplace_back();
  SetAttribute(orders.resource.attributes, "service.name", std::string_view("orders"));
  auto& order_spans = orders.scope_spans.emplace_back().spans;
  order_spans.push_back(MakeSpan(2, 1, 200, 400));
  order_spans.push_back(MakeSpan(4, 2, 250, 300));
  order_spans.push_back(MakeSpan(9, 77, 50, 60));  // parent never arrived
  order_spans.push_back(MakeSpan(2, 1, 200, 400));  // delivered twice
  return batch;
}

TEST(TraceTreeTest, LinksParentsAndChildrenInStartOrder) {
  const TraceBatch batch = TwoServices();
  const TraceTree tree = TraceTree::Build(batch);
  ASSERT_EQ(tree.nodes().size(), 5u);
  ASSERT_EQ(tree.roots().size(), 1u);
  const auto& root = tree.nodes()[tree.roots()[0]];
  EXPECT_EQ(root.span->name, "span-1");
  EXPECT_EQ(ServiceName(*root.resource), "gateway");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(tree.nodes()[root.children[0]].span->name, "span-2");
  EXPECT_EQ(ServiceName(*tree.nodes()[root.children[0]].resource), "orders");
  EXPECT_EQ(tree.nodes()[root.children[1]].span->name, "span-3");
  EXPECT_EQ(tree.StartUnixNano(), 50u);
  EXPECT_EQ(tree.EndUnixNano(), 900u);
}

TEST(TraceTreeTest, OrphansAreReportedAndWalkedAfterRoots) {
  const TraceBatch batch = TwoServices();
  const TraceTree tree = TraceTree::Build(batch);
  ASSERT_EQ(tree.orphans().size(), 1u);
  EXPECT_EQ(tree.nodes()[tree.orphans()[0]].span->name, "span-9");
  std::vector<std::string> order;
  std::vector<std::size_t> depths;
  tree.ForEachDepthFirst([&](const TraceTree::Node& node) {
    order.push_back(node.span->name);
    depths.push_back(node.depth);
  });
  EXPECT_EQ(order, (std::vector<std::string>{"span-1", "span-2", "span-4", "span-3", "span-9"}));
  EXPECT_EQ(depths, (std::vector<std::size_t>{0, 1, 2, 1, 0}));
}

TEST(TraceTreeTest, SelfParentIsAnOrphanNotALoop) {
  TraceBatch batch;
  batch.resource_spans.emplace_back().scope_spans.emplace_back().spans.push_back(MakeSpan(5, 5, 0, 1));
  const TraceTree tree = TraceTree::Build(batch);
  EXPECT_EQ(tree.orphans().size(), 1u);
  EXPECT_EQ(ServiceName(*tree.nodes()[0].resource), "unknown_service");
}

}  // namespace
}  // namespace hoptrace::model
