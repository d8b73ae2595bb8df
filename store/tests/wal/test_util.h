#pragma once
// Shared by the WAL and engine tests: a temporary directory and spans with every field set.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "hoptrace/model/span.h"

namespace hoptrace::store::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hoptrace-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline model::TraceId TraceIdOf(std::uint64_t n) { return model::TraceId::FromHighLow(0xabc, n); }
inline model::SpanId SpanIdOf(std::uint64_t n) { return model::SpanId::FromHighLow(0, n); }

// A span with attributes of every type, an event and a link, so round trips cover every field.
inline model::Span RichSpan(std::uint64_t trace, std::uint64_t span, std::uint64_t start_unix_nano) {
  model::Span s;
  s.trace_id = TraceIdOf(trace);
  s.span_id = SpanIdOf(span);
  s.parent_span_id = span > 1 ? SpanIdOf(span - 1) : model::SpanId();
  s.trace_state = "vendor=1";
  s.flags = model::kTraceFlagSampled | model::kSpanFlagHasIsRemote;
  s.name = "GET /item/" + std::to_string(span % 7);
  s.kind = span % 2 ? model::SpanKind::kServer : model::SpanKind::kClient;
  s.start_time_unix_nano = start_unix_nano;
  s.end_time_unix_nano = start_unix_nano + 1500 + span;
  s.attributes.push_back({"http.method", std::string("GET")});
  s.attributes.push_back({"http.status_code", std::int64_t{200 + static_cast<std::int64_t>(span % 3)}});
  s.attributes.push_back({"ratio", 0.25});
  s.attributes.push_back({"cached", true});
  s.attributes.push_back({"tags", std::vector<std::string>{"a", "b"}});
  s.attributes.push_back({"bits", std::vector<bool>{true, false}});
  s.attributes.push_back({"ints", std::vector<std::int64_t>{-1, 7}});
  s.attributes.push_back({"doubles", std::vector<double>{1.5}});
  s.dropped_attributes_count = 2;
  model::Event event;
  event.time_unix_nano = start_unix_nano + 10;
  event.name = "retry";
  event.attributes.push_back({"attempt", std::int64_t{2}});
  s.events.push_back(event);
  model::Link link;
  link.trace_id = TraceIdOf(trace + 1000);
  link.span_id = SpanIdOf(9);
  link.flags = 1;
  s.links.push_back(link);
  s.status = {span % 5 == 0 ? model::StatusCode::kError : model::StatusCode::kUnset, span % 5 == 0 ? "boom" : ""};
  return s;
}

// One resource (service.name = `service`) and one scope holding `spans`.
inline model::TraceBatch BatchOf(const std::string& service, std::vector<model::Span> spans) {
  model::TraceBatch batch;
  model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
  resource_spans.resource.attributes.push_back({std::string(model::kServiceNameKey), service});
  resource_spans.schema_url = "https://opentelemetry.io/schemas/1.21.0";
  model::ScopeSpans& scope_spans = resource_spans.scope_spans.emplace_back();
  scope_spans.scope.name = "hoptrace.test";
  scope_spans.scope.version = "1.0";
  scope_spans.spans = std::move(spans);
  return batch;
}

}  // namespace hoptrace::store::testing
