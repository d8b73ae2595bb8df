#include "receiver_metrics.h"

namespace hoptrace::collector::internal {

ReceiverMetrics::ReceiverMetrics(metrics::Registry& registry, std::string protocol)
    : registry_(registry),
      protocol_(std::move(protocol)),
      spans_received_(registry.GetCounter("hoptrace_spans_received_total",
                                          "Spans in requests the receivers decoded, valid or not.",
                                          {{"protocol", protocol_}})),
      spans_accepted_(registry.GetCounter("hoptrace_spans_accepted_total",
                                          "Spans the receivers handed to the sink and got acknowledged.",
                                          {{"protocol", protocol_}})),
      attributes_dropped_(registry.GetCounter("hoptrace_attributes_dropped_total",
                                              "Attributes dropped over the per-span attribute limit.",
                                              {{"protocol", protocol_}})),
      values_truncated_(registry.GetCounter("hoptrace_attribute_values_truncated_total",
                                            "Attribute values cut to the attribute value length limit.",
                                            {{"protocol", protocol_}})),
      bytes_received_(registry.GetCounter("hoptrace_receiver_received_bytes_total",
                                          "Request body bytes received, as sent (compressed or not).",
                                          {{"protocol", protocol_}})),
      duration_(registry.GetHistogram("hoptrace_receiver_request_duration_seconds",
                                      "Time from request received to response ready.", {{"protocol", protocol_}})) {}

void ReceiverMetrics::SpansRefused(std::string_view reason, std::uint64_t count) {
  if (count == 0) return;
  registry_
      .GetCounter("hoptrace_spans_refused_total", "Spans received but not stored, by reason.",
                  {{"protocol", protocol_}, {"reason", std::string(reason)}})
      .Increment(count);
}

void ReceiverMetrics::RequestRefused(std::string_view reason) {
  registry_
      .GetCounter("hoptrace_receiver_requests_refused_total",
                  "Requests refused as a whole before their spans were read, by reason.",
                  {{"protocol", protocol_}, {"reason", std::string(reason)}})
      .Increment();
}

void ReceiverMetrics::RequestDone(std::string_view code, std::uint64_t bytes, std::chrono::nanoseconds duration) {
  registry_
      .GetCounter("hoptrace_receiver_requests_total", "Requests answered by the receivers, by status code.",
                  {{"protocol", protocol_}, {"code", std::string(code)}})
      .Increment();
  bytes_received_.Increment(bytes);
  duration_.Observe(std::chrono::duration<double>(duration).count());
}

}  // namespace hoptrace::collector::internal
