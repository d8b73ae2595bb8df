// OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export on a grpc++ callback
// server. grpc decompresses gzip itself and enforces the receive size limit (on the decompressed
// message); refused spans come back as partial_success, throttling as RESOURCE_EXHAUSTED / UNAVAILABLE
// with a google.rpc.RetryInfo detail, and so are calls over max_queued_requests.
#include <grpcpp/grpcpp.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "hoptrace/collector/receiver.h"
#include "ingest.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "rpc_status.h"

namespace hoptrace::collector {
namespace {

using internal::Outcome;
using internal::OutcomeCode;
using TraceService = otlp::pb::collector::trace::v1::TraceService;

constexpr std::chrono::seconds kStopTimeout{5};
// A worker keeps its join buffer up to this size (requests of a few hundred KiB are the norm).
constexpr std::size_t kKeptJoinBytes = 8 << 20;

const char* GrpcCodeName(OutcomeCode code) {
  switch (code) {
    case OutcomeCode::kOk:
      return "OK";
    case OutcomeCode::kInvalidArgument:
    case OutcomeCode::kPayloadTooLarge:
    case OutcomeCode::kUnsupportedMediaType:
      return "INVALID_ARGUMENT";
    case OutcomeCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case OutcomeCode::kUnavailable:
      return "UNAVAILABLE";
    case OutcomeCode::kInternal:
      break;
  }
  return "INTERNAL";
}

// "127.0.0.1" → "127.0.0.1:4317", "::1" → "[::1]:4317".
std::string ListenAddress(const std::string& host, std::uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos && host.front() != '[';
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The raw callback form: the request arrives as bytes, so a malformed one is answered with
// INVALID_ARGUMENT naming the problem (grpc's own parsing would answer INTERNAL), and the work, which
// waits for the sink, runs on our pool instead of grpc's callback threads.
class TraceServiceImpl final : public TraceService::WithRawCallbackMethod_Export<TraceService::Service> {
 public:
  TraceServiceImpl(SpanSink& sink, metrics::Registry& registry, const ReceiverOptions& options)
      : options_(options),
        metrics_(registry, "otlp_grpc"),
        ingestor_(sink, metrics_, options_.limits),
        workers_(static_cast<std::size_t>(std::max(1, options_.worker_threads))) {}

  grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const std::size_t in_progress = queued_.fetch_add(1);
    if (options_.max_queued_requests != 0 && in_progress >= options_.max_queued_requests) {
      queued_.fetch_sub(1);
      RefuseQueueFull(*request, reactor);
      return reactor;
    }
    boost::asio::post(workers_, [this, reactor, request, response] {
      const auto started = std::chrono::steady_clock::now();
      std::size_t bytes = 0;
      const Outcome outcome = Handle(*request, response, &bytes);
      metrics_.RequestDone(GrpcCodeName(outcome.code), bytes, std::chrono::steady_clock::now() - started);
      queued_.fetch_sub(1);  // before Finish: a client that saw the answer may send again at once
      reactor->Finish(StatusOf(outcome));
    });
    return reactor;
  }

  // Answers the calls in flight; called after the server stopped taking new ones.
  void Drain() { workers_.join(); }

 private:
  Outcome Handle(const grpc::ByteBuffer& request, grpc::ByteBuffer* response, std::size_t* bytes) {
    std::vector<grpc::Slice> slices;
    if (!request.Dump(&slices).ok()) return Outcome::Error(OutcomeCode::kInternal, "cannot read the request");
    // One slice is scanned where grpc holds it; several (the usual case past 16 KiB) are joined into
    // the worker's buffer, kept between calls so that a warm worker neither allocates nor faults here.
    thread_local std::string joined;
    std::string_view serialized;
    if (slices.size() == 1) {
      serialized = {reinterpret_cast<const char*>(slices[0].begin()), slices[0].size()};
    } else {
      if (joined.capacity() > kKeptJoinBytes) std::string().swap(joined);  // what a rare big request grew goes
      joined.clear();
      joined.reserve(request.Length());
      for (const grpc::Slice& slice : slices) joined.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
      serialized = joined;
    }
    *bytes = serialized.size();

    const Outcome outcome = ingestor_.IngestProtobuf(serialized);
    if (outcome.ok()) *response = SerializeResponse(outcome);
    return outcome;
  }

  // Answered on grpc's thread without touching the request: the point is to spend nothing on it.
  void RefuseQueueFull(const grpc::ByteBuffer& request, grpc::ServerUnaryReactor* reactor) {
    const Outcome outcome = Outcome::Error(
        OutcomeCode::kResourceExhausted,
        "too many export requests in progress (" + std::to_string(options_.max_queued_requests) + "); retry later");
    metrics_.RequestRefused("queue_full");
    metrics_.RequestDone(GrpcCodeName(outcome.code), request.Length(), std::chrono::nanoseconds(0));
    reactor->Finish(StatusOf(outcome));
  }

  static grpc::ByteBuffer SerializeResponse(const Outcome& outcome) {
    otlp::ExportResponse message;
    if (outcome.rejected_spans > 0) {
      message.mutable_partial_success()->set_rejected_spans(static_cast<std::int64_t>(outcome.rejected_spans));
      message.mutable_partial_success()->set_error_message(outcome.message);
    }
    grpc::Slice slice(message.SerializeAsString());
    return grpc::ByteBuffer(&slice, 1);
  }

  grpc::Status StatusOf(const Outcome& outcome) const {
    if (outcome.ok()) return grpc::Status::OK;
    const int code = internal::RpcCodeOf(outcome.code);
    if (!outcome.retryable()) return grpc::Status(static_cast<grpc::StatusCode>(code), outcome.message);
    return grpc::Status(static_cast<grpc::StatusCode>(code), outcome.message,
                        internal::EncodeRpcStatus(code, outcome.message, options_.retry_after));
  }

  const ReceiverOptions& options_;
  internal::ReceiverMetrics metrics_;
  internal::Ingestor ingestor_;
  boost::asio::thread_pool workers_;
  // Calls taken and not yet answered, bounded by max_queued_requests (0: no bound).
  std::atomic<std::size_t> queued_{0};
};

class GrpcReceiver final : public Receiver {
 public:
  GrpcReceiver(SpanSink& sink, metrics::Registry& registry, ReceiverOptions options)
      : options_(std::move(options)), service_(sink, registry, options_) {}
  ~GrpcReceiver() override { Stop(); }

  bool Start(std::string* error) override {
    if (server_) {
      if (error) *error = "otlp_grpc receiver already started";
      return false;
    }
    const std::string address = ListenAddress(options_.bind_address, options_.port.value_or(kOtlpGrpcDefaultPort));
    int selected_port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected_port);
    builder.RegisterService(&service_);
    builder.SetMaxReceiveMessageSize(static_cast<int>(
        std::min<std::size_t>(options_.limits.max_decompressed_bytes, std::numeric_limits<int>::max())));
    server_ = builder.BuildAndStart();
    if (!server_ || selected_port == 0) {
      server_.reset();
      if (error) *error = "otlp_grpc receiver: cannot listen on " + address;
      return false;
    }
    port_ = static_cast<std::uint16_t>(selected_port);
    return true;
  }

  void Stop() override {
    std::lock_guard lock(stop_mutex_);
    if (!server_) return;
    server_->Shutdown(std::chrono::system_clock::now() + kStopTimeout);
    server_->Wait();
    service_.Drain();
    server_.reset();
  }

  std::uint16_t port() const override { return port_; }
  std::string_view protocol() const override { return "otlp_grpc"; }

 private:
  const ReceiverOptions options_;
  TraceServiceImpl service_;
  std::unique_ptr<grpc::Server> server_;
  std::mutex stop_mutex_;
  std::uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<Receiver> MakeOtlpGrpcReceiver(SpanSink& sink, metrics::Registry& registry, ReceiverOptions options) {
  return std::make_unique<GrpcReceiver>(sink, registry, std::move(options));
}

}  // namespace hoptrace::collector
