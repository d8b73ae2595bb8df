#pragma once
// TextMapCarrier adapters: over standard header containers and over a pair of callbacks (for
// framework header types such as Boost.Beast's, or message-queue headers).

#include <algorithm>
#include <concepts>
#include <functional>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "hoptrace/sdk/propagation/text_map.h"

namespace hoptrace::sdk {

// HTTP header names are case-insensitive (RFC 9110); message-queue header keys usually are not.
enum class KeyMatch { kCaseInsensitive, kExact };

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

namespace carrier_detail {

template <typename C>
concept MapContainer = requires(std::remove_const_t<C>& map) {
  typename C::key_type;
  typename C::mapped_type;
  map.insert_or_assign(std::string(), std::string());
};

// Values of repeated keys joined with ',', as HTTP combines repeated header fields.
class JoinedValue {
 public:
  void Add(std::string_view value) {
    if (count_++ == 0) {
      first_ = value;
      return;
    }
    if (count_ == 2) joined_.assign(first_);
    joined_.append(1, ',').append(value);
  }
  std::optional<std::string_view> Result() const {
    if (count_ == 0) return std::nullopt;
    return count_ == 1 ? first_ : std::string_view(joined_);
  }

 private:
  std::size_t count_ = 0;
  std::string_view first_;
  std::string joined_;
};

}  // namespace carrier_detail

// Reads and writes a header container: std::map / std::unordered_map of strings, or a
// std::vector<std::pair<std::string, std::string>>. Over a const container it is read-only
// (for Extract) and Set does nothing.
//
// Get returns a view into the container (or into the carrier, for repeated keys of a vector,
// joined with ','), valid until the container or the carrier changes. Maps are looked up by exact
// key first; case variants are searched only when that misses.
template <typename Container>
class HeaderCarrier final : public TextMapCarrier {
 public:
  explicit HeaderCarrier(Container& headers, KeyMatch match = KeyMatch::kCaseInsensitive)
      : headers_(&headers), match_(match) {}

  std::optional<std::string_view> Get(std::string_view key) const override {
    if constexpr (carrier_detail::MapContainer<Container>) {
      if (auto it = FindExact(key); it != headers_->end()) return std::string_view(it->second);
      if (match_ == KeyMatch::kExact) return std::nullopt;
    }
    carrier_detail::JoinedValue value;
    for (const auto& [name, header_value] : *headers_) {
      if (Matches(name, key)) value.Add(header_value);
    }
    joined_ = std::move(value);
    return joined_.Result();
  }

  // Replaces every existing value of `key`. The value of an entry with exactly this key is
  // overwritten in place, so a carrier injected into again reuses its buffer; case variants go.
  void Set(std::string_view key, std::string_view value) override {
    if constexpr (!std::is_const_v<Container>) {
      if (match_ == KeyMatch::kCaseInsensitive) {
        EraseIf([&](std::string_view name) { return name != key && Matches(name, key); });
      }
      if constexpr (carrier_detail::MapContainer<Container>) {
        if (auto it = FindExact(key); it != headers_->end()) {
          it->second.assign(value);
        } else {
          headers_->emplace(std::string(key), std::string(value));
        }
      } else {
        bool assigned = false;
        EraseIf([&](std::string_view name) { return name == key && std::exchange(assigned, true); });
        auto it = std::find_if(headers_->begin(), headers_->end(), [&](const auto& entry) { return entry.first == key; });
        if (it != headers_->end()) {
          it->second.assign(value);
        } else {
          headers_->emplace_back(std::string(key), std::string(value));
        }
      }
    }
  }

 private:
  bool Matches(std::string_view name, std::string_view key) const {
    return match_ == KeyMatch::kExact ? name == key : EqualsIgnoreCase(name, key);
  }

  // One loop for maps and vectors alike (std::erase_if would need each container's header here).
  template <typename Predicate>
  void EraseIf(Predicate name_matches) {
    for (auto it = headers_->begin(); it != headers_->end();) {
      it = name_matches(it->first) ? headers_->erase(it) : std::next(it);
    }
  }

  auto FindExact(std::string_view key) const {
    // Heterogeneous lookup when the container supports it; otherwise a short key fits the
    // string's inline buffer and costs no allocation.
    if constexpr (requires { headers_->find(key); }) {
      return headers_->find(key);
    } else {
      return headers_->find(std::string(key));
    }
  }

  Container* headers_;
  KeyMatch match_;
  mutable carrier_detail::JoinedValue joined_;
};

// Delegates to callbacks; either may be empty (Get then finds nothing, Set does nothing).
// For Boost.Beast: FunctionCarrier({}, [&](auto key, auto value) { request.set(key, value); }).
class FunctionCarrier final : public TextMapCarrier {
 public:
  using Getter = std::function<std::optional<std::string_view>(std::string_view key)>;
  using Setter = std::function<void(std::string_view key, std::string_view value)>;

  FunctionCarrier(Getter getter, Setter setter) : getter_(std::move(getter)), setter_(std::move(setter)) {}

  std::optional<std::string_view> Get(std::string_view key) const override {
    return getter_ ? getter_(key) : std::nullopt;
  }
  void Set(std::string_view key, std::string_view value) override {
    if (setter_) setter_(key, value);
  }

 private:
  Getter getter_;
  Setter setter_;
};

}  // namespace hoptrace::sdk
