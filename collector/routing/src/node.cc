#include "node.h"

namespace hoptrace::collector::routing {
namespace {

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address, bool gzip) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per node, not shared across routers
  args.SetMaxSendMessageSize(-1);
  // A restarted node is reachable within a second, not after gRPC's default 2-minute backoff cap.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
  if (gzip) args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

metrics::Labels NodeLabel(const std::string& address) { return {{"node", address}}; }

}  // namespace

Node::Node(std::string address, metrics::Registry& registry, bool gzip)
    : spans_forwarded(registry.GetCounter("hoptrace_router_spans_forwarded_total",
                                          "Spans acknowledged by the node", NodeLabel(address))),
      requests_forwarded(registry.GetCounter("hoptrace_router_requests_forwarded_total",
                                             "Export requests acknowledged by the node", NodeLabel(address))),
      retries(registry.GetCounter("hoptrace_router_retries_total", "Export calls to the node that were retried",
                                  NodeLabel(address))),
      spans_rerouted(registry.GetCounter("hoptrace_router_spans_rerouted_total",
                                         "Spans the node owned that were sent to another node because it failed",
                                         NodeLabel(address))),
      address_(std::move(address)),
      channel_(MakeChannel(address_, gzip)),
      stub_(std::make_unique<grpc::GenericStub>(channel_)),
      healthy_gauge_(registry.GetGauge("hoptrace_router_node_healthy", "1 while the node takes requests, 0 while down",
                                       NodeLabel(address_))),
      became_unhealthy_(registry.GetCounter("hoptrace_router_node_failures_total",
                                            "Times the node was marked unhealthy", NodeLabel(address_))) {
  healthy_gauge_.Set(1);
}

void Node::MarkUnhealthy() {
  if (!healthy_.exchange(false, std::memory_order_relaxed)) return;
  healthy_gauge_.Set(0);
  became_unhealthy_.Increment();
}

void Node::MarkHealthy() {
  if (healthy_.exchange(true, std::memory_order_relaxed)) return;
  healthy_gauge_.Set(1);
}

ExportCalls::Call& ExportCalls::Start(Node& node, std::string_view request,
                                      std::chrono::steady_clock::time_point deadline) {
  Call& call = calls_.emplace_back();
  call.node = &node;
  // gRPC takes system_clock deadlines; ours are steady (immune to clock steps) until here.
  call.context.set_deadline(std::chrono::system_clock::now() + (deadline - std::chrono::steady_clock::now()));
  // No copy: the bytes outlive the call (WaitAll runs before they are released).
  grpc::Slice slice(request.data(), request.size(), grpc::Slice::STATIC_SLICE);
  call.request = grpc::ByteBuffer(&slice, 1);
  {
    std::lock_guard lock(mutex_);
    ++outstanding_;
  }
  node.stub().UnaryCall(&call.context, kExportMethod, grpc::StubOptions(), &call.request, &call.response,
                        [this, &call](grpc::Status status) {
                          call.status = std::move(status);
                          std::lock_guard lock(mutex_);
                          if (--outstanding_ == 0) done_.notify_all();
                        });
  return call;
}

void ExportCalls::WaitAll() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return outstanding_ == 0; });
}

}  // namespace hoptrace::collector::routing
