#pragma once
// One destination of the router: its gRPC channel (gzip, a connection of its own, quick reconnects),
// its health and its metrics; and a set of Export calls in flight that can be waited for together.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "hoptrace/metrics/registry.h"

namespace hoptrace::collector::routing {

inline constexpr char kExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

class Node {
 public:
  Node(std::string address, metrics::Registry& registry, bool gzip);

  const std::string& address() const { return address_; }
  grpc::GenericStub& stub() { return *stub_; }

  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  void MarkUnhealthy();
  void MarkHealthy();

  metrics::Counter& spans_forwarded;
  metrics::Counter& requests_forwarded;
  metrics::Counter& retries;
  metrics::Counter& spans_rerouted;  // spans this node owned that went to another node

 private:
  const std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::atomic<bool> healthy_{true};
  metrics::Gauge& healthy_gauge_;
  metrics::Counter& became_unhealthy_;
};

// Export calls started together and waited for together. The request bytes must outlive WaitAll.
class ExportCalls {
 public:
  struct Call {
    Node* node = nullptr;
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    grpc::Status status;
  };

  ~ExportCalls() { WaitAll(); }
  Call& Start(Node& node, std::string_view request, std::chrono::steady_clock::time_point deadline);
  void WaitAll();  // returns once every started call has completed (each has a deadline)
  std::deque<Call>& calls() { return calls_; }

 private:
  std::deque<Call> calls_;  // a deque: started calls never move
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t outstanding_ = 0;
};

}  // namespace hoptrace::collector::routing
