#include "engine/head.h"

#include <algorithm>
#include <mutex>

#include "engine/trace_summary.h"

namespace hoptrace::store::engine {
namespace {

std::size_t ApproximateBytes(const model::Attributes& attributes) {
  std::size_t bytes = 0;
  for (const model::Attribute& attribute : attributes) {
    bytes += sizeof(model::Attribute) + attribute.key.size();
    if (const auto* text = std::get_if<std::string>(&attribute.value)) bytes += text->size();
  }
  return bytes;
}

// Memory a span holds in the head, for the head's byte limit.
std::size_t ApproximateBytes(const model::Span& span) {
  std::size_t bytes = sizeof(HeadSpan) + 32 /* span_ids entry */ + span.name.size() + span.trace_state.size() +
                      span.status.message.size() + ApproximateBytes(span.attributes);
  for (const model::Event& event : span.events) bytes += sizeof(event) + event.name.size() + ApproximateBytes(event.attributes);
  for (const model::Link& link : span.links) bytes += sizeof(link) + link.trace_state.size() + ApproximateBytes(link.attributes);
  return bytes;
}

// Calls visit(const HeadSpan&) once per span ID over the parts of one trace.
template <typename Visit>
void ForEachDistinctSpan(const std::vector<const HeadTrace*>& parts, const Visit& visit) {
  if (parts.size() == 1) {
    for (const HeadSpan& span : parts[0]->spans) visit(span);
    return;
  }
  std::unordered_set<model::SpanId, model::IdHash> seen;
  for (const HeadTrace* part : parts) {
    for (const HeadSpan& span : part->spans) {
      if (seen.insert(span.span.span_id).second) visit(span);
    }
  }
}

// The summary of a trace's head spans; with a filter, nullopt unless a span matches inside the range.
std::optional<block::TraceHit> SummarizeParts(const model::TraceId& trace_id, const std::vector<const HeadTrace*>& parts,
                                              const SearchRequest* request) {
  SummaryBuilder builder(trace_id);
  bool matched = false;
  ForEachDistinctSpan(parts, [&](const HeadSpan& head_span) {
    builder.Add(head_span.span, head_span.origin->service);
    if (request && request->range.Contains(head_span.span.start_time_unix_nano) &&
        Matches(*request->filter, head_span.span, head_span.origin->resource.resource)) {
      builder.AddMatch(head_span.span.span_id);
      matched = true;
    }
  });
  if (builder.span_count() == 0 || (request && !matched)) return std::nullopt;
  return std::move(builder).Finish();
}

}  // namespace

void Head::Add(const model::TraceBatch& batch, std::uint64_t segment, std::uint64_t now_nanos) {
  std::unique_lock lock(mutex_);
  for (const model::ResourceSpans& resource_spans : batch.resource_spans) {
    const std::string service = ServiceOf(resource_spans.resource);
    for (const model::ScopeSpans& scope_spans : resource_spans.scope_spans) {
      if (scope_spans.spans.empty()) continue;
      auto origin = std::make_shared<const Origin>(
          Origin{{resource_spans.resource, resource_spans.schema_url}, {scope_spans.scope, scope_spans.schema_url}, service});
      for (const model::Span& span : scope_spans.spans) {
        auto [it, created] = live_.try_emplace(span.trace_id);
        HeadTrace& trace = it->second;
        if (created) {
          trace.first_arrival_nanos = now_nanos;
          trace.oldest_segment = segment;
        }
        trace.last_arrival_nanos = now_nanos;
        trace.oldest_segment = std::min(trace.oldest_segment, segment);
        InsertLocked(trace, {origin, span});
      }
    }
  }
}

void Head::InsertLocked(HeadTrace& trace, HeadSpan span) {
  if (!trace.span_ids.insert(span.span.span_id).second) return;  // a retried or replayed span
  const std::size_t bytes = ApproximateBytes(span.span);
  trace.bytes += bytes;
  live_bytes_ += bytes;
  ++live_spans_;
  trace.spans.push_back(std::move(span));
}

std::shared_ptr<const FrozenTraces> Head::Freeze(const CutPolicy& policy) {
  auto frozen = std::make_shared<FrozenTraces>();
  std::unique_lock lock(mutex_);
  for (auto it = live_.begin(); it != live_.end();) {
    const HeadTrace& trace = it->second;
    const bool idle = policy.now_nanos - std::min(policy.now_nanos, trace.last_arrival_nanos) >= policy.idle_nanos;
    const bool old = policy.now_nanos - std::min(policy.now_nanos, trace.first_arrival_nanos) >= policy.max_age_nanos;
    if (!(policy.everything || idle || old)) {
      ++it;
      continue;
    }
    frozen->span_count += trace.spans.size();
    frozen->bytes += trace.bytes;
    auto next = std::next(it);
    frozen->traces.insert(live_.extract(it));
    it = next;
  }
  if (frozen->traces.empty()) return nullptr;
  live_spans_ -= frozen->span_count;
  live_bytes_ -= frozen->bytes;
  frozen_.push_back(frozen);
  return frozen;
}

void Head::DropFrozen(const FrozenTraces* frozen) {
  std::unique_lock lock(mutex_);
  std::erase_if(frozen_, [&](const auto& candidate) { return candidate.get() == frozen; });
}

void Head::Thaw(const FrozenTraces* frozen) {
  std::unique_lock lock(mutex_);
  auto it = std::find_if(frozen_.begin(), frozen_.end(), [&](const auto& candidate) { return candidate.get() == frozen; });
  if (it == frozen_.end()) return;
  std::shared_ptr<FrozenTraces> thawed = std::move(*it);
  frozen_.erase(it);
  for (auto& [id, trace] : thawed->traces) {
    auto [live, created] = live_.try_emplace(id);
    HeadTrace& into = live->second;
    if (created) {
      live_spans_ += trace.spans.size();
      live_bytes_ += trace.bytes;
      into = std::move(trace);
      continue;
    }
    into.first_arrival_nanos = std::min(into.first_arrival_nanos, trace.first_arrival_nanos);
    into.oldest_segment = std::min(into.oldest_segment, trace.oldest_segment);
    for (HeadSpan& span : trace.spans) InsertLocked(into, std::move(span));
  }
}

std::uint64_t Head::OldestSegment(std::uint64_t none) const {
  std::shared_lock lock(mutex_);
  std::uint64_t oldest = none;
  for (const auto& [id, trace] : live_) oldest = std::min(oldest, trace.oldest_segment);
  for (const auto& frozen : frozen_) {
    for (const auto& [id, trace] : frozen->traces) oldest = std::min(oldest, trace.oldest_segment);
  }
  return oldest;
}

HeadStats Head::stats() const {
  std::shared_lock lock(mutex_);
  HeadStats stats{.live_spans = live_spans_, .live_bytes = live_bytes_, .live_traces = live_.size()};
  for (const auto& frozen : frozen_) {
    stats.frozen_spans += frozen->span_count;
    stats.frozen_bytes += frozen->bytes;
  }
  return stats;
}

std::size_t Head::RemoveSpansIn(const model::TraceId& trace_id,
                                const std::unordered_set<model::SpanId, model::IdHash>& ids) {
  std::unique_lock lock(mutex_);
  auto it = live_.find(trace_id);
  if (it == live_.end()) return 0;
  HeadTrace& trace = it->second;
  const std::size_t before = trace.spans.size();
  std::erase_if(trace.spans, [&](const HeadSpan& span) {
    if (!ids.contains(span.span.span_id)) return false;
    const std::size_t bytes = ApproximateBytes(span.span);
    trace.bytes -= bytes;
    live_bytes_ -= bytes;
    trace.span_ids.erase(span.span.span_id);
    return true;
  });
  const std::size_t removed = before - trace.spans.size();
  live_spans_ -= removed;
  if (trace.spans.empty()) live_.erase(it);
  return removed;
}

std::vector<model::TraceId> Head::LiveTraceIds() const {
  std::shared_lock lock(mutex_);
  std::vector<model::TraceId> ids;
  ids.reserve(live_.size());
  for (const auto& [id, trace] : live_) ids.push_back(id);
  return ids;
}

std::vector<const HeadTrace*> Head::PartsOf(const model::TraceId& trace_id) const {
  std::vector<const HeadTrace*> parts;
  if (auto it = live_.find(trace_id); it != live_.end()) parts.push_back(&it->second);
  for (const auto& frozen : frozen_) {
    if (auto it = frozen->traces.find(trace_id); it != frozen->traces.end()) parts.push_back(&it->second);
  }
  return parts;
}

template <typename Visit>
void Head::ForEachSpan(const Visit& visit) const {
  for (const auto& [id, trace] : live_) {
    for (const HeadSpan& span : trace.spans) visit(span);
  }
  for (const auto& frozen : frozen_) {
    for (const auto& [id, trace] : frozen->traces) {
      for (const HeadSpan& span : trace.spans) visit(span);
    }
  }
}

bool Head::Contains(const model::TraceId& trace_id) const {
  std::shared_lock lock(mutex_);
  return !PartsOf(trace_id).empty();
}

void Head::CollectTrace(const model::TraceId& trace_id, TraceAssembler* out) const {
  std::shared_lock lock(mutex_);
  for (const HeadTrace* part : PartsOf(trace_id)) {
    for (const HeadSpan& span : part->spans) out->Add(span.span, span.origin->resource, span.origin->scope);
  }
}

std::vector<block::TraceHit> Head::Search(const SearchRequest& request) const {
  std::shared_lock lock(mutex_);
  std::vector<block::TraceHit> hits;
  std::unordered_set<model::TraceId, model::IdHash> visited;
  auto consider = [&](const model::TraceId& id) {
    if (!visited.insert(id).second) return;
    if (auto hit = SummarizeParts(id, PartsOf(id), &request)) hits.push_back(std::move(*hit));
  };
  for (const auto& [id, trace] : live_) consider(id);
  for (const auto& frozen : frozen_) {
    for (const auto& [id, trace] : frozen->traces) consider(id);
  }
  return hits;
}

std::optional<block::TraceHit> Head::Summarize(const model::TraceId& trace_id) const {
  std::shared_lock lock(mutex_);
  return SummarizeParts(trace_id, PartsOf(trace_id), nullptr);
}

void Head::CollectServices(const TimeRange& range, std::set<std::string>* out) const {
  std::shared_lock lock(mutex_);
  ForEachSpan([&](const HeadSpan& span) {
    if (!span.origin->service.empty() && range.Contains(span.span.start_time_unix_nano)) out->insert(span.origin->service);
  });
}

void Head::CollectOperations(std::string_view service, const TimeRange& range, std::set<Operation>* out) const {
  std::shared_lock lock(mutex_);
  ForEachSpan([&](const HeadSpan& span) {
    if (span.origin->service == service && range.Contains(span.span.start_time_unix_nano)) {
      out->insert(Operation{span.span.name, span.span.kind});
    }
  });
}

void Head::CollectDependencies(const TimeRange& range,
                               std::map<std::pair<std::string, std::string>, DependencyLink>* out) const {
  std::shared_lock lock(mutex_);
  std::unordered_set<model::TraceId, model::IdHash> visited;
  auto visit_trace = [&](const model::TraceId& id) {
    if (!visited.insert(id).second) return;
    const std::vector<const HeadTrace*> parts = PartsOf(id);
    std::unordered_map<model::SpanId, const std::string*, model::IdHash> service_of;
    ForEachDistinctSpan(parts, [&](const HeadSpan& span) { service_of.emplace(span.span.span_id, &span.origin->service); });
    ForEachDistinctSpan(parts, [&](const HeadSpan& span) {
      if (span.span.IsRoot() || !range.Contains(span.span.start_time_unix_nano)) return;
      auto parent = service_of.find(span.span.parent_span_id);
      if (parent == service_of.end() || *parent->second == span.origin->service) return;
      DependencyLink& link = (*out)[{*parent->second, span.origin->service}];
      link.parent = *parent->second;
      link.child = span.origin->service;
      ++link.call_count;
      if (span.span.status.code == model::StatusCode::kError) ++link.error_count;
    });
  };
  for (const auto& [id, trace] : live_) visit_trace(id);
  for (const auto& frozen : frozen_) {
    for (const auto& [id, trace] : frozen->traces) visit_trace(id);
  }
}

}  // namespace hoptrace::store::engine
