#include "hoptrace/http/router.h"

#include <optional>
#include <stdexcept>

#include "hoptrace/http/url.h"

namespace hoptrace::http {
namespace {

// Ordered by how specific a segment is: a lower rank wins.
enum class SegmentKind { kLiteral = 0, kParam = 1, kRest = 2 };

struct Segment {
  SegmentKind kind;
  std::string text;  // the literal, or the parameter's name
};

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  while (true) {
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (segments.size() == 1 && segments[0].empty()) segments.clear();  // "/" itself
  return segments;
}

std::vector<Segment> ParsePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') throw std::invalid_argument("route pattern must start with '/'");
  std::vector<Segment> segments;
  const std::vector<std::string_view> parts = SplitPath(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part == "*") {
      if (i + 1 != parts.size()) throw std::invalid_argument("'*' must be the last segment of a route pattern");
      segments.push_back({SegmentKind::kRest, "*"});
    } else if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      if (part.size() == 2) throw std::invalid_argument("route parameter needs a name: " + std::string(pattern));
      segments.push_back({SegmentKind::kParam, std::string(part.substr(1, part.size() - 2))});
    } else {
      segments.push_back({SegmentKind::kLiteral, std::string(part)});
    }
  }
  return segments;
}

// The tail of `path` after its first `count` segments (without the separating '/').
std::string_view RestOfPath(std::string_view path, std::size_t count) {
  std::size_t position = 1;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t slash = path.find('/', position);
    if (slash == std::string_view::npos) return {};
    position = slash + 1;
  }
  return position <= path.size() ? path.substr(position) : std::string_view();
}

}  // namespace

struct Router::Route {
  std::string method;
  std::string pattern;
  std::vector<Segment> segments;
  Handler handler;

  // The rank of each matched segment (lower is more specific); nullopt when the path does not match.
  std::optional<std::vector<int>> MatchRanks(const std::vector<std::string_view>& parts) const {
    std::vector<int> ranks;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const Segment& segment = segments[i];
      if (segment.kind == SegmentKind::kRest) {
        ranks.push_back(static_cast<int>(SegmentKind::kRest));
        return ranks;
      }
      if (i >= parts.size()) return std::nullopt;
      if (segment.kind == SegmentKind::kLiteral && parts[i] != segment.text) return std::nullopt;
      if (segment.kind == SegmentKind::kParam && parts[i].empty()) return std::nullopt;
      ranks.push_back(static_cast<int>(segment.kind));
    }
    if (parts.size() != segments.size()) return std::nullopt;
    return ranks;
  }
};

Router::Router() = default;
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

Router& Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  auto route = std::make_unique<Route>();
  route->method = std::string(method);
  route->pattern = std::string(pattern);
  route->segments = ParsePattern(pattern);
  route->handler = std::move(handler);
  routes_.push_back(std::move(route));
  return *this;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  const std::vector<std::string_view> parts = SplitPath(path);
  Match match;
  const Route* best = nullptr;
  std::vector<int> best_ranks;
  for (const auto& route : routes_) {
    std::optional<std::vector<int>> ranks = route->MatchRanks(parts);
    if (!ranks) continue;
    if (route->method != method) {
      if (match.allow.find(route->method) == std::string::npos) {
        match.allow += (match.allow.empty() ? "" : ", ") + route->method;
      }
      continue;
    }
    if (best == nullptr || *ranks < best_ranks) {
      best = route.get();
      best_ranks = std::move(*ranks);
    }
  }
  if (best == nullptr) {
    match.kind = match.allow.empty() ? Match::Kind::kNotFound : Match::Kind::kMethodNotAllowed;
    return match;
  }
  match.allow.clear();
  for (std::size_t i = 0; i < best->segments.size(); ++i) {
    const Segment& segment = best->segments[i];
    if (segment.kind == SegmentKind::kLiteral) continue;
    const std::string_view raw = segment.kind == SegmentKind::kRest ? RestOfPath(path, i) : parts[i];
    std::optional<std::string> value = PercentDecode(raw);
    if (!value) {
      match.kind = Match::Kind::kBadPath;
      return match;
    }
    match.params.emplace_back(segment.text, std::move(*value));
  }
  match.kind = Match::Kind::kFound;
  match.handler = &best->handler;
  match.pattern = best->pattern;
  return match;
}

}  // namespace hoptrace::http
