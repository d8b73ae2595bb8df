#include "client_commands.h"

#include <simdjson.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "hoptrace/http/client.h"
#include "hoptrace/http/url.h"
#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/query/duration.h"
#include "trace_printer.h"

namespace hoptrace::cli {
namespace {

int Fail(std::string_view message) {
  std::cerr << "hoptrace: " << message << "\n";
  return 1;
}

// The OTLP JSON object inside Tempo's {"trace": {...}} wrapper; other documents as they are.
std::string UnwrapTrace(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root)) return std::string(json);
  simdjson::dom::element inner;
  if (root.is_object() && !root["trace"].get(inner)) return simdjson::minify(inner);
  return std::string(json);
}

}  // namespace

// Declared in client_commands.h: `explain` reads traces the same way.
std::optional<std::string> FetchTraceJson(std::string_view server, std::string_view trace_id, std::string* error) {
  if (!model::TraceId::FromHex(trace_id)) {
    *error = "'" + std::string(trace_id) + "' is not a trace ID (32 hex digits)";
    return std::nullopt;
  }
  http::Client client(server);
  auto response = client.Get("/api/v2/traces/" + std::string(trace_id), error);
  if (!response) return std::nullopt;
  if (response->status == 404) {
    *error = "trace " + std::string(trace_id) + " not found on " + std::string(server);
    return std::nullopt;
  }
  if (response->status != 200) {
    *error = "the server answered " + std::to_string(response->status) + ": " + response->body;
    return std::nullopt;
  }
  return UnwrapTrace(response->body);
}

std::vector<std::string> SplitDocuments(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element whole;
  if (!parser.parse(text).get(whole)) return {UnwrapTrace(text)};
  std::vector<std::string> documents;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) documents.push_back(UnwrapTrace(line));
  }
  return documents;
}

namespace {

// Moves up to `max_spans` spans from the front of `source` into a new batch, keeping resources and scopes.
model::TraceBatch TakeSpans(model::TraceBatch& source, std::size_t& resource_index, std::size_t& scope_index,
                            std::size_t& span_index, std::size_t max_spans) {
  model::TraceBatch batch;
  std::size_t taken = 0;
  while (taken < max_spans && resource_index < source.resource_spans.size()) {
    auto& resource_spans = source.resource_spans[resource_index];
    if (scope_index >= resource_spans.scope_spans.size()) {
      ++resource_index;
      scope_index = span_index = 0;
      continue;
    }
    auto& scope_spans = resource_spans.scope_spans[scope_index];
    if (span_index >= scope_spans.spans.size()) {
      ++scope_index;
      span_index = 0;
      continue;
    }
    if (batch.resource_spans.empty() || !(batch.resource_spans.back().resource == resource_spans.resource)) {
      batch.resource_spans.push_back({resource_spans.resource, {}, resource_spans.schema_url});
    }
    auto& out_scopes = batch.resource_spans.back().scope_spans;
    if (out_scopes.empty() || !(out_scopes.back().scope == scope_spans.scope)) {
      out_scopes.push_back({scope_spans.scope, {}, scope_spans.schema_url});
    }
    const std::size_t count = std::min(max_spans - taken, scope_spans.spans.size() - span_index);
    auto first = scope_spans.spans.begin() + static_cast<std::ptrdiff_t>(span_index);
    out_scopes.back().spans.insert(out_scopes.back().spans.end(), std::make_move_iterator(first),
                                   std::make_move_iterator(first + static_cast<std::ptrdiff_t>(count)));
    span_index += count;
    taken += count;
  }
  return batch;
}

// A member of a JSON object, or T{} when it is missing or of another type.
template <typename T>
T Field(simdjson::dom::element object, const char* key) {
  T value{};
  if (object[key].get(value) != simdjson::SUCCESS) return T{};
  return value;
}

class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), interactive_(isatty(STDERR_FILENO) != 0) {}
  void Update(std::size_t done, bool final = false) {
    const auto now = std::chrono::steady_clock::now();
    if (!final && (!interactive_ || now - last_ < std::chrono::milliseconds(100))) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "%simported %zu/%zu spans (%.0f%%), %.0f spans/s%s", interactive_ ? "\r" : "", done, total_,
                 total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0,
                 seconds > 0 ? static_cast<double>(done) / seconds : 0.0, final || !interactive_ ? "\n" : "");
  }

 private:
  std::size_t total_;
  bool interactive_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

ClientCommands::ClientCommands(CLI::App& app) {
  get_ = app.add_subcommand("get", "Print a trace as a tree: service, operation, offset, duration, errors");
  get_->add_option("trace-id", trace_id_, "32 hex digits")->required();
  get_->add_flag("--attributes", attributes_, "Also print each span's attributes and events");

  search_ = app.add_subcommand("search", "Find traces with the query language, most recent first");
  search_->add_option("query", query_,
                      "e.g. '{ resource.service.name = \"payments\" && duration > 1s }', '{ status = error }'")
      ->required();
  search_->add_option("--since", since_, "How far back to look (Go duration, e.g. 15m, 24h)")->capture_default_str();
  search_->add_option("--limit", limit_, "At most this many traces")->capture_default_str();

  export_ = app.add_subcommand("export", "Write a trace as OTLP JSON to stdout (what `hoptrace import` reads)");
  export_->add_option("trace-id", trace_id_, "32 hex digits")->required();

  import_ = app.add_subcommand("import", "Send the spans of an OTLP JSON file (one document or JSON lines) to a server");
  import_->add_option("file", file_, "OTLP JSON: ExportTraceServiceRequest, {\"trace\": ...}, or one per line")
      ->required()
      ->check(CLI::ExistingFile);
  import_->add_option("--otlp-endpoint", otlp_endpoint_, "OTLP/HTTP traces endpoint")->capture_default_str();
  import_->add_option("--batch-spans", batch_spans_, "Spans per request")->capture_default_str()->check(CLI::PositiveNumber);

  for (CLI::App* command : {get_, search_, export_}) {
    command->add_option("--server", server_, "Query API of a running `hoptrace serve`")->capture_default_str();
  }
}

int ClientCommands::Run() {
  if (get_->parsed()) return Get();
  if (search_->parsed()) return Search();
  if (export_->parsed()) return Export();
  if (import_->parsed()) return Import();
  return Fail("no command");
}

int ClientCommands::Get() {
  std::string error;
  auto json = FetchTraceJson(server_, trace_id_, &error);
  if (!json) return Fail(error);
  model::TraceBatch trace;
  otlp::DecodeReport report;
  if (!otlp::ParseJson(*json, &trace, &report, &error)) return Fail("unreadable answer from the server: " + error);
  std::cout << FormatTraceTree(trace, {.attributes = attributes_});
  return 0;
}

int ClientCommands::Export() {
  std::string error;
  auto json = FetchTraceJson(server_, trace_id_, &error);
  if (!json) return Fail(error);
  std::cout << *json << "\n";
  return 0;
}

int ClientCommands::Search() {
  const auto since = query::ParseGoDuration(since_);
  if (!since || *since <= 0) return Fail("--since must be a positive duration such as 15m or 24h");
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto end = std::chrono::duration_cast<std::chrono::seconds>(now).count() + 1;
  const auto start = end - std::max<std::int64_t>(1, *since / 1'000'000'000);
  const std::string target = "/api/search?q=" + http::PercentEncode(query_) + "&start=" + std::to_string(start) +
                             "&end=" + std::to_string(end) + "&limit=" + std::to_string(limit_);
  std::string error;
  http::Client client(server_);
  auto response = client.Get(target, &error);
  if (!response) return Fail(error);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(response->body).get(root)) return Fail("unreadable answer from the server");
  if (response->status != 200) {
    std::string_view message;
    if (root["error"].get(message)) message = response->body;
    return Fail(std::string(message));
  }
  simdjson::dom::array traces;
  if (root["traces"].get(traces)) return Fail("unreadable answer from the server");
  std::printf("%-32s  %-14s  %-30s  %10s  %5s  %6s\n", "TRACE", "ROOT SERVICE", "ROOT OPERATION", "DURATION",
              "SPANS", "ERRORS");
  for (simdjson::dom::element trace : traces) {
    const auto id = Field<std::string_view>(trace, "traceID");
    const auto service = Field<std::string_view>(trace, "rootServiceName");
    const auto name = Field<std::string_view>(trace, "rootTraceName");
    const auto duration_ms = Field<double>(trace, "durationMs");
    const auto spans = Field<std::int64_t>(trace, "spanCount");
    const auto errors = Field<std::int64_t>(trace, "errorCount");
    std::printf("%-32.*s  %-14.*s  %-30.*s  %10s  %5lld  %6lld\n", static_cast<int>(id.size()), id.data(),
                static_cast<int>(service.size()), service.data(), static_cast<int>(name.size()), name.data(),
                FormatDuration(static_cast<std::uint64_t>(duration_ms * 1e6)).c_str(), static_cast<long long>(spans),
                static_cast<long long>(errors));
  }
  std::printf("%zu trace(s)\n", traces.size());
  return 0;
}

int ClientCommands::Import() {
  std::ifstream in(file_, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  model::TraceBatch all;
  std::size_t rejected_on_read = 0;
  for (const std::string& document : SplitDocuments(contents.str())) {
    otlp::DecodeReport report;
    std::string error;
    if (!otlp::ParseJson(document, &all, &report, &error)) return Fail(file_ + ": " + error);
    rejected_on_read += report.rejected_spans;
  }
  if (rejected_on_read > 0) std::cerr << "hoptrace: skipped " << rejected_on_read << " invalid span(s) in " << file_ << "\n";

  const auto endpoint = http::ParseHttpUrl(otlp_endpoint_);
  if (!endpoint) return Fail("--otlp-endpoint must be an http:// URL");
  http::Client client("http://" + endpoint->host + ":" + endpoint->port);
  const std::size_t total = all.SpanCount();
  Progress progress(total);
  std::size_t sent = 0, rejected = 0, resource = 0, scope = 0, span = 0;
  while (sent < total) {
    model::TraceBatch batch = TakeSpans(all, resource, scope, span, batch_spans_);
    std::string error;
    auto response = client.Post(endpoint->target, otlp::SerializeExportRequest(batch), "application/x-protobuf", &error);
    if (!response) return Fail(error);
    if (response->status != 200) {
      return Fail("the server refused a batch (" + std::to_string(response->status) + "): " + response->body);
    }
    otlp::ExportResponse answer;
    if (answer.ParseFromString(response->body)) rejected += static_cast<std::size_t>(answer.partial_success().rejected_spans());
    sent += batch.SpanCount();
    progress.Update(sent);
  }
  progress.Update(sent, /*final=*/true);
  if (rejected > 0) std::cerr << "hoptrace: the server rejected " << rejected << " span(s)\n";
  return rejected > 0 ? 1 : 0;
}

}  // namespace hoptrace::cli
