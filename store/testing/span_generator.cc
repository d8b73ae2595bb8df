#include "span_generator.h"

#include <algorithm>
#include <array>
#include <map>
#include <string>

namespace hoptrace::store::testing {
namespace {

constexpr std::array<const char*, 10> kServiceNames = {"frontend", "api-gateway", "checkout",  "payments", "inventory",
                                                       "users",    "catalog",     "shipping",  "email",    "recommend"};
constexpr std::array<const char*, 8> kRoutes = {"/api/cart",     "/api/checkout", "/api/users/{id}", "/api/products",
                                                "/api/products/{id}", "/api/orders", "/api/search",  "/health"};
constexpr std::array<const char*, 4> kMethods = {"GET", "POST", "PUT", "DELETE"};
constexpr std::array<const char*, 6> kStatements = {
    "SELECT * FROM orders WHERE user_id = ?", "SELECT id, price FROM products WHERE id IN (?)",
    "UPDATE inventory SET count = count - ? WHERE sku = ?", "INSERT INTO payments (order_id, amount) VALUES (?, ?)",
    "SELECT * FROM users WHERE id = ?", "DELETE FROM carts WHERE user_id = ?"};
constexpr std::array<const char*, 5> kInternalOps = {"serialize", "validate", "render", "cache.lookup", "compute.price"};

// xoshiro-like determinism without depending on <random>'s distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  std::uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) * 0x1.0p-53 < p; }
  template <typename T, std::size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(N)];
  }

 private:
  std::uint64_t state_;
};

class Generator {
 public:
  Generator(const GeneratorOptions& options) : options_(options), rng_(options.seed) { MakeResources(); }

  GeneratedSpans Generate(std::size_t min_spans) {
    while (out_.spans.size() < min_spans) MakeTrace();
    return std::move(out_);
  }

 private:
  static constexpr std::size_t kInstances = 3;

  void MakeResources() {
    for (std::size_t s = 0; s < options_.services; ++s) {
      const std::string service = kServiceNames[s % kServiceNames.size()];
      for (std::size_t i = 0; i < kInstances; ++i) {
        block::ResourceEntry entry;
        model::SetAttribute(entry.resource.attributes, "service.name", std::string_view(service));
        model::SetAttribute(entry.resource.attributes, "service.version", std::string_view("1." + std::to_string(s) + ".0"));
        model::SetAttribute(entry.resource.attributes, "host.name", std::string_view(service + "-" + std::to_string(i)));
        model::SetAttribute(entry.resource.attributes, "telemetry.sdk.language", std::string_view(s % 3 ? "cpp" : "go"));
        model::SetAttribute(entry.resource.attributes, "process.pid", std::int64_t(1000 + 17 * s + i));
        entry.schema_url = "https://opentelemetry.io/schemas/1.21.0";
        out_.resources.push_back(std::move(entry));
      }
    }
    for (const char* name : {"hoptrace.http", "hoptrace.db", "hoptrace.internal"}) {
      block::ScopeEntry entry;
      entry.scope.name = name;
      entry.scope.version = "0.1.0";
      out_.scopes.push_back(std::move(entry));
    }
    out_.scopes[1].scope.attributes.push_back({"db.pool", std::int64_t(8)});
  }

  std::size_t ResourceOf(std::size_t service) { return service * kInstances + rng_.Below(kInstances); }

  model::SpanId NewSpanId() { return model::SpanId::FromHighLow(0, rng_.Next() | 1); }

  void MakeTrace() {
    trace_id_ = model::TraceId::FromHighLow(rng_.Next(), rng_.Next() | 1);
    user_ = "user-" + std::to_string(rng_.Below(50'000));
    const std::uint64_t start = options_.start_unix_nano + rng_.Below(options_.spread_nanos);
    const std::uint64_t duration = 2'000'000 + rng_.Below(400'000'000);
    const std::size_t depth = 4 + rng_.Below(3);
    MakeServerSpan(0, model::SpanId(), start, duration, depth, /*remote_parent=*/false);
  }

  GeneratedSpan& NewSpan(std::size_t service, std::size_t scope, const model::SpanId& parent, std::uint64_t start,
                         std::uint64_t duration) {
    GeneratedSpan& generated = out_.spans.emplace_back();
    generated.resource = ResourceOf(service);
    generated.scope = scope;
    model::Span& span = generated.span;
    span.trace_id = trace_id_;
    span.span_id = NewSpanId();
    span.parent_span_id = parent;
    span.flags = model::kTraceFlagSampled;
    span.start_time_unix_nano = start;
    span.end_time_unix_nano = start + duration;
    if (rng_.Chance(0.03)) {
      span.status = {model::StatusCode::kError, rng_.Chance(0.5) ? "upstream timeout" : "connection reset by peer"};
    } else if (rng_.Chance(0.2)) {
      span.status.code = model::StatusCode::kOk;
    }
    return generated;
  }

  void AddCommon(model::Span& span, std::size_t service) {
    model::SetAttribute(span.attributes, "user.id", std::string_view(user_));
    model::SetAttribute(span.attributes, "thread.id", std::int64_t(rng_.Below(64)));
    model::SetAttribute(span.attributes, "component", std::string_view(kServiceNames[service % kServiceNames.size()]));
    model::SetAttribute(span.attributes, "sampling.ratio", 0.25);
    if (rng_.Chance(0.1)) model::SetAttribute(span.attributes, "retry", true);
    if (rng_.Chance(0.05)) {
      const std::array<std::string_view, 2> tags = {"beta", rng_.Chance(0.5) ? "eu" : "us"};
      model::SetAttribute(span.attributes, "feature.flags", std::span<const std::string_view>(tags));
    }
    if (rng_.Chance(0.02)) {
      const std::array<std::int64_t, 3> sizes = {128, std::int64_t(rng_.Below(4096)), 512};
      model::SetAttribute(span.attributes, "batch.sizes", std::span<const std::int64_t>(sizes));
    }
    if (span.status.code == model::StatusCode::kError) {
      model::Event& event = span.events.emplace_slot();
      event.time_unix_nano = span.end_time_unix_nano - 1000;
      event.name = "exception";
      model::SetAttribute(event.attributes, "exception.type", std::string_view("TimeoutError"));
      model::SetAttribute(event.attributes, "exception.message", std::string_view(span.status.message));
    }
    if (rng_.Chance(0.02)) {
      model::Link& link = span.links.emplace_slot();
      link.trace_id = model::TraceId::FromHighLow(rng_.Next(), rng_.Next());
      link.span_id = NewSpanId();
      link.trace_state = "vendor=abc";
      link.flags = 1;
      model::SetAttribute(link.attributes, "link.kind", std::string_view("follows_from"));
    }
    if (rng_.Chance(0.01)) {
      span.dropped_attributes_count = 3;
      span.dropped_events_count = 1;
      span.dropped_links_count = 2;
    }
    if (rng_.Chance(0.05)) span.trace_state = "vendor=abc,rojo=00f067aa0ba902b7";
  }

  void AddHttp(model::Span& span, std::size_t route, std::int64_t status) {
    model::SetAttribute(span.attributes, "http.method", std::string_view(kMethods[route % kMethods.size()]));
    model::SetAttribute(span.attributes, "http.route", std::string_view(kRoutes[route]));
    model::SetAttribute(span.attributes, "http.status_code", status);
    model::SetAttribute(span.attributes, "http.request_content_length", std::int64_t(rng_.Below(20'000)));
    model::SetAttribute(span.attributes, "http.user_agent", std::string_view(rng_.Chance(0.7) ? "Mozilla/5.0" : "curl/8.1"));
  }

  void MakeServerSpan(std::size_t service, const model::SpanId& parent, std::uint64_t start, std::uint64_t duration,
                      std::size_t depth, bool remote_parent) {
    const std::size_t route = rng_.Below(kRoutes.size());
    GeneratedSpan& server = NewSpan(service, 0, parent, start, duration);
    server.span.kind = model::SpanKind::kServer;
    server.span.name = std::string(kMethods[route % kMethods.size()]) + " " + kRoutes[route];
    if (remote_parent) server.span.flags |= model::kSpanFlagHasIsRemote | model::kSpanFlagIsRemote;
    const std::int64_t status = server.span.status.code == model::StatusCode::kError ? 503 : 200;
    AddHttp(server.span, route, status);
    model::SetAttribute(server.span.attributes, "net.peer.ip",
                        std::string_view("10.0." + std::to_string(rng_.Below(4)) + "." + std::to_string(rng_.Below(250))));
    AddCommon(server.span, service);
    const model::SpanId id = server.span.span_id;
    MakeChildren(service, id, start, duration, depth - 1);
  }

  void MakeChildren(std::size_t service, const model::SpanId& parent, std::uint64_t start, std::uint64_t duration,
                    std::size_t depth) {
    if (depth == 0) return;
    const std::size_t children = 1 + rng_.Below(3);
    for (std::size_t c = 0; c < children; ++c) {
      const std::uint64_t child_start = start + rng_.Below(duration / 2 + 1);
      const std::uint64_t child_duration = 1 + rng_.Below(duration / 2 + 1);
      const std::uint64_t pick = rng_.Below(10);
      if (pick < 5 && depth > 1) {
        MakeClientCall(service, parent, child_start, child_duration, depth);
      } else if (pick < 8) {
        MakeDbSpan(service, parent, child_start, child_duration);
      } else {
        GeneratedSpan& internal = NewSpan(service, 2, parent, child_start, child_duration);
        internal.span.name = rng_.Pick(kInternalOps);
        AddCommon(internal.span, service);
        const model::SpanId id = internal.span.span_id;
        MakeChildren(service, id, child_start, child_duration, depth - 1);
      }
    }
  }

  void MakeClientCall(std::size_t service, const model::SpanId& parent, std::uint64_t start, std::uint64_t duration,
                      std::size_t depth) {
    const std::size_t callee = (service + 1 + rng_.Below(options_.services - 1)) % options_.services;
    const std::size_t route = rng_.Below(kRoutes.size());
    GeneratedSpan& client = NewSpan(service, 0, parent, start, duration);
    client.span.kind = model::SpanKind::kClient;
    client.span.name = std::string(kMethods[route % kMethods.size()]);
    AddHttp(client.span, route, client.span.status.code == model::StatusCode::kError ? 503 : 200);
    const std::string peer = std::string(kServiceNames[callee % kServiceNames.size()]);
    model::SetAttribute(client.span.attributes, "net.peer.name", std::string_view(peer));
    model::SetAttribute(client.span.attributes, "net.peer.port", std::int64_t(8080));
    AddCommon(client.span, service);
    const model::SpanId id = client.span.span_id;
    const std::uint64_t network = duration / 20;
    MakeServerSpan(callee, id, start + network, duration - 2 * network, depth - 1, true);
  }

  void MakeDbSpan(std::size_t service, const model::SpanId& parent, std::uint64_t start, std::uint64_t duration) {
    GeneratedSpan& db = NewSpan(service, 1, parent, start, duration);
    db.span.kind = model::SpanKind::kClient;
    const char* statement = rng_.Pick(kStatements);
    db.span.name = std::string(statement).substr(0, std::string_view(statement).find(' '));
    model::SetAttribute(db.span.attributes, "db.system", std::string_view("postgresql"));
    model::SetAttribute(db.span.attributes, "db.name", std::string_view("shop"));
    model::SetAttribute(db.span.attributes, "db.statement", std::string_view(statement));
    model::SetAttribute(db.span.attributes, "db.rows_affected", std::int64_t(rng_.Below(100)));
    model::SetAttribute(db.span.attributes, "net.peer.name", std::string_view("db-primary"));
    model::SetAttribute(db.span.attributes, "net.peer.port", std::int64_t(5432));
    AddCommon(db.span, service);
  }

  GeneratorOptions options_;
  Rng rng_;
  GeneratedSpans out_;
  model::TraceId trace_id_;
  std::string user_;
};

}  // namespace

GeneratedSpans GenerateSpans(std::size_t min_spans, const GeneratorOptions& options) {
  return Generator(options).Generate(min_spans);
}

model::TraceBatch GeneratedSpans::ToBatch() const { return ToBatch(0, spans.size()); }

model::TraceBatch GeneratedSpans::ToBatch(std::size_t first, std::size_t count) const {
  model::TraceBatch batch;
  std::map<std::pair<std::size_t, std::size_t>, std::pair<std::size_t, std::size_t>> positions;
  std::map<std::size_t, std::size_t> resource_positions;
  const std::size_t end = std::min(spans.size(), first + count);
  for (std::size_t index = first; index < end; ++index) {
    const GeneratedSpan& generated = spans[index];
    auto [resource_it, new_resource] = resource_positions.try_emplace(generated.resource, batch.resource_spans.size());
    if (new_resource) {
      batch.resource_spans.push_back({resources[generated.resource].resource, {}, resources[generated.resource].schema_url});
    }
    model::ResourceSpans& resource_spans = batch.resource_spans[resource_it->second];
    auto [scope_it, new_scope] =
        positions.try_emplace({generated.resource, generated.scope}, std::make_pair(resource_it->second, resource_spans.scope_spans.size()));
    if (new_scope) resource_spans.scope_spans.push_back({scopes[generated.scope].scope, {}, scopes[generated.scope].schema_url});
    resource_spans.scope_spans[scope_it->second.second].spans.push_back(generated.span);
  }
  return batch;
}

std::vector<model::TraceId> GeneratedSpans::TraceIds() const {
  std::vector<model::TraceId> ids;
  for (const GeneratedSpan& generated : spans) {
    if (ids.empty() || ids.back() != generated.span.trace_id) ids.push_back(generated.span.trace_id);
  }
  return ids;
}

}  // namespace hoptrace::store::testing
