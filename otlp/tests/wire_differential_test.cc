// The wire scanner against the reference (libprotobuf's ParseFromArray + FromProto): randomized
// batches with every kind of value, and a corpus of malformed and odd-but-valid protobuf.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include <google/protobuf/stubs/logging.h>

#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"
#include "wire_test_support.h"

namespace hoptrace::otlp::wire {
namespace {

using ::testing::HasSubstr;
using namespace std::string_view_literals;
using Rng = std::mt19937_64;
using AnyValue = pb::common::v1::AnyValue;

// ---- raw protobuf, for bytes libprotobuf would never write -------------------------------------

class Proto {
 public:
  Proto& Tag(std::uint32_t field, std::uint32_t wire_type) { return RawVarint((field << 3) | wire_type); }
  Proto& RawVarint(std::uint64_t value) {
    while (value >= 0x80) {
      bytes_.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    bytes_.push_back(static_cast<char>(value));
    return *this;
  }
  Proto& Varint(std::uint32_t field, std::uint64_t value) { return Tag(field, 0).RawVarint(value); }
  Proto& Fixed64(std::uint32_t field, std::uint64_t value) { return Tag(field, 1).Raw(LittleEndian(value, 8)); }
  Proto& Fixed32(std::uint32_t field, std::uint32_t value) { return Tag(field, 5).Raw(LittleEndian(value, 4)); }
  Proto& Bytes(std::uint32_t field, std::string_view bytes) { return Tag(field, 2).RawVarint(bytes.size()).Raw(bytes); }
  Proto& Message(std::uint32_t field, const Proto& message) { return Bytes(field, message.str()); }
  Proto& Raw(std::string_view bytes) {
    bytes_.append(bytes);
    return *this;
  }
  const std::string& str() const { return bytes_; }

 private:
  static std::string LittleEndian(std::uint64_t value, int size) {
    std::string out;
    for (int i = 0; i < size; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    return out;
  }
  std::string bytes_;
};

// trace_id = 1 and span_id = 2 the model accepts, as exporters write them: first.
Proto LeadingIds() { return Proto().Bytes(1, std::string(16, '\x01')).Bytes(2, std::string(8, '\x02')); }

// A span the model accepts: its IDs, name = 5.
Proto ValidSpan() { return LeadingIds().Bytes(5, "ok"); }

// ExportTraceServiceRequest { resource_spans { scope_spans { spans } } }.
std::string RequestWithSpan(const Proto& span) {
  return Proto().Message(1, Proto().Message(2, Proto().Message(2, span))).str();
}

std::string RequestWithResourceSpans(const Proto& resource_spans) { return Proto().Message(1, resource_spans).str(); }

// A span with one attribute whose KeyValue bytes are `key_value`.
std::string RequestWithKeyValue(const Proto& key_value) { return RequestWithSpan(ValidSpan().Message(9, key_value)); }

// ---- the scan as a model batch ----------------------------------------------------------------

// Rebuilds the batch a scan describes with Decode*, checking each SpanRef against its decoded span.
model::TraceBatch Rebuild(const ScannedRequest& scan) {
  model::TraceBatch batch;
  for (const ResourceRef& resource : scan.resources) {
    model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
    EXPECT_TRUE(DecodeResource(resource.encoded, &resource_spans.resource));
    resource_spans.schema_url = resource.schema_url;
    const model::AttributeValue* service = model::FindAttribute(resource_spans.resource.attributes, model::kServiceNameKey);
    const auto* service_name = service ? std::get_if<std::string>(service) : nullptr;
    // A bytes or kvlist service.name is text in the model but not a string in the scan.
    if (service_name && resource.service_name.empty()) {
      ValueView view;
      EXPECT_TRUE(FindAttribute(resource.encoded, AttributeOwner::kResource, model::kServiceNameKey, &view));
      EXPECT_TRUE(view.opaque || service_name->empty());
    } else {
      EXPECT_EQ(resource.service_name, service_name ? *service_name : "");
    }
  }
  std::vector<std::size_t> scope_positions;  // each scope's index in its resource's scope_spans
  for (const ScopeRef& scope : scan.scopes) {
    auto& scope_spans_list = batch.resource_spans[scope.resource].scope_spans;
    scope_positions.push_back(scope_spans_list.size());
    model::ScopeSpans& scope_spans = scope_spans_list.emplace_back();
    EXPECT_TRUE(DecodeScope(scope.encoded, &scope_spans.scope));
    scope_spans.schema_url = scope.schema_url;
  }
  for (const SpanRef& ref : scan.spans) {
    const ScopeRef& scope = scan.scopes[ref.scope];
    model::Span& span =
        batch.resource_spans[scope.resource].scope_spans[scope_positions[ref.scope]].spans.emplace_back();
    EXPECT_TRUE(DecodeSpan(ref.encoded, &span));
    testing::ExpectSpanRefMatches(ref, span);
    testing::ExpectSpanDetailsMatch(ref.encoded, span);
  }
  return batch;
}

template <typename T>
model::AttributeValue ArrayFromView(const ValueView& array, T ValueView::*member) {
  std::vector<T> items;
  EXPECT_TRUE(ForEachArrayItem(array, [&](std::string_view, const ValueView& item) {
    items.push_back(T(item.*member));
    return true;
  }));
  return items;
}

// The model value of a typed (not opaque) view.
model::AttributeValue ModelValueOf(const ValueView& view) {
  switch (view.type) {
    case model::AttributeType::kString: return std::string(view.string);
    case model::AttributeType::kBool: return view.boolean;
    case model::AttributeType::kInt: return view.integer;
    case model::AttributeType::kDouble: return view.real;
    case model::AttributeType::kStringArray: {
      std::vector<std::string> items;
      EXPECT_TRUE(ForEachArrayItem(view, [&](std::string_view, const ValueView& item) {
        items.emplace_back(item.string);
        return true;
      }));
      return items;
    }
    case model::AttributeType::kBoolArray: return ArrayFromView(view, &ValueView::boolean);
    case model::AttributeType::kIntArray: return ArrayFromView(view, &ValueView::integer);
    case model::AttributeType::kDoubleArray: return ArrayFromView(view, &ValueView::real);
  }
  return {};
}

// Byte-level equality of values: NaN makes model equality useless, its bytes do not.
std::string Encoded(const model::AttributeValue& value) {
  ::google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue> key_values;
  model::Attributes attributes;
  attributes.push_back({"", value});
  ToProto(attributes, &key_values);
  return key_values.Get(0).SerializeAsString();
}

// Every attribute of every span read in place equals the reference's.
void ExpectAttributeViewsMatch(const ScannedRequest& scan, const model::TraceBatch& batch) {
  std::size_t index = 0;
  for (const auto& resource_spans : batch.resource_spans) {
    for (const auto& scope_spans : resource_spans.scope_spans) {
      for (const model::Span& span : scope_spans.spans) {
        std::size_t i = 0;
        EXPECT_TRUE(ForEachAttribute(scan.spans[index++].encoded, AttributeOwner::kSpan,
                                     [&](std::string_view key, const ValueView& value) {
                                       EXPECT_LT(i, span.attributes.size());
                                       if (i >= span.attributes.size()) return false;
                                       EXPECT_EQ(key, span.attributes[i].key);
                                       // Opaque values: DecodeSpan's comparison covers their text.
                                       if (!value.opaque) {
                                         EXPECT_EQ(Encoded(ModelValueOf(value)), Encoded(span.attributes[i].value));
                                       }
                                       ++i;
                                       return true;
                                     }));
        EXPECT_EQ(i, span.attributes.size());
      }
    }
  }
}

std::string WriteSpans(const ScannedRequest& scan, const std::vector<std::size_t>& indexes) {
  RequestWriter writer;
  for (std::size_t i : indexes) writer.Add(scan, i);
  EXPECT_EQ(writer.span_count(), indexes.size());
  std::string out;
  writer.Finish(&out);
  return out;
}

std::vector<std::size_t> AllIndexes(std::size_t count) {
  std::vector<std::size_t> indexes(count);
  for (std::size_t i = 0; i < count; ++i) indexes[i] = i;
  return indexes;
}

// Byte-level equality: NaN attributes make model equality useless, their bytes do not.
std::string Canonical(const model::TraceBatch& batch) { return SerializeExportRequest(batch); }

// libprotobuf's verdict alone, without FromProto (whose text for nested arrays doubles with each level).
bool ProtobufAccepts(std::string_view bytes) {
  ExportRequest request;
  return request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

bool ScanAccepts(std::string_view bytes) {
  ScannedRequest scan;
  DecodeReport report;
  std::string error;
  return Scan(bytes, {}, &scan, &report, &error);
}

bool ReferenceAccepts(std::string_view bytes) {
  model::TraceBatch batch;
  DecodeReport report;
  std::string error;
  return ParseExportRequest(bytes, &batch, &report, &error);
}

// Scan accepts what the reference accepts (but for merged repeats, which it names) and refuses what
// it refuses; when both accept, they agree on every span, resource, scope and report, and writing
// all spans back gives a request the reference parses to the same spans.
void ExpectConsistent(std::string_view bytes) {
  model::TraceBatch reference;
  DecodeReport reference_report;
  std::string reference_error;
  const bool reference_ok = ParseExportRequest(bytes, &reference, &reference_report, &reference_error);
  ScannedRequest scan;
  DecodeReport report;
  std::string error;
  const bool ok = Scan(bytes, {}, &scan, &report, &error);
  if (!reference_ok) {
    EXPECT_FALSE(ok) << "libprotobuf refuses these bytes";
    if (!ok) {
      EXPECT_THAT(error, HasSubstr("not a valid ExportTraceServiceRequest"));
    }
    return;
  }
  if (!ok) {
    EXPECT_THAT(error, HasSubstr("sent twice")) << "libprotobuf accepts these bytes";
    return;
  }
  EXPECT_EQ(report.accepted_spans, reference_report.accepted_spans);
  EXPECT_EQ(report.rejected_spans, reference_report.rejected_spans);
  EXPECT_EQ(report.first_error, reference_report.first_error);
  const model::TraceBatch rebuilt = Rebuild(scan);
  EXPECT_EQ(Canonical(rebuilt), Canonical(reference));
  ExpectAttributeViewsMatch(scan, reference);

  const std::string written = WriteSpans(scan, AllIndexes(scan.spans.size()));
  model::TraceBatch rewritten;
  ASSERT_TRUE(ParseExportRequest(written, &rewritten, &reference_report, &reference_error)) << reference_error;
  EXPECT_EQ(rewritten.SpanCount(), scan.spans.size());
  ScannedRequest rescan;
  ASSERT_TRUE(Scan(written, {}, &rescan, &report, &error)) << error;
  ASSERT_EQ(rescan.spans.size(), scan.spans.size());
  for (std::size_t i = 0; i < scan.spans.size(); ++i) EXPECT_EQ(rescan.spans[i].encoded, scan.spans[i].encoded);
}

// ---- randomized batches ---------------------------------------------------------------------------

std::string RandomString(Rng& rng, std::size_t max_length = 12) {
  static constexpr std::string_view kPieces[] = {"a", "Z", "0", " ", "-", ".", "é", "✓", "😀", "\"", "\n", "\\", "\x01"};
  std::string out;
  const std::size_t length = rng() % (max_length + 1);
  for (std::size_t i = 0; i < length; ++i) out.append(kPieces[rng() % std::size(kPieces)]);
  return out;
}

double RandomDouble(Rng& rng) {
  switch (rng() % 6) {
    case 0: return std::numeric_limits<double>::infinity();
    case 1: return -0.0;
    case 2: return std::numeric_limits<double>::denorm_min();
    default: return std::uniform_real_distribution<double>(-1e12, 1e12)(rng);
  }
}

std::int64_t RandomInt(Rng& rng) {
  switch (rng() % 4) {
    case 0: return std::numeric_limits<std::int64_t>::min();
    case 1: return static_cast<std::int64_t>(rng() % 300) - 150;
    default: return static_cast<std::int64_t>(rng());
  }
}

template <typename T, typename Make>
std::vector<T> RandomVector(Rng& rng, Make make) {
  std::vector<T> items(rng() % 4);  // sometimes empty
  for (auto&& item : items) item = make();
  return items;
}

model::AttributeValue RandomValue(Rng& rng) {
  switch (rng() % 8) {
    case 0: return RandomString(rng);
    case 1: return rng() % 2 == 0;
    case 2: return RandomInt(rng);
    case 3: return RandomDouble(rng);
    case 4: return RandomVector<std::string>(rng, [&] { return RandomString(rng); });
    case 5: {
      std::vector<bool> items(rng() % 4);
      for (std::size_t i = 0; i < items.size(); ++i) items[i] = rng() % 2 == 0;
      return items;
    }
    case 6: return RandomVector<std::int64_t>(rng, [&] { return RandomInt(rng); });
    default: return RandomVector<double>(rng, [&] { return RandomDouble(rng); });
  }
}

void AddRandomAttributes(Rng& rng, std::size_t max_count, model::Attributes* out) {
  const std::size_t count = rng() % (max_count + 1);
  for (std::size_t i = 0; i < count; ++i) out->push_back({"k" + RandomString(rng, 3), RandomValue(rng)});
}

template <std::size_t N>
model::ByteId<N> RandomId(Rng& rng) {
  model::ByteId<N> id;
  for (auto& byte : id.mutable_bytes()) byte = static_cast<std::uint8_t>(rng());
  id.mutable_bytes()[0] |= 1;  // never all zero
  return id;
}

model::Span RandomSpan(Rng& rng) {
  model::Span span;
  span.trace_id = RandomId<16>(rng);
  span.span_id = RandomId<8>(rng);
  if (rng() % 3 != 0) span.parent_span_id = RandomId<8>(rng);
  if (rng() % 3 == 0) span.trace_state = "v=" + RandomString(rng);
  span.flags = static_cast<std::uint32_t>(rng() % 4 == 0 ? rng() : rng() % 0x400);
  span.name = RandomString(rng, 20);
  span.kind = static_cast<model::SpanKind>(rng() % 6);
  span.start_time_unix_nano = rng();
  span.end_time_unix_nano = rng();
  AddRandomAttributes(rng, 10, &span.attributes);
  span.dropped_attributes_count = static_cast<std::uint32_t>(rng() % 3 == 0 ? rng() : 0);
  for (std::size_t i = rng() % 4; i > 0; --i) {
    model::Event event;
    event.time_unix_nano = rng();
    event.name = RandomString(rng);
    AddRandomAttributes(rng, 3, &event.attributes);
    event.dropped_attributes_count = static_cast<std::uint32_t>(rng() % 3);
    span.events.push_back(std::move(event));
  }
  span.dropped_events_count = static_cast<std::uint32_t>(rng() % 3);
  for (std::size_t i = rng() % 3; i > 0; --i) {
    model::Link link;
    if (rng() % 4 != 0) link.trace_id = RandomId<16>(rng);
    if (rng() % 4 != 0) link.span_id = RandomId<8>(rng);
    link.trace_state = RandomString(rng, 4);
    AddRandomAttributes(rng, 3, &link.attributes);
    link.dropped_attributes_count = static_cast<std::uint32_t>(rng() % 2);
    link.flags = static_cast<std::uint32_t>(rng() % 0x400);
    span.links.push_back(std::move(link));
  }
  span.dropped_links_count = static_cast<std::uint32_t>(rng() % 2);
  span.status.code = static_cast<model::StatusCode>(rng() % 3);
  if (span.status.code == model::StatusCode::kError) span.status.message = RandomString(rng);
  return span;
}

// Resources and scopes are all different (the writer groups equal ones) and none is empty.
model::TraceBatch RandomBatch(Rng& rng) {
  model::TraceBatch batch;
  const std::size_t resources = 1 + rng() % 3;
  for (std::size_t r = 0; r < resources; ++r) {
    model::ResourceSpans& resource_spans = batch.resource_spans.emplace_back();
    if (rng() % 4 != 0) {
      resource_spans.resource.attributes.push_back({std::string(model::kServiceNameKey), "svc-" + RandomString(rng, 4)});
    }
    resource_spans.resource.attributes.push_back({"resource.index", static_cast<std::int64_t>(r)});
    AddRandomAttributes(rng, 4, &resource_spans.resource.attributes);
    resource_spans.resource.dropped_attributes_count = static_cast<std::uint32_t>(rng() % 2);
    if (rng() % 2 == 0) resource_spans.schema_url = "https://opentelemetry.io/schemas/1." + std::to_string(rng() % 30);
    const std::size_t scopes = 1 + rng() % 3;
    for (std::size_t s = 0; s < scopes; ++s) {
      model::ScopeSpans& scope_spans = resource_spans.scope_spans.emplace_back();
      scope_spans.scope.name = "scope-" + std::to_string(s);
      if (rng() % 2 == 0) scope_spans.scope.version = RandomString(rng, 5);
      AddRandomAttributes(rng, 2, &scope_spans.scope.attributes);
      if (rng() % 2 == 0) scope_spans.schema_url = "https://example.com/" + std::to_string(rng() % 9);
      for (std::size_t i = 1 + rng() % 5; i > 0; --i) scope_spans.spans.push_back(RandomSpan(rng));
    }
  }
  return batch;
}

// AnyValues the model has no type for: bytes, kvlists, mixed and nested arrays, empty values.
void SetOddValue(Rng& rng, int depth, AnyValue* out) {
  const auto scalar = [&](AnyValue* value) {
    switch (rng() % 3) {
      case 0: value->set_int_value(RandomInt(rng)); break;
      case 1: value->set_string_value(RandomString(rng)); break;
      default: value->set_bool_value(true); break;
    }
  };
  switch (rng() % (depth > 0 ? 8 : 3)) {
    case 0: out->set_bytes_value(std::string("\x00\xff\x10", 3) + RandomString(rng)); break;
    case 1: out->Clear(); break;  // an empty AnyValue
    case 2: out->mutable_array_value(); break;  // an empty array
    case 3: {  // mixed array
      scalar(out->mutable_array_value()->add_values());
      out->mutable_array_value()->add_values()->set_double_value(0.5);
      break;
    }
    case 4: {  // an array holding an odd value
      out->mutable_array_value()->add_values()->set_string_value("first");
      SetOddValue(rng, depth - 1, out->mutable_array_value()->add_values());
      break;
    }
    case 5: out->mutable_array_value()->add_values(); break;  // an array of one empty value
    default: {
      auto* kvlist = out->mutable_kvlist_value();
      for (std::size_t i = rng() % 3; i > 0; --i) {
        auto* entry = kvlist->add_values();
        entry->set_key(RandomString(rng, 4));
        if (rng() % 2 == 0) {
          scalar(entry->mutable_value());
        } else {
          SetOddValue(rng, depth - 1, entry->mutable_value());
        }
      }
      break;
    }
  }
}

void MaybeAddOddAttribute(Rng& rng, ::google::protobuf::RepeatedPtrField<pb::common::v1::KeyValue>* attributes) {
  if (rng() % 3 != 0) return;
  auto* key_value = attributes->Add();
  key_value->set_key("odd");
  SetOddValue(rng, 3, key_value->mutable_value());
}

std::string SerializeWithOddValues(Rng& rng, const model::TraceBatch& batch) {
  ExportRequest request;
  ToProto(batch, &request);
  for (auto& resource_spans : *request.mutable_resource_spans()) {
    MaybeAddOddAttribute(rng, resource_spans.mutable_resource()->mutable_attributes());
    for (auto& scope_spans : *resource_spans.mutable_scope_spans()) {
      for (auto& span : *scope_spans.mutable_spans()) {
        MaybeAddOddAttribute(rng, span.mutable_attributes());
        for (auto& event : *span.mutable_events()) MaybeAddOddAttribute(rng, event.mutable_attributes());
        for (auto& link : *span.mutable_links()) MaybeAddOddAttribute(rng, link.mutable_attributes());
      }
    }
  }
  return request.SerializeAsString();
}

// The reference batch with only the spans at `keep` (indexes over all spans), empty groups dropped.
model::TraceBatch Subset(const model::TraceBatch& batch, const std::set<std::size_t>& keep) {
  model::TraceBatch out;
  std::size_t index = 0;
  for (const auto& resource_spans : batch.resource_spans) {
    model::ResourceSpans kept_resource = resource_spans;
    kept_resource.scope_spans.clear();
    for (const auto& scope_spans : resource_spans.scope_spans) {
      model::ScopeSpans kept_scope = scope_spans;
      kept_scope.spans.clear();
      for (const model::Span& span : scope_spans.spans) {
        if (keep.count(index++)) kept_scope.spans.push_back(span);
      }
      if (!kept_scope.spans.empty()) kept_resource.scope_spans.push_back(std::move(kept_scope));
    }
    if (!kept_resource.scope_spans.empty()) out.resource_spans.push_back(std::move(kept_resource));
  }
  return out;
}

TEST(WireDifferentialTest, RandomBatchesScanDecodeAndRewriteLikeTheReference) {
  Rng rng(20261125);
  for (int round = 0; round < 300; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string bytes = SerializeWithOddValues(rng, RandomBatch(rng));
    ExpectConsistent(bytes);

    model::TraceBatch reference;
    DecodeReport report;
    std::string error;
    ASSERT_TRUE(ParseExportRequest(bytes, &reference, &report, &error)) << error;
    ScannedRequest scan;
    ASSERT_TRUE(Scan(bytes, {}, &scan, &report, &error)) << error;
    model::TraceBatch rewritten;
    ASSERT_TRUE(ParseExportRequest(WriteSpans(scan, AllIndexes(scan.spans.size())), &rewritten, &report, &error));
    EXPECT_EQ(Canonical(rewritten), Canonical(reference));
    model::TraceBatch decoded;
    ASSERT_TRUE(DecodeSpans(scan, &decoded));
    const std::vector<std::size_t> all = AllIndexes(scan.spans.size());
    EXPECT_EQ(Canonical(decoded), Canonical(Subset(reference, {all.begin(), all.end()})));

    std::set<std::size_t> keep;
    for (std::size_t i = 0; i < scan.spans.size(); ++i) {
      if (rng() % 3 == 0) keep.insert(i);
    }
    model::TraceBatch subset;
    ASSERT_TRUE(ParseExportRequest(WriteSpans(scan, {keep.begin(), keep.end()}), &subset, &report, &error));
    EXPECT_EQ(Canonical(subset), Canonical(Subset(reference, keep)));
  }
}

TEST(WireDifferentialTest, SkipsSpansWithInvalidIdsWithTheReferencesMessages) {
  const auto link_with = [](std::string trace_id, std::string span_id) {
    return Proto().Bytes(1, trace_id).Bytes(2, span_id);
  };
  const struct {
    Proto span;
    const char* first_error;
  } cases[] = {
      {Proto().Bytes(1, std::string(15, '\x01')).Bytes(2, std::string(8, '\x02')), "trace_id must be 16 bytes, got 15"},
      {Proto().Bytes(2, std::string(8, '\x02')), "trace_id must be 16 bytes, got 0"},
      {Proto().Bytes(1, std::string(16, '\0')).Bytes(2, std::string(8, '\x02')), "trace_id is all zero"},
      {Proto().Bytes(1, std::string(16, '\x01')).Bytes(2, std::string(9, '\x02')), "span_id must be 8 bytes, got 9"},
      {Proto().Bytes(1, std::string(16, '\x01')).Bytes(2, std::string(8, '\0')), "span_id is all zero"},
      {ValidSpan().Bytes(4, "abc"), "parent_span_id must be 8 bytes, got 3"},
      {ValidSpan().Bytes(4, std::string(8, '\0')), ""},  // an all-zero parent: a root span, as FromProto has it
      {ValidSpan().Message(13, link_with(std::string(5, '\x04'), "")), "link trace_id must be 16 bytes, got 5"},
      {ValidSpan().Message(13, link_with("", "")).Message(13, link_with(std::string(16, '\x04'), "12")),
       "link span_id must be 8 bytes, got 2"},
      // The IDs that lead a span (trace, span, parent) are read without a Reader step: a later one
      // still wins, and other orders and sizes take the Reader.
      {LeadingIds().Bytes(4, std::string(8, '\x03')).Bytes(4, "abc"), "parent_span_id must be 8 bytes, got 3"},
      {LeadingIds().Bytes(4, std::string(7, '\x03')), "parent_span_id must be 8 bytes, got 7"},
      {LeadingIds().Bytes(4, std::string(8, '\0')), ""},  // an all-zero parent: a root span
      {LeadingIds().Bytes(3, "k=v").Bytes(4, "abcd"), "parent_span_id must be 8 bytes, got 4"},
      {LeadingIds().Bytes(3, "k=v").Bytes(4, std::string(8, '\x03')), ""},
      {ValidSpan().Bytes(2, "bad"), "span_id must be 8 bytes, got 3"},
      {Proto().Bytes(2, std::string(8, '\x02')).Bytes(1, std::string(16, '\x01')), ""},
      {Proto().Bytes(1, std::string(16, '\x01')).Bytes(2, std::string(7, '\x02')).Bytes(4, std::string(8, '\x03')),
       "span_id must be 8 bytes, got 7"},
      {LeadingIds(), ""},  // nothing after the IDs
      // The last value of a repeated scalar wins: a bad ID fixed by a second one is fine.
      {ValidSpan().Bytes(1, "short").Bytes(1, std::string(16, '\x03')), ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.first_error);
    const Proto scope_spans = Proto().Message(2, ValidSpan()).Message(2, c.span).Message(2, ValidSpan());
    const std::string bytes = RequestWithResourceSpans(Proto().Message(2, scope_spans));
    ExpectConsistent(bytes);
    ScannedRequest scan;
    DecodeReport report;
    std::string error;
    ASSERT_TRUE(Scan(bytes, {}, &scan, &report, &error));
    const bool rejected = *c.first_error != '\0';
    EXPECT_EQ(scan.spans.size(), rejected ? 2u : 3u);
    EXPECT_EQ(report.first_error, rejected ? std::string("span 1: ") + c.first_error : "");
  }
}

// ---- malformed and odd protobuf ------------------------------------------------------------------

struct OddCase {
  const char* name;
  std::string bytes;
  bool protobuf_accepts;
};

TEST(WireMalformedTest, OddProtobufIsReadAsLibprotobufReadsIt) {
  const ::google::protobuf::LogSilencer quiet;  // libprotobuf logs every invalid UTF-8 string
  const std::string span_bytes = ValidSpan().str();
  const OddCase cases[] = {
      {"tag 0", RequestWithSpan(ValidSpan().Raw(std::string(1, '\0'))), false},
      {"field number 0", RequestWithSpan(ValidSpan().Tag(0, 2).RawVarint(0)), false},
      {"wire type 6", RequestWithSpan(ValidSpan().Tag(20, 6)), false},
      {"wire type 7", RequestWithSpan(ValidSpan().Tag(20, 7)), false},
      {"stray end group", RequestWithSpan(ValidSpan().Tag(20, 4)), false},
      {"unknown group", RequestWithSpan(ValidSpan().Tag(20, 3).Varint(1, 5).Bytes(2, "x").Tag(20, 4)), true},
      {"nested unknown groups", RequestWithSpan(ValidSpan().Tag(20, 3).Tag(21, 3).Tag(21, 4).Tag(20, 4)), true},
      {"group ended by another number", RequestWithSpan(ValidSpan().Tag(20, 3).Tag(21, 4)), false},
      {"unterminated group", RequestWithSpan(ValidSpan().Tag(20, 3).Varint(1, 1)), false},
      {"group at the top level", Proto().Tag(7, 3).Tag(7, 4).str(), true},
      {"unknown fields of every wire type",
       RequestWithSpan(ValidSpan().Varint(100, 1).Fixed64(101, 2).Fixed32(102, 3).Bytes(103, "x")), true},
      {"known field with the wrong wire type", RequestWithSpan(ValidSpan().Varint(5, 7).Fixed32(7, 1).Bytes(16, "x")),
       true},
      {"resource_spans as a varint", Proto().Varint(1, 3).str(), true},
      {"11-byte varint", RequestWithSpan(ValidSpan().Tag(6, 0).Raw("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")),
       false},
      {"11-byte varint in an int value",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(
           2, Proto().Tag(3, 0).Raw("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))),
       false},
      {"10-byte varint in an int value",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(
           2, Proto().Tag(3, 0).Raw("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))),
       true},
      {"double value cut short", RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Tag(4, 1).Raw("1234567"))),
       false},
      {"string value with a trailing unknown field",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Bytes(1, "s").Varint(9, 1))), true},
      {"10-byte varint with high bits in the last byte",
       RequestWithSpan(ValidSpan().Tag(6, 0).Raw("\x82\x80\x80\x80\x80\x80\x80\x80\x80\x7f")), true},
      {"overlong varint for a small kind", RequestWithSpan(ValidSpan().Tag(6, 0).Raw("\x83\x80\x80\x80\x00"sv)), true},
      {"kind above 32 bits", RequestWithSpan(ValidSpan().Varint(6, (1ULL << 32) + 2)), true},
      {"negative kind", RequestWithSpan(ValidSpan().Varint(6, static_cast<std::uint64_t>(-1))), true},
      {"6-byte tag", RequestWithSpan(ValidSpan().Raw("\xa8\x80\x80\x80\x80\x00"sv)), false},
      {"5-byte tag", RequestWithSpan(ValidSpan().Raw("\xa8\x80\x80\x80\x00"sv).RawVarint(1)), true},
      {"overlong two-byte tag", RequestWithSpan(ValidSpan().Raw("\xa8\x00"sv).RawVarint(1)), true},
      {"overlong two-byte length", RequestWithSpan(ValidSpan().Tag(5, 2).Raw("\x80\x00"sv)), true},
      {"two-byte length past the end", RequestWithSpan(ValidSpan().Tag(5, 2).Raw("\x80\x01" "abc")), false},
      {"two-byte tag cut after its first byte", RequestWithSpan(ValidSpan()) + "\x85", false},
      {"two-byte length cut after its first byte", RequestWithSpan(ValidSpan()) + "\x2a\x85", false},
      {"length past the end", Proto().Tag(1, 2).RawVarint(10).Raw("abc").str(), false},
      {"length of 2^31", Proto().Tag(1, 2).Raw("\x80\x80\x80\x80\x08").str(), false},
      {"overlong length", Proto().Tag(1, 2).Raw("\x80\x80\x80\x80\x00"sv).str(), true},
      {"truncated fixed64", RequestWithSpan(ValidSpan().Tag(7, 1).Raw("1234")), false},
      {"truncated fixed32 at the end", RequestWithSpan(ValidSpan()) + "\x85\x01" "12", false},
      {"invalid UTF-8 in a name", RequestWithSpan(ValidSpan().Bytes(5, "\xc3\x28")), false},
      {"surrogate in a name", RequestWithSpan(ValidSpan().Bytes(5, "\xed\xa0\x80")), false},
      {"overlong UTF-8 in trace_state", RequestWithSpan(ValidSpan().Bytes(3, "\xc0\xaf")), false},
      {"invalid UTF-8 in an attribute key", RequestWithKeyValue(Proto().Bytes(1, "\xff")), false},
      {"invalid UTF-8 in a string value", RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Bytes(1, "\xfe"))),
       false},
      {"invalid UTF-8 in a kvlist key deep inside",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(
           2, Proto().Message(5, Proto().Message(1, Proto().Message(6, Proto().Message(1, Proto().Bytes(1, "\x80"))))))),
       false},
      {"invalid UTF-8 in a span's third attribute",
       RequestWithSpan(ValidSpan()
                           .Message(9, Proto().Bytes(1, "a").Message(2, Proto().Varint(3, 1)))
                           .Message(9, Proto().Bytes(1, "b").Message(2, Proto().Bytes(1, "ok")))
                           .Message(9, Proto().Bytes(1, "c").Message(2, Proto().Bytes(1, "\xfe")))),
       false},
      {"a span's attribute with a malformed value after a good one",
       RequestWithSpan(ValidSpan()
                           .Message(9, Proto().Bytes(1, "a").Message(2, Proto().Varint(3, 1)))
                           .Message(9, Proto().Bytes(1, "b").Message(2, Proto().Raw("\x0a\x05x")))),
       false},
      {"invalid UTF-8 in bytes values and IDs is fine",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Bytes(7, "\xff\xfe"))), true},
      {"invalid UTF-8 in an overridden string", RequestWithSpan(ValidSpan().Bytes(5, "\xff").Bytes(5, "ok")), false},
      {"invalid UTF-8 in a schema URL", RequestWithResourceSpans(Proto().Bytes(3, "\xff")), false},
      {"invalid UTF-8 in a scope version",
       RequestWithResourceSpans(Proto().Message(2, Proto().Message(1, Proto().Bytes(2, "\xff")))), false},
      {"invalid UTF-8 in an event name", RequestWithSpan(ValidSpan().Message(11, Proto().Bytes(2, "\xff"))), false},
      {"invalid UTF-8 in a status message", RequestWithSpan(ValidSpan().Message(15, Proto().Bytes(2, "\xff"))), false},
      {"name twice: the last wins", RequestWithSpan(ValidSpan().Bytes(5, "second")), true},
      {"status twice merges", RequestWithSpan(ValidSpan().Message(15, Proto().Varint(3, 2).Bytes(2, "m"))
                                                  .Message(15, Proto().Bytes(2, "n"))),
       true},
      {"span details twice: the last wins",
       RequestWithSpan(ValidSpan().Bytes(3, "a").Varint(10, 1).Varint(12, 3).Varint(14, 5).Fixed32(16, 1)
                           .Bytes(3, "b").Varint(10, 2).Varint(12, 4).Varint(14, 6).Fixed32(16, 0x301)),
       true},
      {"span details with the wrong wire types",
       RequestWithSpan(ValidSpan().Varint(3, 1).Varint(9, 1).Fixed32(10, 1).Bytes(12, "x").Fixed64(14, 1)
                           .Varint(15, 2).Varint(16, 1).Fixed64(16, 1)),
       true},
      {"events and links with the wrong wire types", RequestWithSpan(ValidSpan().Varint(11, 1).Fixed32(13, 1)), true},
      {"IDs, kind and times with the wrong wire types, then right",
       RequestWithSpan(ValidSpan().Varint(1, 1).Fixed64(2, 1).Bytes(6, "x").Varint(7, 1).Fixed32(8, 1)
                           .Varint(6, 2).Fixed64(7, 10).Fixed64(8, 20)),
       true},
      {"unknown fields between attributes and details",
       RequestWithSpan(ValidSpan()
                           .Message(9, Proto().Bytes(1, "a").Message(2, Proto().Varint(3, 1)))
                           .Bytes(17, "x")
                           .Message(9, Proto().Bytes(1, "b").Message(2, Proto().Bytes(1, "s")))
                           .Varint(99, 1)
                           .Message(15, Proto().Bytes(2, "m"))
                           .Fixed32(18, 1)
                           .Bytes(3, "t")),
       true},
      {"a run of attributes broken by one with a two-byte length",
       RequestWithSpan(ValidSpan()
                           .Message(9, Proto().Bytes(1, "a").Message(2, Proto().Varint(3, 1)))
                           .Message(9, Proto().Bytes(1, "long").Message(2, Proto().Bytes(1, std::string(200, 'v'))))
                           .Message(9, Proto().Bytes(1, "c").Message(2, Proto().Bytes(1, "s")))),
       true},
      {"status code first, then its message alone",
       RequestWithSpan(ValidSpan().Message(15, Proto().Varint(3, 1)).Message(15, Proto().Bytes(2, "m"))), true},
      {"value twice: a scalar overrides",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Varint(3, 5)).Message(2, Proto().Bytes(1, "s"))), true},
      {"value twice: an empty one changes nothing",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Varint(3, 5)).Message(2, Proto())), true},
      {"oneof: the last member wins", RequestWithKeyValue(Proto().Bytes(1, "k").Message(
                                          2, Proto().Message(5, Proto()).Bytes(1, "s").Varint(2, 1))),
       true},
      {"array items with two members", RequestWithKeyValue(Proto().Bytes(1, "k").Message(
                                           2, Proto().Message(5, Proto().Message(1, Proto().Bytes(1, "x").Varint(3, 4))
                                                                     .Message(1, Proto().Varint(3, 5))))),
       true},
      {"resource twice (protobuf merges; the scan refuses)",
       RequestWithResourceSpans(Proto().Message(1, Proto().Message(1, Proto().Bytes(1, "a")))
                                    .Message(1, Proto().Message(1, Proto().Bytes(1, "b")))),
       true},
      {"resource twice, one empty",
       RequestWithResourceSpans(Proto().Message(1, Proto().Message(1, Proto().Bytes(1, "a"))).Message(1, Proto())),
       true},
      {"array value twice (protobuf merges; the scan refuses)",
       RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, Proto().Message(5, Proto().Message(1, Proto().Varint(3, 1))))
                               .Message(2, Proto().Message(5, Proto().Message(1, Proto().Varint(3, 2))))),
       true},
      {"resource after its spans", Proto().Message(1, Proto().Message(2, Proto().Message(2, ValidSpan()))
                                                      .Message(1, Proto().Message(1, Proto().Bytes(1, "a"))))
                                       .str(),
       true},
  };
  for (const OddCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ReferenceAccepts(c.bytes), c.protobuf_accepts);
    ExpectConsistent(c.bytes);
  }
}

// Nested arrays (and kvlists, and unknown groups) around the recursion limit: both refuse at the
// same depth. Past a few levels only the verdicts are compared: the reference's text for nested
// arrays doubles its escapes with every level.
TEST(WireMalformedTest, NestingDepthLimitIsProtobufs) {
  const auto nested = [](int depth, std::uint32_t member) {
    Proto value = Proto().Varint(3, 1);
    for (int i = 0; i < depth; ++i) {
      const Proto item = member == 5 ? Proto().Message(1, value) : Proto().Message(1, Proto().Bytes(1, "k").Message(2, value));
      value = Proto().Message(member, item);
    }
    return RequestWithKeyValue(Proto().Bytes(1, "k").Message(2, value));
  };
  const auto groups = [](int depth) {
    Proto span = ValidSpan();
    for (int i = 0; i < depth; ++i) span.Tag(20, 3);
    for (int i = 0; i < depth; ++i) span.Tag(20, 4);
    return RequestWithSpan(span);
  };
  for (std::uint32_t member : {5u, 6u}) {
    bool accepted_some = false;
    bool refused_some = false;
    for (int depth = 1; depth <= 70; ++depth) {
      SCOPED_TRACE("member " + std::to_string(member) + " depth " + std::to_string(depth));
      const std::string bytes = nested(depth, member);
      const bool accepted = ProtobufAccepts(bytes);
      (accepted ? accepted_some : refused_some) = true;
      EXPECT_EQ(ScanAccepts(bytes), accepted);
      if (depth <= 6) ExpectConsistent(bytes);
    }
    EXPECT_TRUE(accepted_some && refused_some);
  }
  for (int depth = 90; depth <= 100; ++depth) {
    SCOPED_TRACE("groups " + std::to_string(depth));
    ExpectConsistent(groups(depth));
  }
  EXPECT_TRUE(ReferenceAccepts(groups(90)));
  EXPECT_FALSE(ReferenceAccepts(groups(100)));
}

std::string SmallRandomRequest(Rng& rng) {
  model::TraceBatch batch = RandomBatch(rng);
  batch.resource_spans.resize(1);
  batch.resource_spans[0].scope_spans.resize(1);
  batch.resource_spans[0].scope_spans[0].spans.resize(2);
  return SerializeWithOddValues(rng, batch);
}

TEST(WireMalformedTest, EveryTruncationIsRefusedOrReadLikeTheReference) {
  const ::google::protobuf::LogSilencer quiet;
  Rng rng(7);
  const std::string bytes = SmallRandomRequest(rng);
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    SCOPED_TRACE("truncated to " + std::to_string(size));
    ExpectConsistent(std::string_view(bytes).substr(0, size));
  }
}

TEST(WireMalformedTest, RandomlyCorruptedRequestsAreRefusedOrReadLikeTheReference) {
  const ::google::protobuf::LogSilencer quiet;
  Rng rng(11);
  std::size_t accepted = 0;
  constexpr int kRounds = 1500;
  for (int round = 0; round < kRounds; ++round) {
    std::string bytes = SmallRandomRequest(rng);
    for (std::size_t edits = 1 + rng() % 3; edits > 0 && !bytes.empty(); --edits) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 4) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1: bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8))); break;
        case 2: bytes.insert(at, 1, static_cast<char>(rng())); break;
        default: bytes.erase(at, 1 + rng() % 4); break;
      }
    }
    SCOPED_TRACE("round " + std::to_string(round));
    ExpectConsistent(bytes);
    if (::testing::Test::HasFailure()) break;  // one clear failure, not a thousand
    accepted += ProtobufAccepts(bytes);
  }
  // The corpus holds both kinds: corruptions protobuf still accepts and ones it refuses.
  EXPECT_GT(accepted, kRounds / 10u);
  EXPECT_LT(accepted, kRounds * 9u / 10u);
}

// ---- limits ------------------------------------------------------------------------------------

TEST(WireLimitsTest, CountsSpansOverTheAttributeLimits) {
  const auto string_attribute = [](std::string key, std::size_t length) {
    return Proto().Bytes(1, key).Message(2, Proto().Bytes(1, std::string(length, 'x')));
  };
  const auto int_attribute = [](std::string key) { return Proto().Bytes(1, key).Message(2, Proto().Varint(3, 1)); };
  const auto with_attributes = [&](Proto message, std::uint32_t field, int count) {
    for (int i = 0; i < count; ++i) message.Message(field, int_attribute("a" + std::to_string(i)));
    return message;
  };
  const Proto long_array_item = Proto().Bytes(1, "arr").Message(
      2, Proto().Message(5, Proto().Message(1, Proto().Bytes(1, "short")).Message(1, Proto().Bytes(1, std::string(9, 'y')))));
  const Proto spans[] = {
      with_attributes(ValidSpan(), 9, 3),                                   // at the limit: fine
      with_attributes(ValidSpan(), 9, 4),                                   // one too many
      ValidSpan().Message(9, string_attribute("s", 8)),                     // at the length limit
      ValidSpan().Message(9, string_attribute("s", 9)),                     // too long
      ValidSpan().Message(9, long_array_item),                              // an array item too long
      ValidSpan().Message(11, with_attributes(Proto().Bytes(2, "e"), 3, 4)),  // an event over
      ValidSpan().Message(13, with_attributes(Proto(), 4, 4)),              // a link over
      ValidSpan().Message(11, Proto().Message(3, string_attribute("s", 9))).Message(9, string_attribute("t", 9)),
      // Attributes with two-byte lengths and ones after other fields count like the rest.
      with_attributes(ValidSpan().Message(9, int_attribute(std::string(200, 'k'))), 9, 2),  // at the limit
      with_attributes(with_attributes(ValidSpan(), 9, 2).Bytes(5, "n").Message(9, int_attribute(std::string(200, 'k'))),
                      9, 1),  // one too many
  };
  Proto scope_spans = Proto().Message(1, with_attributes(Proto(), 3, 9));  // scope attributes are not limited
  for (const Proto& span : spans) scope_spans.Message(2, span);
  const std::string bytes = RequestWithResourceSpans(Proto().Message(2, scope_spans));
  ScannedRequest scan;
  DecodeReport report;
  std::string error;
  const ScanLimits limits{.max_attributes = 3, .max_attribute_value_length = 8};
  ASSERT_TRUE(Scan(bytes, limits, &scan, &report, &error)) << error;
  EXPECT_EQ(scan.spans.size(), std::size(spans));
  EXPECT_EQ(scan.spans_over_limits, 7u);
  ASSERT_TRUE(Scan(bytes, {}, &scan, &report, &error));
  EXPECT_EQ(scan.spans_over_limits, 0u);

  // A resource over the limits puts every span under it over, even when it comes after them.
  const Proto over_resource = with_attributes(Proto(), 1, 4);
  const std::string resource_last = Proto()
                                        .Message(1, Proto().Message(2, scope_spans).Message(1, over_resource))
                                        .Message(1, Proto().Message(2, Proto().Message(2, ValidSpan())))
                                        .str();
  ASSERT_TRUE(Scan(resource_last, limits, &scan, &report, &error)) << error;
  EXPECT_EQ(scan.spans.size(), std::size(spans) + 1);
  EXPECT_EQ(scan.spans_over_limits, std::size(spans));
}

TEST(WireLimitsTest, OpaqueValuesCountWhenTheirTextCouldBeTooLong) {
  const auto bytes_attribute = [](std::size_t length) {
    return RequestWithKeyValue(Proto().Bytes(1, "b").Message(2, Proto().Bytes(7, std::string(length, '\x01'))));
  };
  ScannedRequest scan;
  DecodeReport report;
  std::string error;
  ASSERT_TRUE(Scan(bytes_attribute(1), {.max_attribute_value_length = 100}, &scan, &report, &error));
  EXPECT_EQ(scan.spans_over_limits, 0u);
  ASSERT_TRUE(Scan(bytes_attribute(100), {.max_attribute_value_length = 100}, &scan, &report, &error));
  EXPECT_EQ(scan.spans_over_limits, 1u);
}

}  // namespace
}  // namespace hoptrace::otlp::wire
