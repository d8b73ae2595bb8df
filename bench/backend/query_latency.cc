#include "query_latency.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "hoptrace/http/client.h"

namespace hoptrace::bench {
namespace {

double Percentile(const std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];  // nearest rank
}

}  // namespace

Latency MeasureGets(std::uint16_t port, const std::vector<std::string>& targets, std::chrono::seconds budget,
                    const std::function<bool(const http::Response&)>& has_hits) {
  http::Client client("http://127.0.0.1:" + std::to_string(port), std::chrono::seconds(60));
  Latency latency;
  std::vector<double> millis;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (const std::string& target : targets) {
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::string error;
    const auto started = std::chrono::steady_clock::now();
    const auto response = client.Get(target, &error);
    millis.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    ++latency.requests;
    if (response && response->status == 200) {
      if (has_hits(*response)) ++latency.with_hits;
      continue;
    }
    ++latency.failures;
    if (latency.first_error.empty()) {
      latency.first_error = target + ": " + (response ? "HTTP " + std::to_string(response->status) + " " +
                                                            response->body.substr(0, 200)
                                                      : error);
    }
  }
  std::sort(millis.begin(), millis.end());
  latency.p50_ms = Percentile(millis, 0.50);
  latency.p99_ms = Percentile(millis, 0.99);
  latency.max_ms = millis.empty() ? 0 : millis.back();
  return latency;
}

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", byte);
      out += escaped;
    }
  }
  return out;
}

}  // namespace hoptrace::bench
