// Blocks built from encoded spans (BlockBuilder::Add(EncodedSpan), what a cut of the head does):
// the same spans come back as from a block built of model spans, and bad bytes fail the block.

#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include <xxhash.h>

#include <cstring>

#include "block/block.h"
#include "block/block_format.h"
#include "block_test_util.h"
#include "hoptrace/otlp/proto_convert.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::store::block {
namespace {

using testing::Flatten;
using testing::GenerateSpans;
using testing::ReadAll;
using testing::ReadFile;
using testing::TempDir;

// The spans of `data` as one OTLP request, scanned in place; the request must outlive the scan.
struct EncodedRequest {
  explicit EncodedRequest(const testing::GeneratedSpans& data) : bytes(otlp::SerializeExportRequest(data.ToBatch())) {
    otlp::DecodeReport report;
    std::string error;
    EXPECT_TRUE(otlp::wire::Scan(bytes, {}, &scan, &report, &error)) << error;
  }
  std::string bytes;
  otlp::wire::ScannedRequest scan;
};

EncodedSpan EncodedSpanOf(const otlp::wire::SpanRef& span) {
  return {.trace_id = span.trace_id,
          .span_id = span.span_id,
          .parent_span_id = span.parent_span_id,
          .start_unix_nanos = span.start_unix_nanos,
          .end_unix_nanos = span.end_unix_nanos,
          .kind = span.kind,
          .status_code = span.status_code,
          .name = span.name,
          .encoded = span.encoded};
}

// Adds every span of the scan; `encoded_of` may change a span's bytes.
template <typename EncodedOf>
void AddScanned(const otlp::wire::ScannedRequest& scan, BlockBuilder& builder, EncodedOf encoded_of) {
  for (const otlp::wire::SpanRef& span : scan.spans) {
    const otlp::wire::ScopeRef& scope_ref = scan.scopes[span.scope];
    const otlp::wire::ResourceRef& resource_ref = scan.resources[scope_ref.resource];
    ResourceEntry resource{.resource = {}, .schema_url = std::string(resource_ref.schema_url)};
    ScopeEntry scope{.scope = {}, .schema_url = std::string(scope_ref.schema_url)};
    ASSERT_TRUE(otlp::wire::DecodeResource(resource_ref.encoded, &resource.resource));
    ASSERT_TRUE(otlp::wire::DecodeScope(scope_ref.encoded, &scope.scope));
    EncodedSpan encoded = EncodedSpanOf(span);
    encoded.encoded = encoded_of(span);
    builder.Add(encoded, builder.InternResource(resource), builder.InternScope(scope));
  }
}

// The request's spans as a block at `path`, written by `builder`.
void WriteBlock(const EncodedRequest& request, BlockBuilder& builder, const std::filesystem::path& path) {
  AddScanned(request.scan, builder, [](const otlp::wire::SpanRef& span) { return span.encoded; });
  const Status built = builder.Finish(path, nullptr);
  EXPECT_TRUE(built.ok()) << built.message();
}

std::vector<testing::FlatSpan> ReadBlock(const std::filesystem::path& path) {
  std::unique_ptr<BlockReader> reader;
  const Status opened = BlockReader::Open(path, {}, &reader);
  EXPECT_TRUE(opened.ok()) << opened.message();
  return reader ? ReadAll(*reader) : std::vector<testing::FlatSpan>{};
}

std::vector<testing::FlatSpan> RoundTrip(const testing::GeneratedSpans& data, const std::filesystem::path& path) {
  const EncodedRequest request(data);
  BlockBuilder builder(kFreshBlockZstdLevel);
  WriteBlock(request, builder, path);
  return ReadBlock(path);
}

TEST(EncodedBlock, EverySpanComesBackAsAdded) {
  TempDir dir;
  const auto data = GenerateSpans(5'000, {.seed = 11});
  EXPECT_EQ(RoundTrip(data, dir.path() / "a.block"), Flatten(data));
}

TEST(EncodedBlock, EventsLinksArraysAndStatusMessagesComeBack) {
  TempDir dir;
  auto data = GenerateSpans(200, {.seed = 3});
  for (testing::GeneratedSpan& generated : data.spans) {
    model::Span& span = generated.span;
    span.status = {model::StatusCode::kError, "status of " + span.name};
    span.attributes.push_back({"strings", std::vector<std::string>{"a", span.name}});
    model::Event& event = span.events.emplace_slot();
    event.time_unix_nano = span.start_time_unix_nano + 1;
    event.name = "exception";
    event.attributes.push_back({"exception.message", span.name});
    model::Link& link = span.links.emplace_slot();
    link.trace_id = model::TraceId::FromHighLow(5, 6);
    link.span_id = model::SpanId::FromHighLow(0, 7);
    link.attributes.push_back({"link.kind", std::string("follows")});
  }
  EXPECT_EQ(RoundTrip(data, dir.path() / "a.block"), Flatten(data));
}

// Every kind of value an OTLP client may send: the block holds what the reference conversion
// (FromProto) makes of each, the ones the encoder reads in place and the ones it converts.
void AddEveryKindOfValue(otlp::pb::trace::v1::Span& span, std::uint32_t n) {
  auto add = [&](const std::string& key) {
    auto* attribute = span.add_attributes();
    attribute->set_key(key);
    return attribute->mutable_value();
  };
  add("empty.string")->set_string_value("");
  add("")->set_string_value("a value under an empty key");
  add("long.repeated")->set_string_value(std::string(70'000, 'x'));   // in the dictionary
  add("long.unique")->set_string_value(std::string(3'000 + n, 'y'));  // inline
  add("unicode")->set_string_value("caf\xc3\xa9 \xe2\x86\x92 " + std::to_string(n % 7));
  add("bool")->set_bool_value(n % 2 == 0);
  add("int.negative")->set_int_value(-static_cast<std::int64_t>(n) - 1);
  add("int.max")->set_int_value(INT64_MAX);
  add("double")->set_double_value(-0.5 * static_cast<double>(n));
  add("bytes")->set_bytes_value(std::string("\x00\xff", 2) + std::to_string(n));
  add("empty.value");  // an AnyValue with no value set
  auto* strings = add("strings")->mutable_array_value();
  for (const char* item : {"", "a", "a"}) strings->add_values()->set_string_value(item);
  auto* bools = add("bools")->mutable_array_value();
  for (const bool item : {true, false}) bools->add_values()->set_bool_value(item);
  auto* ints = add("ints")->mutable_array_value();
  for (const std::int64_t item : {std::int64_t{0}, INT64_MIN, static_cast<std::int64_t>(n)}) {
    ints->add_values()->set_int_value(item);
  }
  auto* doubles = add("doubles")->mutable_array_value();
  for (const double item : {1.5, -0.0}) doubles->add_values()->set_double_value(item);
  add("empty.array")->mutable_array_value();
  auto* mixed = add("mixed")->mutable_array_value();
  mixed->add_values()->set_int_value(1);
  mixed->add_values()->set_string_value("two");
  auto* entry = add("kvlist")->mutable_kvlist_value()->add_values();
  entry->set_key("nested");
  entry->mutable_value()->set_string_value("value " + std::to_string(n % 3));
}

// What a client may send beyond what the generator writes: unknown fields of every wire type (a
// group too), known fields with an unexpected wire type, and trace state, flags, dropped counts and
// status sent twice (the last wins; statuses merge). The cut reads each span's bytes once for all
// of that: the block holds what the reference (libprotobuf and FromProto) reads.
void AddOddFields(otlp::pb::trace::v1::Span& span, std::uint32_t n) {
  ::google::protobuf::UnknownFieldSet& unknown = *span.GetReflection()->MutableUnknownFields(&span);
  unknown.AddVarint(100, n);
  unknown.AddFixed32(101, n);
  unknown.AddFixed64(102, n);
  unknown.AddLengthDelimited(103, "unknown");
  unknown.AddGroup(104)->AddVarint(1, n);
  unknown.AddVarint(3, 7);      // trace_state as a varint: skipped
  unknown.AddFixed64(16, 1);    // flags as a fixed64: skipped
  unknown.AddVarint(15, 2);     // status as a varint: skipped
  if (n % 2 == 0) {
    unknown.AddLengthDelimited(3, "second=" + std::to_string(n));
    unknown.AddFixed32(16, n);
    unknown.AddVarint(10 + 2 * (n % 3), n);  // one of the dropped counts
    unknown.AddLengthDelimited(15, "\x12\x06second");  // a message, no code: the code stays
  }
}

// The generator's spans as one OTLP request, each changed by `change(span, n)` (n counts spans): a
// block built from their bytes holds what the reference (libprotobuf's parse, then FromProto) reads.
template <typename Change>
void ExpectBlockReadsAsTheReference(std::uint64_t seed, Change change) {
  TempDir dir;
  otlp::ExportRequest request;
  otlp::ToProto(GenerateSpans(300, {.seed = seed}).ToBatch(), &request);
  std::uint32_t n = 0;
  for (auto& resource_spans : *request.mutable_resource_spans()) {
    for (auto& scope_spans : *resource_spans.mutable_scope_spans()) {
      for (auto& span : *scope_spans.mutable_spans()) change(span, n++);
    }
  }
  const std::string bytes = request.SerializeAsString();
  model::TraceBatch expected;
  otlp::DecodeReport report;
  std::string error;
  ASSERT_TRUE(otlp::ParseExportRequest(bytes, &expected, &report, &error)) << error;
  otlp::wire::ScannedRequest scan;
  ASSERT_TRUE(otlp::wire::Scan(bytes, {}, &scan, &report, &error)) << error;

  BlockBuilder builder(kFreshBlockZstdLevel);
  AddScanned(scan, builder, [](const otlp::wire::SpanRef& span) { return span.encoded; });
  const Status built = builder.Finish(dir.path() / "a.block", nullptr);
  ASSERT_TRUE(built.ok()) << built.message();
  std::unique_ptr<BlockReader> reader;
  ASSERT_TRUE(BlockReader::Open(dir.path() / "a.block", {}, &reader).ok());
  EXPECT_EQ(ReadAll(*reader), Flatten(expected));
}

TEST(EncodedBlock, EveryKindOfAttributeValueComesBackAsTheReferenceConversionReadsIt) {
  ExpectBlockReadsAsTheReference(13, AddEveryKindOfValue);
}

TEST(EncodedBlock, OddlyEncodedSpansComeBackAsTheReferenceReadsThem) { ExpectBlockReadsAsTheReference(17, AddOddFields); }

// Many strings, so that the dictionary's table grows and probes past taken slots: each reference
// reads back as its string, the repeated ones (the empty string too) from the dictionary, most
// frequent first.
TEST(StringDictionary, EveryReferenceReadsBackAsItsString) {
  std::vector<std::string> texts = {""};
  for (int i = 0; i < 20'000; ++i) texts.push_back("string-" + std::to_string(i) + std::string(i % 40, 'z'));
  StringDictionaryBuilder strings;
  for (std::size_t i = 0; i < texts.size(); ++i) strings.Count(texts[i], i % 2 == 0 ? 2 + i % 5 : 1);
  strings.Count("", 100);
  const std::vector<std::string> dictionary = strings.Build();
  EXPECT_EQ(dictionary.size(), 1 + texts.size() / 2);
  EXPECT_EQ(dictionary.front(), "");
  Encoder out;
  for (const std::string& text : texts) strings.PutRef(out, text);
  Decoder in(out.view());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const StringRef ref = GetStringRef(in, dictionary);
    EXPECT_EQ(ref.text, texts[i]);
    EXPECT_EQ(ref.id == kInlineString, i % 2 == 1) << i;
  }
  EXPECT_FALSE(in.failed());
  EXPECT_TRUE(in.empty());
}

// Strings that differ from each other in one byte only, at every length and position, counted
// twice (dictionary) or once (inline): each reference still reads back as its own string.
TEST(StringDictionary, StringsThatDifferInOneByteStayApart) {
  std::vector<std::string> texts;
  for (std::size_t size = 0; size <= 40; ++size) {
    const std::string base(size, 'k');
    texts.push_back(base);
    for (std::size_t at = 0; at < size; ++at) texts.push_back(std::string(base).replace(at, 1, 1, 'q'));
  }
  StringDictionaryBuilder strings;
  for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(strings.Add(texts[i], i % 3 == 0 ? 1 : 2), i);
  for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(strings.Add(texts[i], 0), i) << texts[i];
  const std::vector<std::string> dictionary = strings.Build();
  Encoder out;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    strings.PutRef(out, texts[i]);
    strings.PutRefByHandle(out, static_cast<std::uint32_t>(i));
  }
  Decoder in(out.view());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    for (int twice = 0; twice < 2; ++twice) {
      const StringRef ref = GetStringRef(in, dictionary);
      EXPECT_EQ(ref.text, texts[i]);
      EXPECT_EQ(ref.id == kInlineString, i % 3 == 0) << i;
    }
  }
  EXPECT_FALSE(in.failed());
  EXPECT_TRUE(in.empty());
}

// Two different 16-byte strings with the same 64-bit hash (the short-string hash folds a product of
// its two halves, each mixed with a constant, so halves swapped through those constants collide):
// both are kept, each with its own handle and count.
TEST(StringDictionary, StringsWithEqualHashesStayApart) {
  const auto word = [](std::string_view text, std::size_t at) {
    std::uint64_t value;
    std::memcpy(&value, text.data() + at, 8);
    return value;
  };
  const std::string first = "attribute.key.01";
  const std::uint64_t first_mix = 0x9e3779b97f4a7c15ULL;
  const std::uint64_t last_mix = 0xc2b2ae3d27d4eb4fULL + 16;
  const std::uint64_t swapped[2] = {word(first, 8) ^ last_mix ^ first_mix, word(first, 0) ^ first_mix ^ last_mix};
  const std::string second(reinterpret_cast<const char*>(swapped), 16);
  ASSERT_NE(first, second);
  ASSERT_EQ(StringDictionaryBuilder::Hash(first), StringDictionaryBuilder::Hash(second))
      << "the hash changed: build another pair of strings with equal hashes";
  StringDictionaryBuilder strings;
  EXPECT_EQ(strings.Add(first, 3), 0u);
  EXPECT_EQ(strings.Add(second, 1), 1u);
  EXPECT_EQ(strings.Add(first), 0u);
  EXPECT_EQ(strings.Add(second), 1u);
  const std::vector<std::string> dictionary = strings.Build();
  EXPECT_EQ(dictionary, (std::vector<std::string>{first, second}));  // 4 counts before 2
  Encoder out;
  strings.PutRef(out, second);
  strings.PutRef(out, first);
  Decoder in(out.view());
  EXPECT_EQ(GetStringRef(in, dictionary).id, 1u);
  EXPECT_EQ(GetStringRef(in, dictionary).id, 0u);
  EXPECT_TRUE(in.empty());
}

// A cut's block byte for byte, from a fresh builder and from one that wrote a block before: the
// cut may get cheaper, its bytes may not change (blocks on disk and their readers depend on them).
// A deliberate format change updates the digest (and keeps older blocks readable).
TEST(EncodedBlock, TheBytesOfABlockStayTheSame) {
  TempDir dir;
  const EncodedRequest request(GenerateSpans(6'000, {.seed = 21}));
  BlockBuilder builder(kFreshBlockZstdLevel);
  std::vector<std::uint64_t> digests;
  for (const char* name : {"first.block", "second.block"}) {
    AddScanned(request.scan, builder, [](const otlp::wire::SpanRef& span) { return span.encoded; });
    const Status built = builder.Finish(dir.path() / name, nullptr);
    ASSERT_TRUE(built.ok()) << built.message();
    const std::string bytes = ReadFile(dir.path() / name);
    digests.push_back(XXH3_64bits(bytes.data(), bytes.size()));
  }
  EXPECT_EQ(digests[0], digests[1]);
  EXPECT_EQ(digests[0], 0x9c06f227a34f3125ULL) << std::hex << digests[0];
}

// Block after block (a store's cuts), a builder writes into the buffers the block before left: the
// same spans again need no more memory, and none of the last block's spans stay.
TEST(EncodedBlock, ABuilderKeepsItsBuffersForTheNextBlock) {
  TempDir dir;
  const EncodedRequest request(GenerateSpans(2'000, {.seed = 23}));
  BlockBuilder builder(kFreshBlockZstdLevel);
  EXPECT_EQ(builder.kept_bytes(), 0u);
  std::vector<std::size_t> kept;
  for (const char* name : {"first.block", "second.block"}) {
    AddScanned(request.scan, builder, [](const otlp::wire::SpanRef& span) { return span.encoded; });
    ASSERT_TRUE(builder.Finish(dir.path() / name, nullptr).ok());
    EXPECT_EQ(builder.span_count(), 0u);
    kept.push_back(builder.kept_bytes());
  }
  EXPECT_GT(kept[0], request.scan.spans.size() * sizeof(EncodedSpan));
  EXPECT_EQ(kept[1], kept[0]);
}

TEST(EncodedBlock, DuplicateSpansAreStoredOnce) {
  TempDir dir;
  auto data = GenerateSpans(300, {.seed = 5});
  const std::vector<testing::FlatSpan> expected = Flatten(data);
  const auto copies = data.spans;
  data.spans.insert(data.spans.end(), copies.begin(), copies.end());
  EXPECT_EQ(RoundTrip(data, dir.path() / "a.block"), expected);
}

// A span is counted for the dictionary as it is added, before the block drops duplicates: their
// counts are taken back, so the block is byte for byte the one written without them.
TEST(EncodedBlock, DuplicatesLeaveTheBlocksBytesAsWithoutThem) {
  TempDir dir;
  auto data = GenerateSpans(300, {.seed = 5});
  BlockBuilder builder(kFreshBlockZstdLevel);
  WriteBlock(EncodedRequest(data), builder, dir.path() / "once.block");
  const auto copies = data.spans;
  data.spans.insert(data.spans.end(), copies.begin(), copies.end());
  WriteBlock(EncodedRequest(data), builder, dir.path() / "twice.block");
  EXPECT_EQ(ReadFile(dir.path() / "twice.block"), ReadFile(dir.path() / "once.block"));
}

// Other spans after a block: the builder recalls nothing of the last block's attributes (their
// handles there mean other strings in the next block's dictionary).
TEST(EncodedBlock, ABuildersNextBlockOfOtherSpansComesBackAsAdded) {
  TempDir dir;
  const auto first = GenerateSpans(2'000, {.seed = 31});
  const auto next = GenerateSpans(2'000, {.seed = 32, .services = 5});
  const EncodedRequest first_request(first);
  const EncodedRequest next_request(next);
  BlockBuilder builder(kFreshBlockZstdLevel);
  WriteBlock(first_request, builder, dir.path() / "first.block");
  WriteBlock(next_request, builder, dir.path() / "next.block");
  EXPECT_EQ(ReadBlock(dir.path() / "next.block"), Flatten(next));
}

TEST(EncodedBlock, ASpanThatDoesNotDecodeFailsTheBlock) {
  TempDir dir;
  const EncodedRequest request(GenerateSpans(50, {.seed = 9}));
  BlockBuilder builder;
  const std::string garbage = "\x0a\xff";  // a length past the end
  AddScanned(request.scan, builder, [&](const otlp::wire::SpanRef& span) {
    return &span == &request.scan.spans.back() ? std::string_view(garbage) : span.encoded;
  });
  const Status built = builder.Finish(dir.path() / "a.block", nullptr);
  EXPECT_EQ(built.code(), Status::Code::kCorruption) << built.message();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "a.block"));
}

// A span whose own fields are well framed but one of whose parts is not: the block fails, for an
// attribute or status that does not parse (the counting pass) and for a kvlist value, event or link
// whose inner bytes do not (only the encoding pass converts them).
TEST(EncodedBlock, ASpanWithAMalformedPartFailsTheBlock) {
  const EncodedRequest request(GenerateSpans(50, {.seed = 9}));
  const std::string key_past_the_end = "\x4a\x04\x0a\x05kv";  // attributes: a key of 5 bytes with 2 left
  const std::string bad_kvlist = std::string("\x4a\x09\x0a\x01k\x12\x04\x32\x02\x0a\xff", 11);
  const std::string bad_status = "\x7a\x02\x12\x05";  // status: a message of 5 bytes with none left
  const std::string bad_event = "\x5a\x02\x12\x05";   // event: a name of 5 bytes with none left
  const std::string bad_link = "\x6a\x02\x0a\x05";    // link: a trace ID of 5 bytes with none left
  for (const std::string& bad_part : {key_past_the_end, bad_kvlist, bad_status, bad_event, bad_link}) {
    TempDir dir;
    const std::string broken = std::string(request.scan.spans.front().encoded) + bad_part;
    BlockBuilder builder;
    AddScanned(request.scan, builder, [&](const otlp::wire::SpanRef& span) {
      return &span == &request.scan.spans.front() ? std::string_view(broken) : span.encoded;
    });
    const Status built = builder.Finish(dir.path() / "a.block", nullptr);
    EXPECT_EQ(built.code(), Status::Code::kCorruption) << built.message();
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "a.block"));
  }
}

}  // namespace
}  // namespace hoptrace::store::block
