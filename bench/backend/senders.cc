#include "senders.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "hoptrace/http/client.h"

namespace hoptrace::bench {
namespace {

constexpr std::chrono::seconds kRequestTimeout{60};
constexpr std::chrono::milliseconds kRetryPause{100};
constexpr int kMaxConsecutiveFailures = 20;  // then the connection gives up (the server is gone)

enum class Answer { kOk, kOverloaded, kFailed };

// One connection's worth of sending.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Answer Post(const std::string& body, std::string* error) = 0;
};

class HttpConnection final : public Connection {
 public:
  explicit HttpConnection(std::uint16_t port) : client_("http://127.0.0.1:" + std::to_string(port), kRequestTimeout) {}

  Answer Post(const std::string& body, std::string* error) override {
    const auto response = client_.Post("/v1/traces", body, "application/x-protobuf", error);
    if (!response) return Answer::kFailed;
    if (response->status == 200) return Answer::kOk;
    if (response->status == 429 || response->status == 503) return Answer::kOverloaded;
    *error = "HTTP " + std::to_string(response->status);
    return Answer::kFailed;
  }

 private:
  http::Client client_;
};

class GrpcConnection final : public Connection {
 public:
  explicit GrpcConnection(std::uint16_t port) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a TCP connection of its own, not a shared one
    args.SetMaxSendMessageSize(-1);
    channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials(), args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  ~GrpcConnection() override {
    queue_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (queue_.Next(&tag, &ok)) {
    }
  }

  Answer Post(const std::string& body, std::string* error) override {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRequestTimeout);
    grpc::Slice slice(body.data(), body.size(), grpc::Slice::STATIC_SLICE);  // no copy: body outlives the call
    const grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::Status status;
    auto call = stub_->PrepareUnaryCall(&context, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                                        request, &queue_);
    call->StartCall();
    call->Finish(&response, &status, this);
    void* tag = nullptr;
    bool ok = false;
    if (!queue_.Next(&tag, &ok) || !ok) {
      *error = "gRPC completion queue failed";
      return Answer::kFailed;
    }
    if (status.ok()) return Answer::kOk;
    const auto code = status.error_code();
    if (code == grpc::StatusCode::RESOURCE_EXHAUSTED || code == grpc::StatusCode::UNAVAILABLE) return Answer::kOverloaded;
    *error = "gRPC " + std::to_string(static_cast<int>(code)) + ": " + status.error_message();
    return Answer::kFailed;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  grpc::CompletionQueue queue_;
};

std::unique_ptr<Connection> Connect(const SendOptions& options) {
  if (options.protocol == Protocol::kGrpc) return std::make_unique<GrpcConnection>(options.port);
  return std::make_unique<HttpConnection>(options.port);
}

// Sends one batch, retrying overload answers; returns whether it was acknowledged.
bool SendBatch(Connection& connection, const SerializedBatch& batch, const SendOptions& options, SendResult* result) {
  std::string error;
  for (int attempt = 0; attempt <= options.max_retries; ++attempt) {
    switch (connection.Post(batch.bytes, &error)) {
      case Answer::kOk:
        result->spans_acked += batch.spans;
        ++result->batches_acked;
        result->stored_trace_ids.insert(result->stored_trace_ids.end(), batch.sampled_trace_ids.begin(),
                                        batch.sampled_trace_ids.end());
        return true;
      case Answer::kOverloaded:
        ++result->retries;
        error = "still overloaded after " + std::to_string(options.max_retries) + " retries";
        std::this_thread::sleep_for(kRetryPause);
        continue;
      case Answer::kFailed:
        break;
    }
    break;
  }
  ++result->failed_batches;
  if (result->first_error.empty()) result->first_error = error;
  return false;
}

void Merge(SendResult& into, SendResult&& from) {
  into.spans_acked += from.spans_acked;
  into.batches_acked += from.batches_acked;
  into.retries += from.retries;
  into.failed_batches += from.failed_batches;
  into.milestone_seconds = std::max(into.milestone_seconds, from.milestone_seconds);  // only one thread sets it
  if (into.first_error.empty()) into.first_error = std::move(from.first_error);
  into.stored_trace_ids.insert(into.stored_trace_ids.end(), from.stored_trace_ids.begin(), from.stored_trace_ids.end());
}

}  // namespace

const char* ProtocolName(Protocol protocol) {
  return protocol == Protocol::kGrpc ? "OTLP/gRPC" : "OTLP/HTTP protobuf";
}

SendResult Send(BatchFeed& feed, const SendOptions& options) {
  SendResult total;
  std::mutex total_mutex;
  std::atomic<std::uint64_t> acked_spans{0};
  const auto started = std::chrono::steady_clock::now();
  const auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < options.connections; ++c) {
    threads.emplace_back([&] {
      const std::unique_ptr<Connection> connection = Connect(options);
      SendResult mine;
      int consecutive_failures = 0;
      while (consecutive_failures < kMaxConsecutiveFailures && std::chrono::steady_clock::now() < options.deadline) {
        const auto batch = feed.Next();
        if (!batch) break;
        if (!SendBatch(*connection, *batch, options, &mine)) {
          ++consecutive_failures;
          continue;
        }
        consecutive_failures = 0;
        const std::uint64_t before = acked_spans.fetch_add(batch->spans);
        if (before < options.milestone_spans && before + batch->spans >= options.milestone_spans) {
          mine.milestone_seconds = seconds_since_start();
        }
      }
      std::lock_guard lock(total_mutex);
      Merge(total, std::move(mine));
    });
  }
  for (std::thread& thread : threads) thread.join();
  total.seconds = seconds_since_start();
  return total;
}

}  // namespace hoptrace::bench
