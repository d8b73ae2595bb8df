#include "routing_nodes.h"

#include <gtest/gtest.h>

#include "hoptrace/otlp/proto_convert.h"

namespace hoptrace::collector::routing::testing {

TestNode::TestNode() { Start(); }

TestNode::~TestNode() { Stop(); }

void TestNode::Start() {
  ReceiverOptions options;
  options.port = port_;
  receiver_ = MakeOtlpGrpcReceiver(sink_, registry_, options);
  std::string error;
  ASSERT_TRUE(receiver_->Start(&error)) << error;
  port_ = receiver_->port();
  address_ = "127.0.0.1:" + std::to_string(port_);
}

void TestNode::Stop() {
  if (receiver_) receiver_->Stop();
  receiver_.reset();
}

std::map<std::string, model::Span> TestNode::Spans() const {
  std::map<std::string, model::Span> spans;
  for (const model::TraceBatch& batch : sink_.batches()) {
    for (const auto& resource : batch.resource_spans) {
      for (const auto& scope : resource.scope_spans) {
        for (const model::Span& span : scope.spans) spans.emplace(span.span_id.ToHex(), span);
      }
    }
  }
  return spans;
}

std::set<model::TraceId> TestNode::TraceIds() const {
  std::set<model::TraceId> ids;
  for (const auto& [id, span] : Spans()) ids.insert(span.trace_id);
  return ids;
}

std::vector<std::unique_ptr<WireRequest>> Requests(const store::testing::GeneratedSpans& spans, std::size_t batch) {
  std::vector<std::unique_ptr<WireRequest>> requests;
  for (std::size_t first = 0; first < spans.spans.size(); first += batch) {
    auto request = std::make_unique<WireRequest>();
    request->bytes = otlp::SerializeExportRequest(spans.ToBatch(first, std::min(batch, spans.spans.size() - first)));
    otlp::DecodeReport report;
    std::string error;
    EXPECT_TRUE(otlp::wire::Scan(request->bytes, {}, &request->scan, &report, &error)) << error;
    requests.push_back(std::move(request));
  }
  return requests;
}

}  // namespace hoptrace::collector::routing::testing
