// Helpers that turn OTEL_EXPORTER_OTLP_* values into OtlpExporterOptions fields.
#include <cctype>

#include "hoptrace/http/url.h"
#include "hoptrace/sdk/exporters/otlp/otlp_exporter.h"

namespace hoptrace::sdk::exporters::otlp {
namespace {

constexpr std::string_view kTracesPath = "/v1/traces";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string DefaultEndpoint(OtlpProtocol protocol) {
  return protocol == OtlpProtocol::kGrpc ? "http://localhost:4317" : "http://localhost:4318/v1/traces";
}

std::string ResolveTracesEndpoint(std::string_view traces_endpoint, std::string_view generic_endpoint,
                                  OtlpProtocol protocol) {
  if (!traces_endpoint.empty()) return std::string(traces_endpoint);
  if (generic_endpoint.empty()) return DefaultEndpoint(protocol);
  if (protocol == OtlpProtocol::kGrpc) return std::string(generic_endpoint);
  std::string endpoint(generic_endpoint);
  if (endpoint.ends_with('/')) endpoint.pop_back();  // avoid "//v1/traces"
  return endpoint + std::string(kTracesPath);
}

std::optional<OtlpProtocol> ParseOtlpProtocol(std::string_view text) {
  text = Trim(text);
  if (text == "http/protobuf") return OtlpProtocol::kHttpProtobuf;
  if (text == "http/json") return OtlpProtocol::kHttpJson;
  if (text == "grpc") return OtlpProtocol::kGrpc;
  return std::nullopt;
}

std::optional<OtlpCompression> ParseOtlpCompression(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text == "none") return OtlpCompression::kNone;
  if (text == "gzip") return OtlpCompression::kGzip;
  return std::nullopt;
}

std::optional<HttpHeaders> ParseOtlpHeaders(std::string_view text) {
  HttpHeaders headers;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view entry = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (entry.empty()) continue;
    const std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view key = Trim(entry.substr(0, equals));
    std::optional<std::string> value = http::PercentDecode(Trim(entry.substr(equals + 1)));
    if (key.empty() || !value) return std::nullopt;
    headers.emplace_back(std::string(key), std::move(*value));
  }
  return headers;
}

}  // namespace hoptrace::sdk::exporters::otlp
