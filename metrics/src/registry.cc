#include "hoptrace/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace hoptrace::metrics {
namespace {

void AppendNumber(std::string& out, double value) {
  char buffer[32];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

void AppendEscaped(std::string& out, std::string_view text, bool escape_quotes) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void AppendLabels(std::string& out, const Labels& labels, std::string_view extra_key = {},
                  std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return;
  out += '{';
  bool first = true;
  auto append = [&](std::string_view key, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += key;
    out += "=\"";
    AppendEscaped(out, value, true);
    out += '"';
  };
  for (const auto& [key, value] : labels) append(key, value);
  if (!extra_key.empty()) append(extra_key, extra_value);
  out += '}';
}

template <typename T>
void AtomicAdd(std::atomic<T>& target, T delta) {
  T current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

const char* TypeName(bool counter, bool gauge) { return counter ? "counter" : gauge ? "gauge" : "histogram"; }

}  // namespace

void Gauge::Add(double delta) { AtomicAdd(value_, delta); }

void FloatCounter::Add(double delta) {
  AtomicAdd(value_, delta);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
}

void Histogram::Observe(double value) {
  const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(sum_, value);
}

std::vector<std::uint64_t> Histogram::BucketCounts() const {
  std::vector<std::uint64_t> cumulative(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    cumulative[i] = running;
  }
  return cumulative;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Child& Registry::GetChild(std::string_view name, std::string_view help, Type type, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) it = families_.emplace(std::string(name), Family{type, std::string(help), {}}).first;
  Family& family = it->second;
  if (family.type != type) throw std::logic_error("metric " + std::string(name) + " registered with another type");
  for (Child& child : family.children) {
    if (child.labels == labels) return child;
  }
  return family.children.emplace_back(Child{labels, nullptr, nullptr, nullptr, nullptr, {}});
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  Child& child = GetChild(name, help, Type::kCounter, labels);
  std::lock_guard lock(mutex_);
  if (!child.counter) child.counter = std::make_unique<Counter>();
  return *child.counter;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  Child& child = GetChild(name, help, Type::kGauge, labels);
  std::lock_guard lock(mutex_);
  if (!child.gauge) child.gauge = std::make_unique<Gauge>();
  return *child.gauge;
}

FloatCounter& Registry::GetFloatCounter(std::string_view name, std::string_view help, const Labels& labels) {
  Child& child = GetChild(name, help, Type::kCounter, labels);
  std::lock_guard lock(mutex_);
  if (!child.float_counter) child.float_counter = std::make_unique<FloatCounter>();
  return *child.float_counter;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help, const Labels& labels,
                                  std::vector<double> bounds) {
  Child& child = GetChild(name, help, Type::kHistogram, labels);
  std::lock_guard lock(mutex_);
  if (!child.histogram) child.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *child.histogram;
}

void Registry::AddCounterFunction(std::string_view name, std::string_view help,
                                  std::function<double()> read) {
  AddFunction(name, help, Type::kCounter, std::move(read));
}

void Registry::AddGaugeFunction(std::string_view name, std::string_view help, std::function<double()> read) {
  AddFunction(name, help, Type::kGauge, std::move(read));
}

void Registry::AddFunction(std::string_view name, std::string_view help, Type type,
                           std::function<double()> read) {
  Child& child = GetChild(name, help, type, {});
  std::lock_guard lock(mutex_);
  child.read = std::move(read);
}

std::string Registry::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, family] : families_) {
    out += "# HELP " + name + ' ';
    AppendEscaped(out, family.help, false);
    out += "\n# TYPE " + name + ' ' + TypeName(family.type == Type::kCounter, family.type == Type::kGauge) + '\n';
    for (const Child& child : family.children) {
      if (child.counter) {
        out += name;
        AppendLabels(out, child.labels);
        out += ' ' + std::to_string(child.counter->value()) + '\n';
      } else if (child.gauge || child.float_counter || child.read) {
        out += name;
        AppendLabels(out, child.labels);
        out += ' ';
        AppendNumber(out, child.gauge           ? child.gauge->value()
                          : child.float_counter ? child.float_counter->value()
                                                : child.read());
        out += '\n';
      } else if (child.histogram) {
        const auto counts = child.histogram->BucketCounts();
        const auto& bounds = child.histogram->bounds();
        for (std::size_t i = 0; i < counts.size(); ++i) {
          std::string bound = "+Inf";
          if (i < bounds.size()) {
            bound.clear();
            AppendNumber(bound, bounds[i]);
          }
          out += name + "_bucket";
          AppendLabels(out, child.labels, "le", bound);
          out += ' ' + std::to_string(counts[i]) + '\n';
        }
        out += name + "_sum";
        AppendLabels(out, child.labels);
        out += ' ';
        AppendNumber(out, child.histogram->sum());
        out += '\n' + name + "_count";
        AppendLabels(out, child.labels);
        out += ' ' + std::to_string(child.histogram->count()) + '\n';
      }
    }
  }
  return out;
}

}  // namespace hoptrace::metrics
