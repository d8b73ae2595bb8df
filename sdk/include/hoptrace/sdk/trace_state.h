#pragma once
// W3C `tracestate`: an ordered list of vendor key=value members, immutable and cheap to copy
// (an empty state holds no allocation; a non-empty one shares its storage).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hoptrace::sdk {

class TraceState {
 public:
  static constexpr std::size_t kMaxMembers = 32;
  static constexpr std::size_t kMaxKeyLength = 256;
  static constexpr std::size_t kMaxValueLength = 256;
  static constexpr std::size_t kMaxHeaderLength = 512;  // longest header we emit

  TraceState() = default;

  // Parses a `tracestate` header value (several header lines joined with ','). Invalid input
  // (a bad key or value, a duplicate key, more than 32 members) yields nullopt: the spec says to
  // discard the whole tracestate then.
  static std::optional<TraceState> Parse(std::string_view header);
  static bool IsValidKey(std::string_view key);
  static bool IsValidValue(std::string_view value);

  bool empty() const { return !members_ || members_->empty(); }
  std::size_t size() const { return members_ ? members_->size() : 0; }
  std::optional<std::string_view> Get(std::string_view key) const;
  // A copy with key=value moved to the front (the spec's "update": newest first). Invalid key or value:
  // the state is returned unchanged.
  TraceState Set(std::string_view key, std::string_view value) const;
  TraceState Remove(std::string_view key) const;
  const std::vector<std::pair<std::string, std::string>>& members() const;

  // The header value, truncated to kMaxHeaderLength by dropping whole members from the end
  // (longest-first for members over 128 characters, as the spec suggests).
  std::string ToHeader() const;

  friend bool operator==(const TraceState& a, const TraceState& b) { return a.members() == b.members(); }

 private:
  using Members = std::vector<std::pair<std::string, std::string>>;
  explicit TraceState(Members members);
  std::shared_ptr<const Members> members_;
};

}  // namespace hoptrace::sdk
