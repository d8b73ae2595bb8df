#include "hoptrace/sdk/exporters/console/console_exporter.h"

#include <cinttypes>
#include <ctime>
#include <ostream>

#include "hoptrace/otlp/json_convert.h"

namespace hoptrace::sdk::exporters::console {
namespace {

constexpr std::uint64_t kNanosPerSecond = 1'000'000'000;

void AppendLine(std::string& out, int indent, std::string_view label, std::string_view value) {
  out.append(static_cast<std::size_t>(indent), ' ');
  out += label;
  if (!value.empty()) {
    out.append(label.size() < 11 ? 11 - label.size() : 1, ' ');
    out += value;
  }
  out += '\n';
}

// 2024-05-01T12:00:00.123456789Z
std::string FormatTimestamp(std::uint64_t unix_nanos) {
  const auto seconds = static_cast<std::time_t>(unix_nanos / kNanosPerSecond);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  const std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof(text) - length, ".%09" PRIu64 "Z", unix_nanos % kNanosPerSecond);
  return text;
}

std::string FormatMillis(std::uint64_t nanos) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f ms", static_cast<double>(nanos) / 1e6);
  return text;
}

void AppendAttributes(std::string& out, int indent, const model::Attributes& attributes, std::uint32_t dropped) {
  for (const model::Attribute& attribute : attributes) {
    out.append(static_cast<std::size_t>(indent), ' ');
    out += attribute.key + " = " + model::AttributeValueToString(attribute.value) + '\n';
  }
  if (dropped > 0) AppendLine(out, indent, "(" + std::to_string(dropped) + " dropped)", {});
}

std::string DescribeStatus(const model::Status& status) {
  std::string text = model::StatusCodeName(status.code);
  if (!status.message.empty()) text += " \"" + status.message + "\"";
  return text;
}

std::string DescribeScope(const model::InstrumentationScope& scope) {
  return scope.version.empty() ? scope.name : scope.name + " " + scope.version;
}

void AppendEvents(std::string& out, const model::Span& span) {
  if (span.events.empty()) return;
  AppendLine(out, 2, "events", {});
  for (const model::Event& event : span.events) {
    const std::uint64_t offset =
        event.time_unix_nano > span.start_time_unix_nano ? event.time_unix_nano - span.start_time_unix_nano : 0;
    AppendLine(out, 4, "+" + FormatMillis(offset), event.name);
    AppendAttributes(out, 6, event.attributes, event.dropped_attributes_count);
  }
}

void AppendLinks(std::string& out, const model::Span& span) {
  if (span.links.empty()) return;
  AppendLine(out, 2, "links", {});
  for (const model::Link& link : span.links) {
    AppendLine(out, 4, link.trace_id.ToHex() + "/" + link.span_id.ToHex(), {});
    AppendAttributes(out, 6, link.attributes, link.dropped_attributes_count);
  }
}

}  // namespace

std::string FormatSpanText(const model::Span& span, const model::Resource* resource,
                           const model::InstrumentationScope* scope) {
  std::string out = "span \"" + span.name + "\" " + model::SpanKindName(span.kind) + '\n';
  AppendLine(out, 2, "trace_id", span.trace_id.ToHex());
  AppendLine(out, 2, "span_id", span.span_id.ToHex());
  AppendLine(out, 2, "parent_id", span.IsRoot() ? "(root)" : span.parent_span_id.ToHex());
  if (resource != nullptr) {
    if (const model::AttributeValue* service = model::FindAttribute(resource->attributes, model::kServiceNameKey)) {
      AppendLine(out, 2, "service", model::AttributeValueToString(*service));
    }
  }
  if (scope != nullptr && !scope->name.empty()) AppendLine(out, 2, "scope", DescribeScope(*scope));
  AppendLine(out, 2, "start", FormatTimestamp(span.start_time_unix_nano));
  AppendLine(out, 2, "duration", FormatMillis(span.DurationNanos()));
  AppendLine(out, 2, "status", DescribeStatus(span.status));
  if (!span.attributes.empty() || span.dropped_attributes_count > 0) {
    AppendLine(out, 2, "attributes", {});
    AppendAttributes(out, 4, span.attributes, span.dropped_attributes_count);
  }
  AppendEvents(out, span);
  AppendLinks(out, span);
  return out;
}

ConsoleSpanExporter::ConsoleSpanExporter(std::ostream& out, ConsoleFormat format) : stream_(&out), format_(format) {}
ConsoleSpanExporter::ConsoleSpanExporter(std::FILE* out, ConsoleFormat format) : file_(out), format_(format) {}

ExportResult ConsoleSpanExporter::Export(std::span<const SpanRecordPtr> records) {
  std::lock_guard lock(mutex_);
  if (shut_down_) return ExportResult::kFailure;
  if (records.empty()) return ExportResult::kSuccess;
  std::string text;
  if (format_ == ConsoleFormat::kJsonLines) {
    text = hoptrace::otlp::ToJson(ToTraceBatch(records)) + '\n';
  } else {
    for (const SpanRecordPtr& record : records) text += FormatSpanText(record->span, record->resource, record->scope);
  }
  Write(text);
  Flush();
  return ExportResult::kSuccess;
}

bool ConsoleSpanExporter::ForceFlush(std::chrono::milliseconds /*timeout*/) {
  std::lock_guard lock(mutex_);
  Flush();
  return true;
}

void ConsoleSpanExporter::Shutdown(std::chrono::milliseconds /*timeout*/) {
  std::lock_guard lock(mutex_);
  Flush();
  shut_down_ = true;
}

void ConsoleSpanExporter::Write(const std::string& text) {
  if (stream_ != nullptr) {
    stream_->write(text.data(), static_cast<std::streamsize>(text.size()));
  } else {
    std::fwrite(text.data(), 1, text.size(), file_);
  }
}

void ConsoleSpanExporter::Flush() {
  if (stream_ != nullptr) {
    stream_->flush();
  } else {
    std::fflush(file_);
  }
}

}  // namespace hoptrace::sdk::exporters::console
