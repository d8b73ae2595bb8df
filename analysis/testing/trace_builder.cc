#include "trace_builder.h"

#include <algorithm>
#include <cmath>

namespace hoptrace::analysis::testing {

TraceBuilder::TraceBuilder(std::uint64_t trace_seed) : trace_id_(model::TraceId::FromHighLow(0xabc, trace_seed)) {}

std::uint64_t TraceBuilder::Add(std::string_view service, std::string name, std::uint64_t parent, double start_ms,
                                double end_ms, model::SpanKind kind) {
  const std::uint64_t id = entries_.size() + 1;
  model::Span span;
  span.trace_id = trace_id_;
  span.span_id = SpanIdOf(id);
  if (parent != 0) span.parent_span_id = SpanIdOf(parent);
  span.name = std::move(name);
  span.kind = kind;
  span.start_time_unix_nano = kTraceStart + static_cast<std::uint64_t>(std::llround(start_ms * 1e6));
  span.end_time_unix_nano = kTraceStart + static_cast<std::uint64_t>(std::llround(end_ms * 1e6));
  entries_.push_back({std::string(service), std::move(span)});
  return id;
}

TraceBuilder& TraceBuilder::Attr(std::uint64_t id, std::string key, model::AttributeValue value) {
  span(id).attributes.push_back({std::move(key), std::move(value)});
  return *this;
}

TraceBuilder& TraceBuilder::Fail(std::uint64_t id, std::string message) {
  span(id).status = {model::StatusCode::kError, std::move(message)};
  return *this;
}

TraceBuilder& TraceBuilder::Host(std::string_view service, std::string host) {
  hosts_[std::string(service)] = std::move(host);
  return *this;
}

model::Span& TraceBuilder::span(std::uint64_t id) { return entries_.at(id - 1).span; }

model::TraceBatch TraceBuilder::Build() const {
  model::TraceBatch batch;
  std::map<std::string, std::size_t, std::less<>> resource_of;
  for (const Entry& entry : entries_) {
    auto [at, added] = resource_of.emplace(entry.service, batch.resource_spans.size());
    if (added) {
      model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
      resource_spans.resource.attributes.push_back({std::string(model::kServiceNameKey), entry.service});
      if (auto host = hosts_.find(entry.service); host != hosts_.end()) {
        resource_spans.resource.attributes.push_back({"host.name", host->second});
      }
      resource_spans.scope_spans.emplace_back().scope.name = "fixture";
    }
    batch.resource_spans[at->second].scope_spans[0].spans.push_back(entry.span);
  }
  return batch;
}

model::TraceBatch LargeTrace(std::size_t span_count, std::uint64_t* culprit) {
  TraceBuilder trace(50'000);
  span_count = std::max<std::size_t>(span_count, 3);
  const std::size_t branches = std::max<std::size_t>(1, span_count / 50);
  const std::size_t leaves = span_count - 1 - branches;  // grandchildren, the slow one included
  const double branch_ms = 2.0;
  const double slow_ms = 5000.0;
  const std::size_t slow_branch = branches / 2;
  const double total_ms = static_cast<double>(branches) * branch_ms + slow_ms;
  const std::uint64_t root = trace.Add("gateway", "GET /batch", 0, 0, total_ms, model::SpanKind::kServer);
  trace.Attr(root, "http.request.method", std::string("GET")).Attr(root, "http.route", std::string("/batch"));
  std::size_t leaves_left = leaves;
  double at = 0;
  for (std::size_t branch = 0; branch < branches; ++branch) {
    const bool slow = branch == slow_branch;
    const std::size_t tiny = (leaves_left - (slow ? 1 : 0)) / (branches - branch);
    const double length = branch_ms + (slow ? slow_ms : 0);
    const std::uint64_t parent = trace.Add("worker", "process-item", root, at, at + length);
    trace.Attr(parent, "item.index", static_cast<std::int64_t>(branch));
    const double step = branch_ms / static_cast<double>(tiny + 1);
    for (std::size_t i = 0; i < tiny; ++i) {
      const std::uint64_t leaf = trace.Add("worker", "step", parent, at + step * static_cast<double>(i),
                                           at + step * static_cast<double>(i) + step * 0.9);
      trace.Attr(leaf, "step.index", static_cast<std::int64_t>(i));
    }
    leaves_left -= tiny;
    if (slow) {
      *culprit = trace.Add("ledger", "slow-write", parent, at + branch_ms, at + length - 0.001, model::SpanKind::kServer);
      trace.Attr(*culprit, "db.system", std::string("postgresql"))
          .Attr(*culprit, "db.statement", std::string("UPDATE ledger SET balance = balance - 10 WHERE account = 42"));
      --leaves_left;
    }
    at += length;
  }
  return trace.Build();
}

model::TraceBatch CheckoutTrace(std::uint64_t seed, bool slow, std::string region) {
  TraceBuilder trace(seed);
  const double jitter = static_cast<double>(seed % 7);
  const double fraud_ms = slow ? 2000 : 10 + jitter;
  const double pay_end = 62 + jitter + fraud_ms + 5;
  const auto root = trace.Add("checkout", "POST /checkout", 0, 0, pay_end + 2, model::SpanKind::kServer);
  trace.Attr(root, "region", std::move(region));
  const auto stock = trace.Add("checkout", "GET /stock", root, 2, 60 + jitter, model::SpanKind::kClient);
  trace.Add("inventory", "GET /stock", stock, 3, 59 + jitter, model::SpanKind::kServer);
  const auto pay = trace.Add("checkout", "POST /pay", root, 61 + jitter, pay_end, model::SpanKind::kClient);
  const auto pay_server = trace.Add("payments", "POST /pay", pay, 62 + jitter, pay_end - 1, model::SpanKind::kServer);
  trace.Add("fraud-api", "POST /score", pay_server, 64 + jitter, 64 + jitter + fraud_ms, model::SpanKind::kServer);
  return trace.Build();
}

void MoveTraceStart(model::TraceBatch& batch, std::uint64_t start_unix_nano) {
  for (auto& resource_spans : batch.resource_spans) {
    for (auto& scope_spans : resource_spans.scope_spans) {
      for (auto& span : scope_spans.spans) {
        span.start_time_unix_nano = span.start_time_unix_nano - kTraceStart + start_unix_nano;
        span.end_time_unix_nano = span.end_time_unix_nano - kTraceStart + start_unix_nano;
      }
    }
  }
}

}  // namespace hoptrace::analysis::testing
