#include "block/block_format.h"

// The dictionary hashes the long strings of a cut: XXH3 inlined.
#define XXH_INLINE_ALL
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <type_traits>

namespace hoptrace::store::block {

// ---- Coding ----
void Encoder::PutLongVarint(char* at, std::uint64_t value) {
  while (value >= 0x80) {
    *at++ = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *at++ = static_cast<char>(value);
  cursor_ = at;
}

Encoder& Encoder::operator=(const Encoder& other) {
  if (this != &other) {
    out_ = other.out_;
    Rebase(other.size());
  }
  return *this;
}

Encoder& Encoder::operator=(Encoder&& other) noexcept {
  if (this != &other) {
    const std::size_t size = other.size();
    out_ = std::move(other.out_);
    Rebase(size);
    other.out_.clear();
    other.Rebase(0);
  }
  return *this;
}

void Encoder::Grow(std::size_t bytes) {
  const std::size_t size = this->size();
  out_.resize(std::max({out_.size() * 2, size + bytes, std::size_t{256}}));
  Rebase(size);
}

std::string Encoder::Take() {
  out_.resize(size());
  std::string taken = std::move(out_);
  out_.clear();
  Rebase(0);
  return taken;
}

std::uint64_t Decoder::GetLongVarint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in_.empty()) break;
    const auto byte = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  Fail();
  return 0;
}

std::uint32_t Decoder::GetVarint32() {
  const std::uint64_t value = GetVarint();
  if (value > UINT32_MAX) {
    Fail();
    return 0;
  }
  return static_cast<std::uint32_t>(value);
}

std::uint64_t Decoder::GetFixed64() {
  const std::string_view bytes = GetBytes(8);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) value |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(bytes[i])) << (8 * i);
  return value;
}

std::string_view Decoder::GetBytes(std::size_t n) {
  if (n > in_.size()) {
    Fail();
    return {};
  }
  const std::string_view bytes = in_.substr(0, n);
  in_.remove_prefix(n);
  return bytes;
}

std::size_t Decoder::GetCount(const Decoder& items) {
  const std::uint64_t count = GetVarint();
  if (count > items.remaining()) {
    Fail();
    return 0;
  }
  return static_cast<std::size_t>(count);
}

std::string StreamSetWriter::Finish() const {
  Encoder out;
  FinishInto(out);
  return out.Take();
}

std::string_view StreamSetWriter::FinishInto(Encoder& out) const {
  out.Clear();
  std::size_t bytes = 0;
  for (const Encoder& stream : streams_) bytes += stream.size();
  out.Reserve(bytes + (streams_.size() + 1) * 10);  // the streams and at most 10 bytes per varint
  out.PutVarint(streams_.size());
  for (const Encoder& stream : streams_) out.PutVarint(stream.size());
  for (const Encoder& stream : streams_) out.PutBytes(stream.view());
  return out.view();
}

bool SplitStreams(std::string_view data, std::size_t count, std::vector<Decoder>* streams) {
  Decoder in(data);
  if (in.GetVarint() != count || in.failed()) return false;
  std::vector<std::uint64_t> sizes(count);
  for (auto& size : sizes) size = in.GetVarint();
  streams->clear();
  for (const std::uint64_t size : sizes) {
    if (size > in.remaining()) return false;
    streams->emplace_back(in.GetBytes(static_cast<std::size_t>(size)));
  }
  return !in.failed() && in.empty();
}

// ---- Sections ----
std::uint64_t Checksum(std::string_view bytes) { return XXH64(bytes.data(), bytes.size(), 0); }

SectionEncoder::SectionEncoder(int zstd_level)
    : context_(zstd_level == kStoredRaw ? nullptr : ZSTD_createCCtx()), zstd_level_(zstd_level) {}
SectionEncoder::~SectionEncoder() { ZSTD_freeCCtx(context_); }

SectionHandle SectionEncoder::Encode(std::string_view raw, std::string_view* stored, Packing packing) {
  SectionHandle handle;
  handle.raw_bytes = raw.size();
  const std::size_t compressed = packing == Packing::kCompress ? Compress(raw) : 0;
  if (compressed > 0 && compressed < raw.size()) {
    *stored = {buffer_.get(), compressed};
    handle.codec = kCodecZstd;
  } else {
    *stored = raw;
    handle.codec = kCodecRaw;
  }
  handle.stored_bytes = stored->size();
  handle.checksum = Checksum(*stored);
  return handle;
}

std::size_t SectionEncoder::Compress(std::string_view raw) {
  if (context_ == nullptr) return 0;  // kStoredRaw, or zstd could not allocate: raw either way
  const std::size_t bound = ZSTD_compressBound(raw.size());
  if (buffer_bytes_ < bound) {
    buffer_ = std::make_unique_for_overwrite<char[]>(bound);
    buffer_bytes_ = bound;
  }
  const std::size_t compressed = ZSTD_compressCCtx(context_, buffer_.get(), bound, raw.data(), raw.size(), zstd_level_);
  return ZSTD_isError(compressed) ? 0 : compressed;
}

Status DecodeSection(const SectionHandle& handle, std::string* section) {
  const std::string_view stored = *section;
  if (stored.size() != handle.stored_bytes || Checksum(stored) != handle.checksum) {
    return Corruption("checksum mismatch in section at offset " + std::to_string(handle.offset));
  }
  if (handle.raw_bytes > kMaxSectionBytes) return Corruption("section too large");
  if (handle.codec == kCodecRaw) {
    if (handle.raw_bytes != stored.size()) return Corruption("raw section size mismatch");
    return Status::Ok();
  }
  if (handle.codec != kCodecZstd) return Corruption("unknown codec");
  std::string raw(handle.raw_bytes, '\0');
  const std::size_t size = ZSTD_decompress(raw.data(), raw.size(), stored.data(), stored.size());
  if (ZSTD_isError(size) || size != handle.raw_bytes) return Corruption("zstd: cannot decompress section");
  *section = std::move(raw);
  return Status::Ok();
}

std::string EncodeFooter(const Footer& footer) {
  Encoder out;
  out.PutFixed64(footer.directory_offset);
  out.PutFixed64(footer.directory_bytes);
  out.PutFixed64(footer.directory_checksum);
  const std::uint64_t version_and_check =
      footer.format_version | (Checksum(std::string(out.view()) + std::string(4, '\0')) & 0xffffffff00000000ULL);
  // The low half holds the version, the high half the checksum of the first 24 bytes (+4 zeros).
  out.PutFixed64(version_and_check);
  out.PutFixed64(kBlockMagic);
  return out.Take();
}

Status DecodeFooter(std::string_view bytes, Footer* footer) {
  if (bytes.size() != kFooterSize) return Corruption("file too short for a footer");
  Decoder in(bytes);
  footer->directory_offset = in.GetFixed64();
  footer->directory_bytes = in.GetFixed64();
  footer->directory_checksum = in.GetFixed64();
  const std::uint64_t version_and_check = in.GetFixed64();
  if (in.GetFixed64() != kBlockMagic) return Corruption("bad magic: not a block file or truncated");
  const std::string checked = std::string(bytes.substr(0, 24)) + std::string(4, '\0');
  if ((version_and_check & 0xffffffff00000000ULL) != (Checksum(checked) & 0xffffffff00000000ULL)) {
    return Corruption("footer checksum mismatch");
  }
  footer->format_version = static_cast<std::uint32_t>(version_and_check & 0xffffffff);
  if (footer->format_version != kFormatVersion) {
    return Corruption("unsupported format version " + std::to_string(footer->format_version));
  }
  return Status::Ok();
}

std::string EncodeDirectory(const std::vector<SectionHandle>& sections) {
  Encoder out;
  out.PutVarint(sections.size());
  for (const SectionHandle& s : sections) {
    out.PutVarint(s.offset);
    out.PutVarint(s.stored_bytes);
    out.PutVarint(s.raw_bytes);
    out.PutFixed64(s.checksum);
    out.PutByte(s.codec);
  }
  return out.Take();
}

Status DecodeDirectory(std::string_view bytes, std::uint64_t end, std::vector<SectionHandle>* sections) {
  Decoder in(bytes);
  const std::size_t count = in.GetCount();
  sections->assign(count, {});
  for (SectionHandle& s : *sections) {
    s.offset = in.GetVarint();
    s.stored_bytes = in.GetVarint();
    s.raw_bytes = in.GetVarint();
    s.checksum = in.GetFixed64();
    s.codec = in.GetByte();
    if (s.offset > end || s.stored_bytes > end - s.offset) return Corruption("section outside the file");
  }
  if (in.failed() || !in.empty() || count < kFirstIndexPage) return Corruption("malformed section directory");
  return Status::Ok();
}

// ---- Strings ----
namespace {

// The high and low halves of a 64 x 64-bit product folded together: every input bit reaches both
// the table index (low bits) and the slot's hash_high.
__extension__ using Uint128 = unsigned __int128;  // GCC's and Clang's; __extension__: not ISO C++
std::uint64_t Fold(std::uint64_t a, std::uint64_t b) {
  const Uint128 product = static_cast<Uint128>(a) * b;
  return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

std::uint32_t HashHigh(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }

}  // namespace

// Most keys and values are at most 16 bytes: two overlapping loads and one multiply, inline (the
// shape of XXH3's short-input path without its call and length dispatch); longer ones go to XXH3.
// Equal hashes only cost a comparison: the table compares texts.
std::uint64_t StringDictionaryBuilder::Hash(std::string_view text) {
  const char* p = text.data();
  const std::size_t size = text.size();
  if (size > 16) return XXH3_64bits(p, size);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (size >= 8) {
    first = Load<std::uint64_t>(p);
    last = Load<std::uint64_t>(p + size - 8);
  } else if (size >= 4) {
    first = Load<std::uint32_t>(p);
    last = Load<std::uint32_t>(p + size - 4);
  } else if (size > 0) {
    first = static_cast<std::uint8_t>(p[0]) | std::uint64_t{static_cast<std::uint8_t>(p[size / 2])} << 8 |
            std::uint64_t{static_cast<std::uint8_t>(p[size - 1])} << 16;
  }
  return Fold(first ^ 0x9e3779b97f4a7c15ULL, last ^ (0xc2b2ae3d27d4eb4fULL + size));
}

// Inline: every Add and PutRef probes once.
[[gnu::always_inline]] inline std::size_t StringDictionaryBuilder::Probe(std::string_view text, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t hash_high = HashHigh(hash);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot slot = slots_[i];
    if (slot.entry == 0) return i;
    if (slot.hash_high == hash_high) {
      const Entry& entry = entries_[slot.entry - 1];
      if (entry.hash == hash && SameText(entry.text, text)) return i;
    }
  }
}

void StringDictionaryBuilder::Grow() {
  slots_.assign(std::max<std::size_t>(64, slots_.size() * 2), Slot{});
  for (std::size_t index = 0; index < entries_.size(); ++index) {
    const std::uint64_t hash = entries_[index].hash;
    slots_[Probe(entries_[index].text, hash)] = {static_cast<std::uint32_t>(index + 1), HashHigh(hash)};
  }
}

std::uint32_t StringDictionaryBuilder::AddToTable(std::string_view text, std::uint64_t times) {
  if (2 * (entries_.size() + 1) > slots_.size()) Grow();
  const std::uint64_t hash = Hash(text);
  Slot& slot = slots_[Probe(text, hash)];
  if (slot.entry == 0) {
    entries_.push_back({.text = text, .hash = hash});
    slot = {static_cast<std::uint32_t>(entries_.size()), HashHigh(hash)};
  }
  entries_[slot.entry - 1].count += times;
  return slot.entry - 1;
}

const std::vector<std::string>& StringDictionaryBuilder::Build() {
  std::vector<Entry*> frequent;
  for (Entry& entry : entries_) {
    if (entry.count >= 2) frequent.push_back(&entry);
  }
  // Most frequent first; ties by text so a block's bytes do not depend on hash order.
  std::sort(frequent.begin(), frequent.end(),
            [](const Entry* a, const Entry* b) { return a->count != b->count ? a->count > b->count : a->text < b->text; });
  strings_.clear();
  strings_.reserve(frequent.size());
  for (Entry* entry : frequent) {
    entry->id = static_cast<std::uint32_t>(strings_.size());
    strings_.emplace_back(entry->text);
  }
  built_ = true;
  return strings_;
}

void StringDictionaryBuilder::Clear() {
  entries_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{});
  std::fill(recent_.begin(), recent_.end(), UINT32_MAX);
  built_ = false;
  strings_.clear();
}

void StringDictionaryBuilder::PutInline(Encoder& out, std::string_view text) {
  out.PutVarint(0);
  out.PutLengthPrefixed(text);
}

void StringDictionaryBuilder::PutRef(Encoder& out, std::string_view text) const {
  std::uint32_t entry = built_ ? recent_[RecentSlot(text)] : UINT32_MAX;
  if (entry >= entries_.size() || !SameText(entries_[entry].text, text)) {
    entry = built_ && !slots_.empty() ? slots_[Probe(text, Hash(text))].entry - 1 : UINT32_MAX;
  }
  if (entry < entries_.size()) {
    PutEntryRef(out, entries_[entry]);
  } else {
    PutInline(out, text);
  }
}

StringRef GetStringRef(Decoder& in, const std::vector<std::string>& dictionary) {
  const std::uint64_t ref = in.GetVarint();
  if (ref == 0) return {kInlineString, in.GetLengthPrefixed()};
  if (ref > dictionary.size()) {
    in.Fail();
    return {};
  }
  const auto id = static_cast<std::uint32_t>(ref - 1);
  return {id, dictionary[id]};
}

std::string EncodeStrings(const std::vector<std::string>& strings) {
  StreamSetWriter out(2);  // lengths, bytes
  out[0].PutVarint(strings.size());
  for (const std::string& text : strings) {
    out[0].PutVarint(text.size());
    out[1].PutBytes(text);
  }
  return out.Finish();
}

bool DecodeStrings(std::string_view data, std::vector<std::string>* strings) {
  std::vector<Decoder> in;
  if (!SplitStreams(data, 2, &in)) return false;
  const std::size_t count = in[0].GetCount();
  strings->clear();
  strings->reserve(count);
  for (std::size_t i = 0; i < count && !in[0].failed(); ++i) strings->emplace_back(in[1].GetBytes(in[0].GetVarint()));
  return !in[0].failed() && !in[1].failed() && in[0].empty() && in[1].empty();
}

// ---- Attributes ----
namespace {

template <typename Visit>
void ForEachAttributeString(const model::Attributes& attributes, Visit&& visit) {
  for (const model::Attribute& attribute : attributes) {
    visit(attribute.key);
    if (const auto* text = std::get_if<std::string>(&attribute.value)) visit(*text);
    if (const auto* texts = std::get_if<std::vector<std::string>>(&attribute.value)) {
      for (const std::string& text : *texts) visit(text);
    }
  }
}

}  // namespace

void PutAttributeValue(const model::AttributeValue& value, const StringDictionaryBuilder& strings, Encoder& out) {
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string> || std::is_arithmetic_v<V>) {
          PutScalar(v, strings, out);
        } else {
          out.PutVarint(v.size());
          for (const typename V::value_type& item : v) PutScalar(item, strings, out);
        }
      },
      value);
}

namespace {

template <typename T>
T GetScalar(Decoder& in, const std::vector<std::string>& strings) {
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string(GetStringRef(in, strings).text);
  } else if constexpr (std::is_same_v<T, bool>) {
    const std::uint8_t byte = in.GetByte();
    if (byte > 1) in.Fail();
    return byte == 1;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return in.GetSigned();
  } else {
    return std::bit_cast<double>(in.GetFixed64());
  }
}

template <typename T>
void GetArray(Decoder& in, const std::vector<std::string>& strings, model::AttributeValue& value) {
  auto& items = value.emplace<std::vector<T>>();
  const std::size_t count = in.GetCount();
  items.reserve(count);
  for (std::size_t i = 0; i < count && !in.failed(); ++i) items.push_back(GetScalar<T>(in, strings));
}

}  // namespace

void CountStrings(const model::Attributes& attributes, StringDictionaryBuilder& strings) {
  ForEachAttributeString(attributes, [&](std::string_view text) { strings.Count(text); });
}

void CountStrings(const model::Span& span, StringDictionaryBuilder& strings) {
  strings.Count(span.name);
  CountStrings(span.attributes, strings);
  if (!span.trace_state.empty()) strings.Count(span.trace_state);
  if (!span.status.message.empty()) strings.Count(span.status.message);
  for (const model::Event& event : span.events) {
    strings.Count(event.name);
    CountStrings(event.attributes, strings);
  }
  for (const model::Link& link : span.links) {
    if (!link.trace_state.empty()) strings.Count(link.trace_state);
    CountStrings(link.attributes, strings);
  }
}

void PutAttributes(const model::Attributes& attributes, const StringDictionaryBuilder& strings, Encoder& counts,
                   const AttributeStreams& out) {
  counts.PutVarint(attributes.size());
  for (const model::Attribute& attribute : attributes) {
    strings.PutRef(*out.keys, attribute.key);
    out.types->PutByte(static_cast<std::uint8_t>(attribute.value.index()));
    PutAttributeValue(attribute.value, strings, *out.values);
  }
}

bool GetAttributeValue(std::uint8_t type, const std::vector<std::string>& strings, Decoder& values,
                       model::AttributeValue& value) {
  switch (static_cast<model::AttributeType>(type)) {
    case model::AttributeType::kString: {
      const StringRef text = GetStringRef(values, strings);
      if (auto* existing = std::get_if<std::string>(&value)) {
        existing->assign(text.text);  // keeps the buffer of a recycled value
      } else {
        value = std::string(text.text);
      }
      break;
    }
    case model::AttributeType::kBool: value = GetScalar<bool>(values, strings); break;
    case model::AttributeType::kInt: value = GetScalar<std::int64_t>(values, strings); break;
    case model::AttributeType::kDouble: value = GetScalar<double>(values, strings); break;
    case model::AttributeType::kStringArray: GetArray<std::string>(values, strings, value); break;
    case model::AttributeType::kBoolArray: GetArray<bool>(values, strings, value); break;
    case model::AttributeType::kIntArray: GetArray<std::int64_t>(values, strings, value); break;
    case model::AttributeType::kDoubleArray: GetArray<double>(values, strings, value); break;
    default: values.Fail(); return false;
  }
  return !values.failed();
}

void SkipStringRef(Decoder& in) {
  if (in.GetVarint() == 0) in.GetLengthPrefixed();
}

namespace {

void SkipScalar(model::AttributeType type, Decoder& values) {
  switch (type) {
    case model::AttributeType::kString:
    case model::AttributeType::kStringArray: SkipStringRef(values); break;
    case model::AttributeType::kBool:
    case model::AttributeType::kBoolArray: values.GetByte(); break;
    case model::AttributeType::kInt:
    case model::AttributeType::kIntArray: values.GetVarint(); break;
    default: values.GetBytes(8); break;
  }
}

}  // namespace

bool SkipAttributes(std::size_t count, const AttributeDecoders& in) {
  for (std::size_t i = 0; i < count; ++i) {
    SkipStringRef(*in.keys);
    const auto type = static_cast<model::AttributeType>(in.types->GetByte());
    switch (type) {
      case model::AttributeType::kString:
      case model::AttributeType::kBool:
      case model::AttributeType::kInt:
      case model::AttributeType::kDouble: SkipScalar(type, *in.values); break;
      case model::AttributeType::kStringArray:
      case model::AttributeType::kBoolArray:
      case model::AttributeType::kIntArray:
      case model::AttributeType::kDoubleArray:
        for (std::size_t item = 0, items = in.values->GetCount(); item < items; ++item) SkipScalar(type, *in.values);
        break;
      default: in.values->Fail(); return false;
    }
  }
  return !in.keys->failed() && !in.types->failed() && !in.values->failed();
}

bool GetAttributes(std::size_t count, const std::vector<std::string>& strings, const AttributeDecoders& in,
                   model::Attributes& attributes) {
  for (std::size_t i = 0; i < count; ++i) {
    model::Attribute& attribute = attributes.emplace_slot();
    const StringRef key = GetStringRef(*in.keys, strings);
    attribute.key.assign(key.text);
    if (!GetAttributeValue(in.types->GetByte(), strings, *in.values, attribute.value) || in.keys->failed()) {
      return false;
    }
  }
  return !in.types->failed();
}

// ---- Resources and scopes ----
namespace {

// Streams of the resources and scopes sections.
enum EnvelopeStream : std::size_t { kCounts, kKeys, kTypes, kValues, kScalars, kEnvelopeStreams };

AttributeStreams AttributeOut(StreamSetWriter& out) { return {&out[kKeys], &out[kTypes], &out[kValues]}; }
AttributeDecoders AttributeIn(std::vector<Decoder>& in) { return {&in[kKeys], &in[kTypes], &in[kValues]}; }

bool ReadAttributes(std::vector<Decoder>& in, const std::vector<std::string>& strings, model::Attributes& attributes) {
  const std::size_t count = in[kCounts].GetCount(in[kTypes]);
  return !in[kCounts].failed() && GetAttributes(count, strings, AttributeIn(in), attributes);
}

template <typename Entry, typename Write>
std::string EncodeEntries(const std::vector<Entry>& entries, Write&& write) {
  StreamSetWriter out(kEnvelopeStreams);
  out[kScalars].PutVarint(entries.size());
  for (const Entry& entry : entries) write(entry, out);
  return out.Finish();
}

template <typename Entry, typename Read>
bool DecodeEntries(std::string_view data, std::vector<Entry>* entries, Read&& read) {
  std::vector<Decoder> in;
  if (!SplitStreams(data, kEnvelopeStreams, &in)) return false;
  const std::size_t count = in[kScalars].GetCount();
  entries->assign(count, {});
  for (Entry& entry : *entries) {
    if (!read(entry, in)) return false;
  }
  for (const Decoder& stream : in) {
    if (stream.failed() || !stream.empty()) return false;
  }
  return true;
}

}  // namespace

std::string EncodeResources(const std::vector<ResourceEntry>& resources, const StringDictionaryBuilder& strings) {
  return EncodeEntries(resources, [&](const ResourceEntry& entry, StreamSetWriter& out) {
    PutAttributes(entry.resource.attributes, strings, out[kCounts], AttributeOut(out));
    out[kScalars].PutVarint(entry.resource.dropped_attributes_count);
    strings.PutRef(out[kScalars], entry.schema_url);
  });
}

bool DecodeResources(std::string_view data, const std::vector<std::string>& strings,
                     std::vector<ResourceEntry>* resources) {
  return DecodeEntries(data, resources, [&](ResourceEntry& entry, std::vector<Decoder>& in) {
    if (!ReadAttributes(in, strings, entry.resource.attributes)) return false;
    entry.resource.dropped_attributes_count = in[kScalars].GetVarint32();
    entry.schema_url = GetStringRef(in[kScalars], strings).text;
    return !in[kScalars].failed();
  });
}

std::string EncodeScopes(const std::vector<ScopeEntry>& scopes, const StringDictionaryBuilder& strings) {
  return EncodeEntries(scopes, [&](const ScopeEntry& entry, StreamSetWriter& out) {
    PutAttributes(entry.scope.attributes, strings, out[kCounts], AttributeOut(out));
    strings.PutRef(out[kScalars], entry.scope.name);
    strings.PutRef(out[kScalars], entry.scope.version);
    out[kScalars].PutVarint(entry.scope.dropped_attributes_count);
    strings.PutRef(out[kScalars], entry.schema_url);
  });
}

bool DecodeScopes(std::string_view data, const std::vector<std::string>& strings, std::vector<ScopeEntry>* scopes) {
  return DecodeEntries(data, scopes, [&](ScopeEntry& entry, std::vector<Decoder>& in) {
    if (!ReadAttributes(in, strings, entry.scope.attributes)) return false;
    entry.scope.name = GetStringRef(in[kScalars], strings).text;
    entry.scope.version = GetStringRef(in[kScalars], strings).text;
    entry.scope.dropped_attributes_count = in[kScalars].GetVarint32();
    entry.schema_url = GetStringRef(in[kScalars], strings).text;
    return !in[kScalars].failed();
  });
}

// ---- Meta ----
std::string EncodeMeta(const MetaSection& meta) {
  Encoder out;
  const BlockMeta& m = meta.meta;
  for (const std::uint64_t value : {std::uint64_t{m.format_version}, m.span_count, m.trace_count, m.min_start_unix_nano,
                                    m.max_start_unix_nano, m.max_end_unix_nano, m.span_data_bytes, m.index_bytes,
                                    m.summary_bytes, m.dictionary_bytes}) {
    out.PutVarint(value);
  }
  out.PutVarint(meta.services.size());
  for (const std::string& service : meta.services) out.PutLengthPrefixed(service);
  out.PutVarint(meta.operations.size());
  for (const OperationEntry& entry : meta.operations) {
    out.PutVarint(entry.service);
    out.PutLengthPrefixed(entry.operation.name);
    out.PutByte(static_cast<std::uint8_t>(entry.operation.kind));
  }
  out.PutVarint(meta.dependencies.size());
  for (const DependencyLink& link : meta.dependencies) {
    out.PutLengthPrefixed(link.parent);
    out.PutLengthPrefixed(link.child);
    out.PutVarint(link.call_count);
    out.PutVarint(link.error_count);
  }
  out.PutVarint(meta.index_pages.size());
  for (const IndexPageInfo& page : meta.index_pages) {
    out.PutId(page.first_trace);
    out.PutVarint(page.trace_count);
  }
  out.PutVarint(meta.row_groups.size());
  for (const RowGroupInfo& group : meta.row_groups) {
    out.PutVarint(group.trace_count);
    out.PutVarint(group.span_count);
    out.PutVarint(group.min_start);
    out.PutVarint(group.max_start);
    out.PutVarint(group.latest_trace_start);
  }
  if (m.stored_raw) out.PutVarint(kStoredRawFlag);
  return out.Take();
}

Status DecodeMeta(std::string_view data, std::size_t section_count, MetaSection* meta) {
  Decoder in(data);
  BlockMeta& m = meta->meta;
  m.format_version = in.GetVarint32();
  for (std::uint64_t* value : {&m.span_count, &m.trace_count, &m.min_start_unix_nano, &m.max_start_unix_nano,
                               &m.max_end_unix_nano, &m.span_data_bytes, &m.index_bytes, &m.summary_bytes,
                               &m.dictionary_bytes}) {
    *value = in.GetVarint();
  }
  meta->services.resize(in.GetCount());
  for (std::string& service : meta->services) service = in.GetLengthPrefixed();
  meta->operations.resize(in.GetCount());
  for (OperationEntry& entry : meta->operations) {
    entry.service = in.GetVarint32();
    entry.operation.name = in.GetLengthPrefixed();
    entry.operation.kind = static_cast<model::SpanKind>(in.GetByte());
    if (entry.service >= meta->services.size()) in.Fail();
  }
  meta->dependencies.resize(in.GetCount());
  for (DependencyLink& link : meta->dependencies) {
    link.parent = in.GetLengthPrefixed();
    link.child = in.GetLengthPrefixed();
    link.call_count = in.GetVarint();
    link.error_count = in.GetVarint();
  }
  meta->index_pages.resize(in.GetCount());
  std::uint64_t indexed_traces = 0;
  for (IndexPageInfo& page : meta->index_pages) {
    page.first_trace = in.GetId<16>();
    page.trace_count = in.GetVarint32();
    indexed_traces += page.trace_count;
  }
  meta->row_groups.resize(in.GetCount());
  std::uint64_t grouped_traces = 0;
  std::uint64_t grouped_spans = 0;
  for (RowGroupInfo& group : meta->row_groups) {
    group.first_trace = grouped_traces;
    group.trace_count = in.GetVarint32();
    group.span_count = in.GetVarint32();
    group.min_start = in.GetVarint();
    group.max_start = in.GetVarint();
    group.latest_trace_start = in.GetVarint();
    grouped_traces += group.trace_count;
    grouped_spans += group.span_count;
  }
  const std::uint64_t flags = in.empty() ? 0 : in.GetVarint();
  if ((flags & ~kStoredRawFlag) != 0) in.Fail();
  m.stored_raw = (flags & kStoredRawFlag) != 0;
  if (in.failed() || !in.empty()) return Corruption("malformed meta section");
  if (indexed_traces != m.trace_count || grouped_traces != m.trace_count || grouped_spans != m.span_count ||
      kFirstIndexPage + meta->index_pages.size() + meta->row_groups.size() * kColumnCount != section_count) {
    return Corruption("meta section disagrees with the section directory");
  }
  return Status::Ok();
}

namespace {

// Streams of a row group's traces column.
enum TraceStream : std::size_t {
  kTraceIds, kTraceSpanCounts, kTraceStarts, kTraceDurations, kTraceErrorCounts, kTraceRoots, kTraceServices, kTraceStreams
};

}  // namespace

std::string EncodeTraceRows(const TraceRow* rows, std::size_t count, std::uint64_t base_start,
                            const StringDictionaryBuilder& strings) {
  StreamSetWriter out(kTraceStreams);
  out[kTraceSpanCounts].PutVarint(count);
  std::uint64_t previous_start = base_start;
  for (const TraceRow* row = rows; row != rows + count; ++row) {
    out[kTraceIds].PutId(row->trace_id);
    out[kTraceSpanCounts].PutVarint(row->span_count);
    out[kTraceStarts].PutVarint(row->start - previous_start);
    previous_start = row->start;
    out[kTraceDurations].PutVarint(row->duration);
    out[kTraceErrorCounts].PutVarint(row->error_count);
    out[kTraceRoots].PutVarint(row->root_service);
    strings.PutRef(out[kTraceRoots], row->root_name);
    out[kTraceRoots].PutByte(row->root_found ? 1 : 0);
    out[kTraceServices].PutVarint(row->services.size());
    for (const std::uint32_t service : row->services) out[kTraceServices].PutVarint(service);
  }
  return out.Finish();
}

bool DecodeTraceRows(std::string_view data, std::uint64_t base_start, std::size_t service_count,
                     const std::vector<std::string>& strings, std::vector<TraceRow>* rows) {
  std::vector<Decoder> in;
  if (!SplitStreams(data, kTraceStreams, &in)) return false;
  rows->resize(in[kTraceSpanCounts].GetCount(in[kTraceIds]));
  std::uint64_t previous_start = base_start;
  for (TraceRow& row : *rows) {
    row.trace_id = in[kTraceIds].GetId<16>();
    row.span_count = in[kTraceSpanCounts].GetVarint32();
    row.start = previous_start + in[kTraceStarts].GetVarint();
    previous_start = row.start;
    row.duration = in[kTraceDurations].GetVarint();
    row.error_count = in[kTraceErrorCounts].GetVarint32();
    row.root_service = in[kTraceRoots].GetVarint32();
    row.root_name = GetStringRef(in[kTraceRoots], strings).text;
    row.root_found = in[kTraceRoots].GetByte() != 0;
    row.services.resize(in[kTraceServices].GetCount());
    for (std::uint32_t& service : row.services) {
      service = in[kTraceServices].GetVarint32();
      if (service >= service_count) in[kTraceServices].Fail();
    }
    if (row.root_service >= service_count || row.span_count == 0) return false;
  }
  return std::all_of(in.begin(), in.end(), [](const Decoder& d) { return !d.failed() && d.empty(); });
}

std::string_view ServiceOf(const model::Resource& resource) {
  const auto* value = model::FindAttribute(resource.attributes, model::kServiceNameKey);
  const auto* text = value ? std::get_if<std::string>(value) : nullptr;
  return text ? std::string_view(*text) : std::string_view();
}

}  // namespace hoptrace::store::block
