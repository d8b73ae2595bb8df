#pragma once
// Zipkin v2 JSON (a list of spans, as POST /api/v2/spans takes it) → the model.
//
//   traceId (16 or 32 hex; 16 is zero-extended), id, parentId   → ids (invalid: the request is refused,
//                                                                  as Zipkin itself does)
//   name, kind (CLIENT/SERVER/PRODUCER/CONSUMER; none: INTERNAL) → name, kind
//   timestamp, duration (µs)                                     → start/end (ns)
//   localEndpoint.serviceName                                    → resource service.name (spans grouped
//                                                                  by it; none: "unknown_service")
//   localEndpoint ipv4/ipv6, port                                → network.local.address / .port
//   remoteEndpoint serviceName, ipv4/ipv6, port                  → peer.service, network.peer.address /
//                                                                  .port; for CLIENT and PRODUCER spans
//                                                                  also server.address / server.port
//   tags                                                         → string attributes, except:
//     error                → status ERROR, the value as its message
//     otel.status_code, otel.status_description → status (what OTel's Zipkin exporter writes)
//     otel.scope.name, otel.scope.version       → the instrumentation scope
//   annotations {timestamp, value}                               → events
//   debug                                                        → attribute zipkin.debug = true
//   shared (a server span sharing its client's span id)         → attribute zipkin.shared = true
// Every span gets the sampled trace flag: Zipkin only reports sampled spans.

#include <string>
#include <string_view>

#include "hoptrace/model/span.h"

namespace hoptrace::collector {

// Appends the spans to `out`. Returns false (with `error` naming the span index and field) when the
// text is not a JSON array of Zipkin spans or a span's ids are invalid; `out` is then unchanged.
bool ParseZipkinJson(std::string_view json, model::TraceBatch* out, std::string* error);

}  // namespace hoptrace::collector
