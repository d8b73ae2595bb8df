#pragma once
// What an open block holds, shared by block_reader.cc (lookups, streaming) and block_search.cc.

#include <list>
#include <mutex>
#include <unordered_map>

#include "block/block.h"
#include "block/block_format.h"

namespace hoptrace::store::block {

// The block's dictionaries, decoded on first use and kept while the reader lives.
struct Dictionaries {
  std::vector<std::string> strings;
  std::vector<ResourceEntry> resources;
  std::vector<std::uint32_t> resource_services;  // resource id -> index into MetaSection::services
  std::vector<ScopeEntry> scopes;
};

using SectionData = std::shared_ptr<const std::string>;

// Splits a row group's four span columns into their streams; false when one is malformed. The
// decoder and the streaming merge both read spans column by column from these.
bool SplitSpanColumns(const std::vector<SectionData>& columns, std::vector<Decoder>* intrinsics,
                      std::vector<Decoder>* ids, std::vector<Decoder>* attributes, std::vector<Decoder>* details);

// A decoded span with the ids of its resource and scope in the dictionaries.
struct DecodedSpan {
  model::Span span;
  std::uint32_t resource = 0;
  std::uint32_t scope = 0;
};

// Groups decoded spans by resource and scope, in order of first appearance. The spans are moved
// into the batch: a copy cost as much as the decode.
model::TraceBatch ToBatch(std::vector<DecodedSpan>& spans, const Dictionaries& dict);

// One row group's columns and trace rows, loaded for a RowGroupDecoder (which reads them in place).
struct LoadedRowGroup {
  std::vector<SectionData> columns;
  std::vector<TraceRow> traces;
};

// Decodes the spans of one row group, trace by trace, from its columns.
class RowGroupDecoder {
 public:
  explicit RowGroupDecoder(const Dictionaries& dictionaries) : dict_(dictionaries) {}
  // `traces`: the group's trace rows (DecodeTraceRows of its traces column).
  Status Init(const std::vector<SectionData>& columns, const std::vector<TraceRow>* traces);
  // Decodes the next trace of the group into `spans` (resized; elements are reused).
  Status NextTrace(std::vector<DecodedSpan>& spans);
  // Passes over the next trace without building its spans.
  Status SkipTrace();

 private:
  bool SkipSpan();
  bool DecodeSpan(const model::TraceId& trace_id, std::uint64_t& previous_start, DecodedSpan& out);
  bool DecodeDetails(model::Span& span);
  bool ResolveParents(std::vector<DecodedSpan>& spans, std::size_t count);
  void ResizeKeepingSlots(std::vector<DecodedSpan>& spans, std::size_t count);

  const Dictionaries& dict_;
  const std::vector<TraceRow>* traces_ = nullptr;
  std::size_t next_trace_ = 0;
  std::vector<Decoder> intrinsics_, ids_, attributes_, details_;
  std::vector<std::uint64_t> parent_refs_;  // of the current trace
  std::vector<DecodedSpan> spare_;          // span records kept for the next, longer trace
};

struct BlockReader::State {
  std::filesystem::path path;
  int fd = -1;
  ReaderOptions options;
  std::vector<SectionHandle> sections;
  MetaSection meta;
  SectionData bloom;                  // the section as read, not a copy
  std::vector<std::string> services;  // non-empty service names, sorted

  ~State();
  Status ReadSection(std::size_t slot, SectionData* data);
  Status LoadDictionaries(std::shared_ptr<const Dictionaries>* out);
  Status LoadColumn(std::size_t group, Column column, SectionData* data);
  Status LoadRowGroup(std::size_t group, std::vector<SectionData>* columns);  // every column
  // Every column and the trace rows of `group`, and `decoder` initialised on them.
  Status OpenRowGroup(std::size_t group, const Dictionaries& dict, LoadedRowGroup* loaded, RowGroupDecoder* decoder);
  // The trace's ordinal in this block; nullopt when the block does not hold it (bloom, index page).
  Status LocateTrace(const model::TraceId& trace_id, std::optional<std::uint64_t>* ordinal);
  // The group's trace rows from its traces column.
  Status DecodeTraces(std::size_t group, const SectionData& traces_column, const Dictionaries& dict,
                      std::vector<TraceRow>* rows) const;
  std::size_t GroupOf(std::uint64_t trace_ordinal) const;

 private:
  Status ReadStored(const SectionHandle& handle, std::string* stored) const;

  // LRU of decompressed sections, bounded by options.cache_bytes.
  std::mutex cache_mutex_;
  std::list<std::pair<std::size_t, SectionData>> lru_;
  std::unordered_map<std::size_t, std::list<std::pair<std::size_t, SectionData>>::iterator> cached_;
  std::size_t cached_bytes_ = 0;

  std::mutex dictionaries_mutex_;
  std::shared_ptr<const Dictionaries> dictionaries_;
};

}  // namespace hoptrace::store::block
