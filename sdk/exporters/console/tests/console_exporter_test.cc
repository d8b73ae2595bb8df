#include "hoptrace/sdk/exporters/console/console_exporter.h"

#include <gtest/gtest.h>

#include <sstream>

#include "hoptrace/otlp/json_convert.h"
#include "hoptrace/sdk/tracer_provider.h"

namespace hoptrace::sdk::exporters::console {
namespace {

using model::SpanKind;

constexpr std::uint64_t kStart = 1'714'564'800'123'456'789;  // 2024-05-01T12:00:00.123456789Z

std::unique_ptr<TracerProvider> MakeProvider(std::ostream& out, ConsoleFormat format) {
  TracerProviderOptions options;
  options.resource = DefaultResource("checkout");
  options.processors.push_back(
      std::make_unique<SimpleSpanProcessor>(std::make_unique<ConsoleSpanExporter>(out, format)));
  return std::make_unique<TracerProvider>(std::move(options));
}

// A server span with a child that has attributes, an event and a link.
void RecordTwoSpans(TracerProvider& provider) {
  Tracer& tracer = provider.GetTracer("shop.http", "2.0");
  Span parent = tracer.StartSpan("GET /cart", {.kind = SpanKind::kServer, .start_time_unix_nano = kStart});
  {
    Span child = tracer.StartSpan("SELECT cart", {.kind = SpanKind::kClient,
                                                   .parent = parent.context(),
                                                   .start_time_unix_nano = kStart + 1'000'000});
    const std::int64_t ports[] = {5432, 5433};
    child.SetAttribute("db.system", std::string_view("postgresql"));
    child.SetAttribute("db.ports", std::span<const std::int64_t>(ports));
    child.AddEvent("retry", {{"attempt", std::int64_t{2}}}, kStart + 1'500'000);
    child.AddLink(parent.context(), {{"why", std::string_view("follows")}});
    child.SetStatus(model::StatusCode::kError, "timeout");
    child.End(kStart + 3'250'000);
  }
  parent.End(kStart + 5'000'000);
}

TEST(ConsoleExporterTest, TextBlockShowsEveryPart) {
  std::ostringstream out;
  auto provider = MakeProvider(out, ConsoleFormat::kText);
  RecordTwoSpans(*provider);
  provider->Shutdown();
  const std::string text = out.str();

  const std::size_t child = text.find("span \"SELECT cart\" CLIENT\n");
  const std::size_t parent = text.find("span \"GET /cart\" SERVER\n");
  ASSERT_NE(child, std::string::npos) << text;
  ASSERT_NE(parent, std::string::npos) << text;
  EXPECT_LT(child, parent);  // spans print as they end
  const std::string child_block = text.substr(child, parent - child);
  for (const char* expected : {"  service    \"checkout\"\n", "  scope      shop.http 2.0\n",
                               "  start      2024-05-01T12:00:00.124456789Z\n", "  duration   2.250 ms\n",
                               "  status     ERROR \"timeout\"\n", "  attributes\n",
                               "    db.system = \"postgresql\"\n", "    db.ports = [5432, 5433]\n", "  events\n",
                               "    +0.500 ms  retry\n", "      attempt = 2\n", "  links\n",
                               "      why = \"follows\"\n"}) {
    EXPECT_NE(child_block.find(expected), std::string::npos) << "missing: " << expected << "\n" << child_block;
  }
  EXPECT_NE(child_block.find("  parent_id  "), std::string::npos);
  const std::string parent_block = text.substr(parent);
  EXPECT_NE(parent_block.find("  parent_id  (root)\n"), std::string::npos) << parent_block;
  EXPECT_NE(parent_block.find("  status     UNSET\n"), std::string::npos) << parent_block;
  EXPECT_EQ(parent_block.find("  events\n"), std::string::npos) << "empty sections are left out";
}

TEST(ConsoleExporterTest, JsonLinesHoldOneOtlpRequestPerExport) {
  std::ostringstream out;
  auto provider = MakeProvider(out, ConsoleFormat::kJsonLines);
  RecordTwoSpans(*provider);
  provider->Shutdown();

  std::istringstream lines(out.str());
  std::vector<model::Span> spans;
  std::string line;
  while (std::getline(lines, line)) {
    model::TraceBatch batch;
    hoptrace::otlp::DecodeReport report;
    std::string error;
    ASSERT_TRUE(hoptrace::otlp::ParseJson(line, &batch, &report, &error)) << error << "\n" << line;
    ASSERT_EQ(batch.resource_spans.size(), 1u);
    const model::ResourceSpans& resource_spans = batch.resource_spans[0];
    EXPECT_EQ(*model::FindAttribute(resource_spans.resource.attributes, model::kServiceNameKey),
              model::AttributeValue(std::string("checkout")));
    ASSERT_EQ(resource_spans.scope_spans.size(), 1u);
    EXPECT_EQ(resource_spans.scope_spans[0].scope.name, "shop.http");
    for (const model::Span& span : resource_spans.scope_spans[0].spans) spans.push_back(span);
  }
  ASSERT_EQ(spans.size(), 2u);  // SimpleSpanProcessor: one export, so one line, per span
  EXPECT_EQ(spans[0].name, "SELECT cart");
  EXPECT_EQ(spans[0].parent_span_id, spans[1].span_id);
  EXPECT_EQ(spans[0].events.size(), 1u);
  EXPECT_EQ(spans[0].links.size(), 1u);
  EXPECT_EQ(spans[1].name, "GET /cart");
}

TEST(ConsoleExporterTest, WritesToAFileAndRefusesAfterShutdown) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  ConsoleSpanExporter exporter(file);
  std::vector<SpanRecordPtr> records;
  records.emplace_back(new SpanRecord{});
  records[0]->span.name = "by hand";
  EXPECT_EQ(exporter.Export(records), ExportResult::kSuccess);
  exporter.Shutdown(std::chrono::milliseconds(100));
  EXPECT_EQ(exporter.Export(records), ExportResult::kFailure);

  std::rewind(file);
  char buffer[256] = {};
  ASSERT_NE(std::fgets(buffer, sizeof(buffer), file), nullptr);
  EXPECT_STREQ(buffer, "span \"by hand\" INTERNAL\n");
  std::fclose(file);
}

}  // namespace
}  // namespace hoptrace::sdk::exporters::console
