#include "rpc_status.h"

#include <cstdint>

namespace hoptrace::collector::internal {
namespace {

constexpr int kVarint = 0;
constexpr int kLengthDelimited = 2;

void AppendVarint(std::uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void AppendTag(int field, int wire_type, std::string* out) {
  AppendVarint(static_cast<std::uint64_t>(field << 3 | wire_type), out);
}

void AppendVarintField(int field, std::uint64_t value, std::string* out) {
  AppendTag(field, kVarint, out);
  AppendVarint(value, out);
}

void AppendBytesField(int field, std::string_view bytes, std::string* out) {
  AppendTag(field, kLengthDelimited, out);
  AppendVarint(bytes.size(), out);
  out->append(bytes);
}

// Any{type_url, value = RetryInfo{retry_delay = Duration{seconds}}}.
std::string RetryInfoDetail(std::chrono::seconds delay) {
  std::string duration;
  AppendVarintField(1, static_cast<std::uint64_t>(delay.count()), &duration);
  std::string retry_info;
  AppendBytesField(1, duration, &retry_info);
  std::string any;
  AppendBytesField(1, "type.googleapis.com/google.rpc.RetryInfo", &any);
  AppendBytesField(2, retry_info, &any);
  return any;
}

}  // namespace

std::string EncodeRpcStatus(int code, std::string_view message, std::optional<std::chrono::seconds> retry_delay) {
  std::string out;
  if (code != 0) AppendVarintField(1, static_cast<std::uint64_t>(code), &out);
  if (!message.empty()) AppendBytesField(2, message, &out);
  if (retry_delay) AppendBytesField(3, RetryInfoDetail(*retry_delay), &out);
  return out;
}

}  // namespace hoptrace::collector::internal
