#pragma once
// What writing a block takes, shared by the builder (spans added one by one, planned in memory) and
// the merge (compaction, which streams its inputs' columns): the file and its sections, the span
// columns of a row group, the model-span encoder, trace summaries and the index/bloom/meta tail.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <tuple>
#include <utility>
#include <unordered_map>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "block/block.h"
#include "block/block_format.h"
#include "block/id_positions.h"
#include "hoptrace/otlp/wire.h"

namespace hoptrace::store::block {

// A span as a writer keeps it: the fields a block is planned by, and where the whole span is: a
// model span (`decoded`), or encoded bytes read in place (then `decoded` is null).
struct StoredSpan {
  EncodedSpan fields;
  const model::Span* decoded = nullptr;
  std::uint32_t resource = 0;
  std::uint32_t scope = 0;
  std::uint32_t name = 0;  // the builder's: the name's handle in its string dictionary
};
EncodedSpan FieldsOf(const model::Span& span);

// Gives each stored span as a model span: its own, or decoded into one buffer reused span after
// span (its vectors keep their capacity), so encoding allocates little and holds one span at a time.
// An encoded span comes without its attributes: the encoder decodes one only for its events and
// links (rare) and reads the rest in place.
class SpanDecoder {
 public:
  const model::Span* Decode(const StoredSpan& stored);

 private:
  model::Span scratch_;
};

// Stored spans in block order (sorting pointers, not the spans).
using SpanList = std::vector<const StoredSpan*>;
// Spans [begin, end) of a span list share a trace ID.
struct TraceRange {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// The spans grouped by trace, a trace's spans by start time (then span ID); of spans with the same
// trace and span ID only the first in `stored` is kept.
SpanList SortAndDeduplicate(const std::vector<StoredSpan>& stored);
void SortAndDeduplicate(const std::vector<StoredSpan>& stored, SpanList& spans);  // into `spans`, emptied first

// Equal resources (or scopes) get one id.
template <typename Entry>
class Interner {
 public:
  std::uint32_t Intern(const Entry& entry) {
    if (!entries_.empty() && entries_[last_] == entry) return last_;  // spans usually come in runs
    auto [it, inserted] = ids_.try_emplace(Key(entry), static_cast<std::uint32_t>(entries_.size()));
    if (inserted) entries_.push_back(entry);
    last_ = it->second;
    return last_;
  }
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  static std::string Key(const Entry& entry) {
    const StringDictionaryBuilder inline_only;
    if constexpr (std::is_same_v<Entry, ResourceEntry>) {
      return EncodeResources({entry}, inline_only);
    } else {
      return EncodeScopes({entry}, inline_only);
    }
  }
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::uint32_t last_ = 0;
};

// Each span's parent within its trace, found by span ID once per trace for the summary and the
// columns alike (a trace's span IDs are unique). Reused trace after trace.
class TraceParents {
 public:
  static constexpr std::uint32_t kRoot = UINT32_MAX;            // no parent ID
  static constexpr std::uint32_t kNotInTrace = UINT32_MAX - 1;  // a parent the trace's spans lack
  void Find(const SpanList& spans, TraceRange trace);
  // By position in the trace: the parent's position, or kRoot / kNotInTrace.
  std::span<const std::uint32_t> positions() const { return positions_; }

 private:
  IdPositions<model::SpanId> by_id_;
  std::vector<std::uint32_t> positions_;
};

// The sorted services the resources name, and each resource's index into them.
void PlanServices(const std::vector<ResourceEntry>& resources, std::vector<std::string>* services,
                  std::vector<std::uint32_t>* resource_services);

// Parent service -> child service calls and errors of a block (most spans add to an edge; a block
// has few), sorted once for the meta section.
class EdgeCounter {
 public:
  void Add(std::uint32_t parent_service, std::uint32_t child_service, bool error) {
    if (parent_service == child_service) return;
    Counts& counts = edges_[Key(parent_service, child_service)];
    ++counts.calls;
    counts.errors += error ? 1 : 0;
  }
  // Counts another block gathered (a merge starts from its inputs' dependency links).
  void Add(std::uint32_t parent_service, std::uint32_t child_service, std::uint64_t calls, std::uint64_t errors) {
    Counts& counts = edges_[Key(parent_service, child_service)];
    counts.calls += calls;
    counts.errors += errors;
  }
  // Takes back what `counted` holds (a merge's spread traces as their inputs counted them).
  void Subtract(const EdgeCounter& counted) {
    for (const auto& [services, taken] : counted.edges_) {
      Counts& counts = edges_[services];
      counts.calls -= taken.calls;
      counts.errors -= taken.errors;
    }
  }
  // Edges without calls left (after Subtract) are left out.
  std::vector<DependencyLink> Links(const std::vector<std::string>& services) const;

 private:
  struct Counts {
    std::uint64_t calls = 0;
    std::uint64_t errors = 0;
  };
  static std::uint64_t Key(std::uint32_t parent_service, std::uint32_t child_service) {
    return std::uint64_t{parent_service} << 32 | child_service;
  }
  absl::flat_hash_map<std::uint64_t, Counts> edges_;  // by parent << 32 | child
};

// The distinct operations (service, span name, kind) of a block while spans are added (every span
// asks; few are new), sorted once for the meta section.
class OperationSet {
 public:
  using Operation = std::tuple<std::uint32_t, std::string_view, model::SpanKind>;
  void Add(std::uint32_t service, std::string_view name, model::SpanKind kind);
  std::vector<Operation> Sorted() const;

 private:
  struct Hash {
    std::size_t operator()(const Operation& operation) const;
  };
  struct Equal {
    bool operator()(const Operation& a, const Operation& b) const;
  };
  absl::flat_hash_set<Operation, Hash, Equal> operations_;
};
// One trace's summary (docs/store-format.md, Search); adds its edges. `parents` are the trace's
// TraceParents::positions.
TraceRow SummarizeTrace(const SpanList& spans, TraceRange trace, std::span<const std::uint32_t> parents,
                        const std::vector<std::uint32_t>& resource_services, EdgeCounter& edges);

class SectionWriter;

// The span columns of one row group (every column from kIntrinsicsColumn on), being written.
struct SpanColumns {
  StreamSetWriter intrinsics{kIntrinsicStreams};
  StreamSetWriter ids{kIdStreams};
  StreamSetWriter attributes{kAttributeStreams};
  StreamSetWriter details{kDetailStreams};
  Encoder joined;  // a column's streams joined for its section, reused column after column

  // Writes the columns into the row group's slots from `group_slot` (its traces column's).
  Status Write(SectionWriter& writer, std::size_t group_slot, std::uint64_t* byte_counter);
  // Ready for the next row group, with the buffers the last one grew.
  void Clear() {
    for (StreamSetWriter* column : {&intrinsics, &ids, &attributes, &details}) column->Clear();
  }
};

// Encoded spans as the builder's counting pass read them: attributes and details (block_builder.cc).
struct ParsedSpans;

// Encodes model spans (or encoded ones from what the counting pass read of them) into span columns.
// `parsed` holds what was read of the encoded spans (required when there are any).
class RowGroupEncoder {
 public:
  RowGroupEncoder(const StringDictionaryBuilder& strings, SpanDecoder& decoder, SpanColumns& out,
                  const ParsedSpans* parsed = nullptr)
      : strings_(strings), decoder_(decoder), out_(out), parsed_(parsed) {
    strings_.PutRef(empty_ref_, "");
  }
  // False when a span does not decode. `parents` are the trace's TraceParents::positions.
  bool AddTrace(const SpanList& spans, TraceRange trace, std::span<const std::uint32_t> parents);

 private:
  void AddIntrinsics(const StoredSpan& stored, std::uint64_t previous_start);  // all but the name
  // `events_and_links` holds the span's events and links (none unless details.has_events_or_links).
  void AddIdsAndDetails(const EncodedSpan& fields, const otlp::wire::SpanDetails& details,
                        const model::Span& events_and_links, std::uint32_t parent, std::size_t position);
  void AddIds(const EncodedSpan& fields, const otlp::wire::SpanDetails& details, std::uint32_t parent,
              std::size_t position);
  void AddDetails(std::uint64_t start, const otlp::wire::SpanDetails& details, const model::Span& events_and_links);
  bool AddEncodedSpan(const StoredSpan& stored, std::uint32_t parent, std::size_t position);
  // Most trace states and status messages are empty: their reference is written without a lookup.
  void PutRef(Encoder& out, std::string_view text) const {
    if (text.empty()) {
      out.PutBytes(empty_ref_.view());
    } else {
      strings_.PutRef(out, text);
    }
  }

  const StringDictionaryBuilder& strings_;
  SpanDecoder& decoder_;
  SpanColumns& out_;
  const ParsedSpans* parsed_;
  model::AttributeValue scratch_value_;  // an encoded span's array or opaque value
  Encoder empty_ref_;                    // the empty string's reference
};

// The file being written, under a temporary name until Commit.
class BlockFile {
 public:
  explicit BlockFile(std::filesystem::path path) : path_(std::move(path)), temp_path_(path_.string() + ".tmp") {}
  ~BlockFile();
  BlockFile(const BlockFile&) = delete;
  BlockFile& operator=(const BlockFile&) = delete;
  Status Open();
  std::uint64_t offset() const { return offset_; }
  // Writes `bytes` at the end; every kWritebackBytes appended, starts writing them back to disk
  // (sync_file_range, no wait) so that Commit's fsync waits for little more than the last stretch:
  // the cut's thread otherwise sat in it for up to 16 ms per raw block, while writers waited for
  // the head room that cut frees and the core had nothing to do.
  Status Append(std::string_view bytes);
  // fsync, rename over the final name, fsync the directory: the block appears whole or not at all.
  Status Commit();

 private:
  static constexpr std::uint64_t kWritebackBytes = 1 << 20;
  static Status Errno(const std::string& what) { return IoError(what + ": " + std::strerror(errno)); }
  std::filesystem::path path_;
  std::filesystem::path temp_path_;
  int fd_ = -1;
  std::uint64_t offset_ = 0;
  std::uint64_t written_back_ = 0;  // bytes before this offset are on their way to disk
};

// Writes sections into their directory slots (in any order) and counts their stored bytes.
class SectionWriter {
 public:
  SectionWriter(BlockFile& file, int zstd_level)
      : file_(file), stores_raw_(zstd_level == kStoredRaw), encoder_(zstd_level) {}
  Status Write(std::size_t slot, std::string_view raw, std::uint64_t* byte_counter,
               Packing packing = Packing::kCompress);
  const std::vector<SectionHandle>& sections() const { return sections_; }
  bool stores_raw() const { return stores_raw_; }

 private:
  BlockFile& file_;
  bool stores_raw_;
  std::vector<SectionHandle> sections_;
  SectionEncoder encoder_;
};

// The dictionary sections: strings, resources, scopes.
Status WriteDictionaries(SectionWriter& writer, const StringDictionaryBuilder& strings,
                         const std::vector<ResourceEntry>& resources, const std::vector<ScopeEntry>& scopes,
                         BlockMeta& meta);
// The index pages (and meta.index_pages): `trace_ids` sorted, `ordinals` each one's ordinal.
Status WriteIndexPages(SectionWriter& writer, const std::vector<model::TraceId>& trace_ids,
                       const std::vector<std::uint64_t>& ordinals, MetaSection& meta);
// Bloom filter, meta, directory and footer, then the atomic commit of the file.
Status WriteTail(BlockFile& file, SectionWriter& writer, const std::vector<model::TraceId>& trace_ids,
                 MetaSection& meta);

}  // namespace hoptrace::store::block
