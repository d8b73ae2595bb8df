#pragma once
// The block file's building blocks, shared by block_builder.cc and block_reader.cc: constants, the
// footer, varint coding, sections (zstd + xxhash64), and the attribute/string codec. The layout is
// described in docs/store-format.md; change both together.

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "block/block.h"
#include "hoptrace/model/span.h"

struct ZSTD_CCtx_s;  // zstd.h's ZSTD_CCtx

namespace hoptrace::store::block {

inline constexpr std::uint64_t kBlockMagic = 0x31304b4c42504f48ULL;  // "HOPBLK01" little-endian
// 2: traces in start-time order, summaries in each row group's traces column (1: trace-ID order).
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::size_t kFooterSize = 40;
// A row group holds whole traces and about this many spans: the unit a trace lookup decompresses.
inline constexpr std::size_t kRowGroupSpans = 4096;
inline constexpr std::size_t kTracesPerIndexPage = 512;
inline constexpr std::size_t kBloomBitsPerTrace = 10;
// A garbage length must not make the reader allocate gigabytes.
inline constexpr std::uint64_t kMaxSectionBytes = 1ULL << 30;

// Sections in directory order. Index pages follow kFirstIndexPage; row group columns follow them,
// kColumnCount per group.
enum SectionSlot : std::uint32_t {
  kMetaSection = 0,
  kBloomSection = 1,
  kStringsSection = 2,
  kResourcesSection = 3,
  kScopesSection = 4,
  kFirstIndexPage = 5,
};
// The columns of one row group.
enum Column : std::uint32_t {
  kTracesColumn,      // per trace: trace ID, span count, start and the rest of its summary
  kIntrinsicsColumn,  // per span: resource, scope, name, kind, status code, start delta, duration
  kIdsColumn,         // per span: span id, parent, flags, trace_state
  kAttributesColumn,  // per span: attributes
  kDetailsColumn,     // per span: status message, dropped counts, events, links
  kColumnCount,
};

// ---- Status helpers ----
inline Status Corruption(std::string message) {
  return Status::Error(Status::Code::kCorruption, "block: " + std::move(message));
}
#define HOPTRACE_RETURN_IF_ERROR(expr)              \
  do {                                              \
    if (Status status_ = (expr); !status_.ok()) return status_; \
  } while (0)
inline Status IoError(std::string message) { return Status::Error(Status::Code::kIoError, "block: " + std::move(message)); }

// ---- Coding ----
// Signed values as varints: small magnitudes of either sign stay short.
inline std::uint64_t ZigZag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

class Encoder {
 public:
  Encoder() = default;
  // The cursor points into the buffer: copies and moves point theirs into their own.
  Encoder(const Encoder& other) : out_(other.out_) { Rebase(other.size()); }
  Encoder(Encoder&& other) noexcept { *this = std::move(other); }
  Encoder& operator=(const Encoder& other);
  Encoder& operator=(Encoder&& other) noexcept;
  ~Encoder() = default;

  // Always inline, as Room, GetByte and GetVarint: in the merge's column copier GCC left them calls.
  [[gnu::always_inline]] void PutByte(std::uint8_t value) { *Room(1) = static_cast<char>(value); ++cursor_; }
  // A cut writes dozens a span, most of one or two bytes (counts, deltas, dictionary ids): those are
  // stores in place; longer ones take a call (GCC made the whole loop a call, ≈ 20 instructions each).
  [[gnu::always_inline]] void PutVarint(std::uint64_t value) {
    char* at = Room(kMaxVarintBytes);
    if (value < 0x80) [[likely]] {
      *at = static_cast<char>(value);
      cursor_ = at + 1;
    } else if (value < 0x4000) {  // most dictionary references past the first 127 strings
      at[0] = static_cast<char>(value | 0x80);
      at[1] = static_cast<char>(value >> 7);
      cursor_ = at + 2;
    } else {
      PutLongVarint(at, value);
    }
  }
  [[gnu::always_inline]] void PutSigned(std::int64_t value) { PutVarint(ZigZag(value)); }
  [[gnu::always_inline]] void PutFixed64(std::uint64_t value) {
    char* at = Room(8);
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(at, &value, 8);
    } else {
      for (int i = 0; i < 8; ++i) at[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
    cursor_ = at + 8;
  }
  void PutBytes(std::string_view bytes) {
    if (bytes.empty()) return;  // an empty view may have no data pointer
    std::memcpy(Room(bytes.size()), bytes.data(), bytes.size());
    cursor_ += bytes.size();
  }
  void PutLengthPrefixed(std::string_view bytes) {
    PutVarint(bytes.size());
    PutBytes(bytes);
  }
  template <std::size_t N>
  void PutId(const model::ByteId<N>& id) {
    std::memcpy(Room(N), id.data(), N);
    cursor_ += N;
  }
  // Makes room for `bytes` more, so they are written without growing.
  void Reserve(std::size_t bytes) { Room(bytes); }
  std::size_t size() const { return static_cast<std::size_t>(cursor_ - out_.data()); }
  std::string_view view() const { return {out_.data(), size()}; }
  // The bytes written; the encoder is empty afterwards.
  std::string Take();
  // Empties the encoder but keeps its buffer, for the next unit of the same kind.
  void Clear() { cursor_ = out_.data(); }

 private:
  static constexpr std::size_t kMaxVarintBytes = 10;
  // Where the next `bytes` go: the buffer grows in big steps, so a write is a store through a pointer
  // (the cursor and the end in members: no size to add to the buffer's address on every write).
  [[gnu::always_inline]] char* Room(std::size_t bytes) {
    if (static_cast<std::size_t>(limit_ - cursor_) < bytes) Grow(bytes);
    return cursor_;
  }
  void Grow(std::size_t bytes);
  // Any length, at `at` (room for kMaxVarintBytes made).
  void PutLongVarint(char* at, std::uint64_t value);
  void Rebase(std::size_t size) {
    cursor_ = out_.data() + size;
    limit_ = out_.data() + out_.size();
  }

  std::string out_;  // bytes [data, cursor_) are written, [cursor_, limit_) is room
  char* cursor_ = out_.data();
  char* limit_ = out_.data();
};

// Reads what Encoder wrote. Never reads past the end: a short or malformed input sets failed() and
// makes every later read return zero, so decoders check once at the end of a unit.
class Decoder {
 public:
  Decoder() = default;
  explicit Decoder(std::string_view in) : in_(in) {}
  [[gnu::always_inline]] std::uint8_t GetByte() {
    if (in_.empty()) {
      Fail();
      return 0;
    }
    const auto value = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return value;
  }
  // Inline for the one-byte case, which most counts, ids and deltas are (search decodes millions).
  [[gnu::always_inline]] std::uint64_t GetVarint() {
    if (!in_.empty() && static_cast<std::uint8_t>(in_[0]) < 0x80) return GetByte();
    return GetLongVarint();
  }
  std::int64_t GetSigned() {
    const std::uint64_t v = GetVarint();
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
  }
  std::uint32_t GetVarint32();  // fails on values above UINT32_MAX
  std::uint64_t GetFixed64();
  std::string_view GetBytes(std::size_t n);
  std::string_view GetLengthPrefixed() { return GetBytes(GetVarint()); }
  template <std::size_t N>
  model::ByteId<N> GetId() {
    model::ByteId<N> id;
    const std::string_view bytes = GetBytes(N);
    if (!failed_) std::memcpy(id.mutable_bytes().data(), bytes.data(), N);
    return id;
  }
  // A count of items that each take at least one byte of `items` (this decoder or another
  // stream): more than remain there means garbage.
  std::size_t GetCount(const Decoder& items);
  std::size_t GetCount() { return GetCount(*this); }
  void Fail() {
    failed_ = true;
    in_ = {};
  }
  bool failed() const { return failed_; }
  bool empty() const { return in_.empty(); }
  std::size_t remaining() const { return in_.size(); }
  // What is left to read (a merge copies runs of values as their bytes).
  std::string_view rest() const { return in_; }

 private:
  std::uint64_t GetLongVarint();

  std::string_view in_;
  bool failed_ = false;
};

// A unit made of several byte streams (one per field), so zstd sees like values next to each other.
// Stored as: stream count, each stream's length, then the streams.
class StreamSetWriter {
 public:
  explicit StreamSetWriter(std::size_t count) : streams_(count) {}
  Encoder& operator[](std::size_t i) { return streams_[i]; }
  std::string Finish() const;
  // The same into `out` (emptied first), so that a writer of many units reuses one buffer.
  std::string_view FinishInto(Encoder& out) const;
  void Clear() {
    for (Encoder& stream : streams_) stream.Clear();
  }

 private:
  std::vector<Encoder> streams_;
};
// Splits what StreamSetWriter wrote; fails unless exactly `count` streams fit.
bool SplitStreams(std::string_view data, std::size_t count, std::vector<Decoder>* streams);

// ---- Sections ----
struct SectionHandle {
  std::uint64_t offset = 0;
  std::uint64_t stored_bytes = 0;
  std::uint64_t raw_bytes = 0;
  std::uint64_t checksum = 0;  // xxhash64 of the stored bytes
  std::uint8_t codec = 0;      // 0: raw, 1: zstd
};
inline constexpr std::uint8_t kCodecRaw = 0;
inline constexpr std::uint8_t kCodecZstd = 1;

std::uint64_t Checksum(std::string_view bytes);
// Whether a section is worth compressing: random bytes (trace IDs, bloom filter bits) are not, and
// zstd would spend its time finding that out.
enum class Packing { kCompress, kRaw };
// Compresses sections with one zstd context, reused section after section: a fresh context per
// section (ZSTD_compress) pays for its allocation and table set-up every time.
class SectionEncoder {
 public:
  explicit SectionEncoder(int zstd_level);
  ~SectionEncoder();
  SectionEncoder(const SectionEncoder&) = delete;
  SectionEncoder& operator=(const SectionEncoder&) = delete;
  // Compresses `raw`, keeping it raw when that is smaller; fills all but `offset`. `stored` views
  // the bytes to write: the encoder's buffer (valid until the next Encode) or `raw` itself.
  SectionHandle Encode(std::string_view raw, std::string_view* stored, Packing packing = Packing::kCompress);

 private:
  // The compressed size in buffer_, or 0 when zstd failed.
  std::size_t Compress(std::string_view raw);

  ZSTD_CCtx_s* context_;
  int zstd_level_;
  // Reused section after section and never zero-filled (a std::string's resize would be, each time).
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_bytes_ = 0;
};
// Verifies the checksum of the stored bytes `section` holds and leaves the raw bytes in their place:
// a raw section stays in the string it was read into (no copy), a compressed one is decompressed.
Status DecodeSection(const SectionHandle& handle, std::string* section);

struct Footer {
  std::uint64_t directory_offset = 0;
  std::uint64_t directory_bytes = 0;
  std::uint64_t directory_checksum = 0;
  std::uint32_t format_version = kFormatVersion;
};
std::string EncodeFooter(const Footer& footer);
Status DecodeFooter(std::string_view bytes, Footer* footer);

std::string EncodeDirectory(const std::vector<SectionHandle>& sections);
// Every section must lie before `end` (the directory's offset).
Status DecodeDirectory(std::string_view bytes, std::uint64_t end, std::vector<SectionHandle>* sections);

// ---- Strings and attributes ----
// Strings used at least twice in a block go to its dictionary (most frequent first, so they get
// one-byte ids); the rest are written inline. A reference is varint 0 + length-prefixed bytes
// (inline) or varint id+1.
// A cut counts and references every string of its spans (about 16 a span), so counting is made
// cheap: a small direct-mapped cache of recent strings (keyed by length and three bytes) answers
// most counts with one comparison -- attribute keys and common values repeat span after span --
// and the rest probe a flat open-addressing table keyed by views and a stored hash (texts compared
// only on a hash match). A count hands back the string's handle: a reference by handle needs no
// lookup at all.
class StringDictionaryBuilder {
 public:
  // `text` must stay valid as long as the builder is used (it keeps views of the block's spans).
  void Count(std::string_view text, std::uint64_t times = 1) { Add(text, times); }
  // The same, returning the string's handle for PutRef. Inline where counted: a cache hit is a few
  // instructions, fewer than a call's register saves.
  [[gnu::always_inline]] std::uint32_t Add(std::string_view text, std::uint64_t times = 1) {
    std::uint32_t& recent = recent_[RecentSlot(text)];
    if (recent < entries_.size() && SameText(entries_[recent].text, text)) {
      entries_[recent].count += times;
      return recent;
    }
    recent = AddToTable(text, times);
    return recent;
  }
  // Counts a string Add returned `handle` for once more.
  void CountHandle(std::uint32_t handle) { ++entries_[handle].count; }
  // Takes back one count of `handle` (a span counted, then dropped).
  void UncountHandle(std::uint32_t handle) { --entries_[handle].count; }
  std::string_view TextOf(std::uint32_t handle) const { return entries_[handle].text; }
  // Freezes the dictionary; returns the strings in id order.
  const std::vector<std::string>& Build();
  // Empty for another block, keeping the memory its tables grew.
  void Clear();
  std::size_t capacity_bytes() const {
    return entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(Slot) +
           strings_.capacity() * sizeof(std::string);
  }
  const std::vector<std::string>& strings() const { return strings_; }  // after Build
  void PutRef(Encoder& out, std::string_view text) const;
  // A handle from Add, after Build. Inline: the encoding pass writes every attribute's key this way.
  void PutRefByHandle(Encoder& out, std::uint32_t handle) const { PutEntryRef(out, entries_[handle]); }

  // The table's hash (public for tests that need two strings with equal hashes).
  static std::uint64_t Hash(std::string_view text);
  // Equal texts; up to 32 bytes (most keys and values) by overlapping loads, not a memcmp call.
  // Inline: the recent-strings cache compares once for most counts.
  [[gnu::always_inline]] static bool SameText(std::string_view a, std::string_view b) {
    const std::size_t size = a.size();
    if (size != b.size()) return false;
    const char* x = a.data();
    const char* y = b.data();
    const auto differ64 = [&](std::size_t at) { return Load<std::uint64_t>(x + at) ^ Load<std::uint64_t>(y + at); };
    const auto differ32 = [&](std::size_t at) { return Load<std::uint32_t>(x + at) ^ Load<std::uint32_t>(y + at); };
    if (size >= 8 && size <= 16) return (differ64(0) | differ64(size - 8)) == 0;
    if (size > 16 && size <= 32) return (differ64(0) | differ64(8) | differ64(size - 16) | differ64(size - 8)) == 0;
    if (size >= 4 && size < 8) return (differ32(0) | differ32(size - 4)) == 0;
    return size == 0 || std::memcmp(x, y, size) == 0;
  }

 private:
  struct Entry {
    std::string_view text;
    std::uint64_t hash = 0;
    std::uint64_t count = 0;
    std::uint32_t id = UINT32_MAX;  // after Build: the dictionary id, or UINT32_MAX (inline)
  };
  // A table slot: the entry and the high half of its hash, so that a probe reads an entry (and
  // compares text) only on a likely match.
  struct Slot {
    std::uint32_t entry = 0;  // entry index + 1 (0: free)
    std::uint32_t hash_high = 0;
  };
  static constexpr std::size_t kRecentSlots = 1024;

  template <typename Word>
  static std::uint64_t Load(const char* p) {
    Word word;
    std::memcpy(&word, p, sizeof word);
    return word;
  }
  static std::size_t RecentSlot(std::string_view text) {
    const std::size_t size = text.size();
    if (size == 0) return 0;
    const auto byte = [&](std::size_t at) { return static_cast<std::size_t>(static_cast<std::uint8_t>(text[at])); };
    return (size * 0x9e5 + byte(0) * 0x3b + byte(size / 2) * 0x107 + byte(size - 1)) & (kRecentSlots - 1);
  }
  std::uint32_t AddToTable(std::string_view text, std::uint64_t times);
  // The slot holding `text`'s entry, or the free slot where it would go (slots_ is never full).
  std::size_t Probe(std::string_view text, std::uint64_t hash) const;
  void Grow();
  // Inline for a dictionary entry, which most are (a cut writes a dozen a span).
  [[gnu::always_inline]] void PutEntryRef(Encoder& out, const Entry& entry) const {
    if (entry.id != UINT32_MAX) [[likely]] {
      out.PutVarint(std::uint64_t{entry.id} + 1);
    } else {
      PutInline(out, entry.text);
    }
  }
  static void PutInline(Encoder& out, std::string_view text);

  std::vector<Entry> entries_;  // in order of first Count: a handle is an index
  std::vector<Slot> slots_;     // a power of two, at most half used
  std::vector<std::uint32_t> recent_ = std::vector<std::uint32_t>(kRecentSlots, UINT32_MAX);  // entry indices
  bool built_ = false;          // until Build, no entry has its id
  std::vector<std::string> strings_;
};

inline constexpr std::uint32_t kInlineString = UINT32_MAX;
// A decoded string reference: `text` views the dictionary or the section it was read from.
struct StringRef {
  std::uint32_t id = kInlineString;
  std::string_view text;
};
StringRef GetStringRef(Decoder& in, const std::vector<std::string>& dictionary);

// Visits every string of a span, resource or scope (names, keys, values, ...), for counting.
void CountStrings(const model::Span& span, StringDictionaryBuilder& strings);
void CountStrings(const model::Attributes& attributes, StringDictionaryBuilder& strings);

// Attribute lists as three streams: per attribute the key, the type byte and the value. The
// count goes wherever the caller keeps counts.
struct AttributeStreams {
  Encoder* keys;
  Encoder* types;
  Encoder* values;
};
struct AttributeDecoders {
  Decoder* keys;
  Decoder* types;
  Decoder* values;
};
void PutAttributes(const model::Attributes& attributes, const StringDictionaryBuilder& strings, Encoder& counts,
                   const AttributeStreams& out);
// One value as the values stream holds it: a scalar (string reference, bool byte, zigzag varint,
// double bits), an array as a count and its items.
template <typename T>
void PutScalar(const T& value, const StringDictionaryBuilder& strings, Encoder& out) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    strings.PutRef(out, value);
  } else if constexpr (std::is_same_v<T, bool>) {
    out.PutByte(value ? 1 : 0);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    out.PutSigned(value);
  } else {
    static_assert(std::is_same_v<T, double>);
    out.PutFixed64(std::bit_cast<std::uint64_t>(value));
  }
}
void PutAttributeValue(const model::AttributeValue& value, const StringDictionaryBuilder& strings, Encoder& out);
// Appends `count` attributes (read from counts by the caller) to `attributes`.
bool GetAttributes(std::size_t count, const std::vector<std::string>& strings, const AttributeDecoders& in,
                   model::Attributes& attributes);
// Pass over a string reference, or `count` attributes, without decoding them (a lookup passes
// over the traces before its own; search over rows it has decided without attributes).
void SkipStringRef(Decoder& in);
bool SkipAttributes(std::size_t count, const AttributeDecoders& in);
// One attribute value read from the streams, borrowing strings. `key` is the key's reference.
bool GetAttributeValue(std::uint8_t type, const std::vector<std::string>& strings, Decoder& values,
                       model::AttributeValue& value);

// Resources and scopes are stored as one section each: a count, then entries as stream sets.
std::string EncodeResources(const std::vector<ResourceEntry>& resources, const StringDictionaryBuilder& strings);
std::string EncodeScopes(const std::vector<ScopeEntry>& scopes, const StringDictionaryBuilder& strings);
bool DecodeResources(std::string_view data, const std::vector<std::string>& strings,
                     std::vector<ResourceEntry>* resources);
bool DecodeScopes(std::string_view data, const std::vector<std::string>& strings, std::vector<ScopeEntry>* scopes);
std::string EncodeStrings(const std::vector<std::string>& strings);
bool DecodeStrings(std::string_view data, std::vector<std::string>* strings);

// ---- Row group column streams ----
enum IntrinsicStream : std::size_t { kResourceIds, kScopeIds, kNames, kKinds, kStatusCodes, kStartDeltas, kDurations, kIntrinsicStreams };
enum IdStream : std::size_t { kSpanIds, kParentRefs, kExplicitParents, kFlags, kTraceStates, kIdStreams };
enum AttributeStream : std::size_t { kAttributeCounts, kAttributeKeys, kAttributeTypes, kAttributeValues, kAttributeStreams };
enum DetailStream : std::size_t {
  kStatusMessages, kDroppedCounts, kEventCounts, kEventScalars, kLinkCounts, kLinkIds, kLinkScalars,
  kNestedCounts, kNestedKeys, kNestedTypes, kNestedValues, kDetailStreams
};
// Parent references: the root marker, an explicit id (parent not in the block's copy of the
// trace), or kParentInTrace + zigzag(child position - parent position) within the trace.
inline constexpr std::uint64_t kParentNone = 0;
inline constexpr std::uint64_t kParentExplicit = 1;
inline constexpr std::uint64_t kParentInTrace = 2;

// ---- Meta and trace rows ----
// An index page: kTracesPerIndexPage trace IDs sorted (16 bytes each), then each one's ordinal in
// the block (u32 little-endian, same positions), so a lookup binary-searches the page in place.
inline constexpr std::size_t kIndexEntryBytes = model::TraceId::kSize + 4;
struct IndexPageInfo {
  model::TraceId first_trace;
  std::uint32_t trace_count = 0;
};
// Traces are in start-time order, so a group holds the traces that started in one stretch of the
// block's time: [first trace start, latest_trace_start].
struct RowGroupInfo {
  std::uint64_t first_trace = 0;  // ordinal of the group's first trace in the block
  std::uint32_t trace_count = 0;
  std::uint32_t span_count = 0;
  std::uint64_t min_start = 0;  // span starts in the group
  std::uint64_t max_start = 0;
  std::uint64_t latest_trace_start = 0;  // start of the group's last trace
};
struct OperationEntry {
  std::uint32_t service = 0;  // index into MetaSection::services
  Operation operation;
};
struct MetaSection {
  BlockMeta meta;
  std::vector<std::string> services;  // sorted, unique; "" for spans whose resource names none
  std::vector<OperationEntry> operations;
  std::vector<DependencyLink> dependencies;
  std::vector<IndexPageInfo> index_pages;
  std::vector<RowGroupInfo> row_groups;
};
// The meta section's last field, flags, is written only when one is set: blocks written before it
// existed, and compressed ones, end after the row groups.
inline constexpr std::uint64_t kStoredRawFlag = 1;  // BlockMeta::stored_raw
std::string EncodeMeta(const MetaSection& meta);
Status DecodeMeta(std::string_view data, std::size_t section_count, MetaSection* meta);

// A row group's traces column: per trace its ID, its span count (the group's spans are the traces'
// spans in order) and what search answers without touching spans. Services are indices into
// MetaSection::services; root_name is a string reference.
struct TraceRow {
  model::TraceId trace_id;
  std::uint64_t start = 0;
  std::uint64_t duration = 0;
  std::uint32_t span_count = 0;
  std::uint32_t error_count = 0;
  std::uint32_t root_service = 0;
  std::string root_name;
  bool root_found = false;
  std::vector<std::uint32_t> services;
};
// Starts are coded as deltas from the previous trace's (from `base_start` for the first): rows are
// in start order.
std::string EncodeTraceRows(const TraceRow* rows, std::size_t count, std::uint64_t base_start,
                            const StringDictionaryBuilder& strings);
bool DecodeTraceRows(std::string_view data, std::uint64_t base_start, std::size_t service_count,
                     const std::vector<std::string>& strings, std::vector<TraceRow>* rows);

// The service a resource names: its string service.name, or "" without one.
std::string_view ServiceOf(const model::Resource& resource);

}  // namespace hoptrace::store::block
