#include "hoptrace/sdk/trace_state.h"

#include <algorithm>

namespace hoptrace::sdk {
namespace {

// W3C Trace Context, "tracestate" header grammar.
constexpr std::size_t kMaxTenantIdLength = 241;
constexpr std::size_t kMaxSystemIdLength = 14;
// Members longer than this are the first to go when the header must be shortened.
constexpr std::size_t kLongMemberLength = 128;

bool IsLowerAlpha(char c) {
  return c >= 'a' && c <= 'z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsKeyChar(char c) {
  return IsLowerAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}
bool IsOptionalWhitespace(char c) {
  return c == ' ' || c == '\t';
}

bool AllKeyChars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), IsKeyChar);
}

// simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
bool IsValidSimpleKey(std::string_view key) {
  return !key.empty() && key.size() <= TraceState::kMaxKeyLength && IsLowerAlpha(key[0]) && AllKeyChars(key);
}

// multi-tenant-key = tenant-id "@" system-id
// tenant-id = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// system-id = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
bool IsValidMultiTenantKey(std::string_view key, std::size_t at) {
  const std::string_view tenant = key.substr(0, at);
  const std::string_view system = key.substr(at + 1);
  const bool tenant_ok = !tenant.empty() && tenant.size() <= kMaxTenantIdLength &&
                         (IsLowerAlpha(tenant[0]) || IsDigit(tenant[0])) && AllKeyChars(tenant);
  const bool system_ok = !system.empty() && system.size() <= kMaxSystemIdLength && IsLowerAlpha(system[0]) &&
                         AllKeyChars(system);
  return tenant_ok && system_ok;
}

std::string_view TrimOptionalWhitespace(std::string_view text) {
  while (!text.empty() && IsOptionalWhitespace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsOptionalWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

std::size_t MemberLength(const std::pair<std::string, std::string>& member) {
  return member.first.size() + 1 + member.second.size();
}

// Length of the joined header: members plus the commas between them.
std::size_t HeaderLength(const std::vector<std::pair<std::string, std::string>>& members) {
  std::size_t length = members.empty() ? 0 : members.size() - 1;
  for (const auto& member : members) length += MemberLength(member);
  return length;
}

// Drops members until the header fits: first those over 128 characters, longest first (the
// rightmost among equals), then from the end.
void TruncateToHeaderLimit(std::vector<std::pair<std::string, std::string>>& members) {
  std::size_t length = HeaderLength(members);
  auto drop = [&](std::vector<std::pair<std::string, std::string>>::iterator it) {
    length -= MemberLength(*it) + (members.size() > 1 ? 1 : 0);
    members.erase(it);
  };
  while (length > TraceState::kMaxHeaderLength) {
    auto longest = members.end();
    for (auto it = members.begin(); it != members.end(); ++it) {
      if (MemberLength(*it) > kLongMemberLength &&
          (longest == members.end() || MemberLength(*it) >= MemberLength(*longest))) {
        longest = it;
      }
    }
    if (longest == members.end()) break;
    drop(longest);
  }
  while (length > TraceState::kMaxHeaderLength) drop(members.end() - 1);
}

}  // namespace

TraceState::TraceState(Members members)
    : members_(members.empty() ? nullptr : std::make_shared<const Members>(std::move(members))) {}

bool TraceState::IsValidKey(std::string_view key) {
  const std::size_t at = key.find('@');
  return at == std::string_view::npos ? IsValidSimpleKey(key) : IsValidMultiTenantKey(key, at);
}

// value = 0*255(chr) nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E; chr = %x20 / nblk-chr
bool TraceState::IsValidValue(std::string_view value) {
  if (value.empty() || value.size() > kMaxValueLength || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e && c != ',' && c != '='; });
}

std::optional<TraceState> TraceState::Parse(std::string_view header) {
  Members members;
  while (true) {
    const std::size_t comma = header.find(',');
    // Empty members (",,", leading or trailing commas) are allowed and carry nothing.
    const std::string_view member = TrimOptionalWhitespace(header.substr(0, comma));
    if (!member.empty()) {
      const std::size_t equals = member.find('=');
      if (equals == std::string_view::npos) return std::nullopt;
      const std::string_view key = member.substr(0, equals);
      const std::string_view value = member.substr(equals + 1);
      if (!IsValidKey(key) || !IsValidValue(value)) return std::nullopt;
      if (members.size() == kMaxMembers) return std::nullopt;
      const bool duplicate = std::any_of(members.begin(), members.end(),
                                         [&](const auto& existing) { return existing.first == key; });
      if (duplicate) return std::nullopt;
      members.emplace_back(key, value);
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return TraceState(std::move(members));
}

std::optional<std::string_view> TraceState::Get(std::string_view key) const {
  for (const auto& [member_key, value] : members()) {
    if (member_key == key) return std::string_view(value);
  }
  return std::nullopt;
}

TraceState TraceState::Set(std::string_view key, std::string_view value) const {
  if (!IsValidKey(key) || !IsValidValue(value)) return *this;
  Members updated;
  updated.reserve(std::min(size() + 1, kMaxMembers));
  updated.emplace_back(key, value);
  for (const auto& member : members()) {
    // The spec: adding beyond 32 members drops the rightmost one.
    if (member.first != key && updated.size() < kMaxMembers) updated.push_back(member);
  }
  return TraceState(std::move(updated));
}

TraceState TraceState::Remove(std::string_view key) const {
  if (!Get(key)) return *this;
  Members remaining;
  remaining.reserve(size() - 1);
  for (const auto& member : members()) {
    if (member.first != key) remaining.push_back(member);
  }
  return TraceState(std::move(remaining));
}

const std::vector<std::pair<std::string, std::string>>& TraceState::members() const {
  static const Members kNoMembers;
  return members_ ? *members_ : kNoMembers;
}

std::string TraceState::ToHeader() const {
  if (empty()) return {};
  const Members* source = members_.get();
  Members truncated;
  if (HeaderLength(*members_) > kMaxHeaderLength) {
    truncated = *members_;
    TruncateToHeaderLimit(truncated);
    source = &truncated;
  }
  std::string header;
  header.reserve(HeaderLength(*source));
  for (const auto& [key, value] : *source) {
    if (!header.empty()) header += ',';
    header.append(key).append(1, '=').append(value);
  }
  return header;
}

}  // namespace hoptrace::sdk
