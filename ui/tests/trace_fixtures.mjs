// Traces for the trace view's tests and benchmark, written as OTLP JSON (what an SDK sends to
// /v1/traces), and their ingestion over real OTLP/HTTP.

// A minute ago: recent enough for the store's retention (older blocks are deleted at once).
const BASE_UNIX_NANOS = BigInt(Date.now() - 60_000) * 1_000_000n;
const MS = 1_000_000;

const str = (value) => ({ stringValue: value });
const int = (value) => ({ intValue: String(value) });

// kind: 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER; status code 2 ERROR.
// The critical path (analysis/README.md, Jaeger UI's walk back from the root's end) passes through
// every span here except `audit` (overlapped by the longer `orders-call`) and `cache` (overlapped by
// the later-ending `select`); `charge-server` is the only failed span.
export const KNOWN_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const LINKED_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const KNOWN_SPANS = [
  { id: 'a000000000000001', parent: '', service: 'frontend', name: 'GET /checkout', kind: 2, start: 0, end: 100,
    attributes: { 'http.request.method': str('GET'), 'http.route': str('/checkout'), 'http.response.status_code': int(200) } },
  { id: 'a000000000000002', parent: 'a000000000000001', service: 'frontend', name: 'POST /orders', kind: 3, start: 5, end: 90,
    attributes: { 'http.request.method': str('POST'), 'url.full': str('http://orders:8080/orders') } },
  { id: 'a000000000000003', parent: 'a000000000000002', service: 'orders', name: 'POST /orders', kind: 2, start: 6, end: 89,
    attributes: { 'http.route': str('/orders'), 'http.response.status_code': int(200), 'orders.retry': { boolValue: false },
      'orders.ratio': { doubleValue: 0.25 }, 'orders.tags': { arrayValue: { values: [str('new'), str('web')] } } } },
  { id: 'a000000000000004', parent: 'a000000000000003', service: 'orders', name: 'SELECT orders', kind: 3, start: 10, end: 20,
    attributes: { 'db.system': str('postgresql'), 'db.statement': str('SELECT * FROM orders WHERE id = $1') } },
  { id: 'a000000000000005', parent: 'a000000000000003', service: 'orders', name: 'GET cart', kind: 3, start: 12, end: 14,
    attributes: { 'db.system': str('redis'), 'db.statement': str('GET cart:42') } },
  { id: 'a000000000000006', parent: 'a000000000000003', service: 'orders', name: 'POST /charge', kind: 3, start: 25, end: 85,
    attributes: { 'http.request.method': str('POST'), 'url.full': str('http://payments:8080/charge') } },
  { id: 'a000000000000007', parent: 'a000000000000006', service: 'payments', name: 'POST /charge', kind: 2, start: 26, end: 84,
    attributes: { 'http.route': str('/charge'), 'http.response.status_code': int(502), 'payment.amount': int(4999) },
    status: { code: 2, message: 'card declined' },
    events: [{ name: 'exception', at: 80, attributes: { 'exception.type': str('CardDeclined'), 'exception.message': str('declined by issuer') } }],
    links: [{ traceId: LINKED_TRACE_ID, spanId: 'b000000000000001' }] },
  { id: 'a000000000000008', parent: 'a000000000000007', service: 'payments', name: 'fraud check', kind: 1, start: 30, end: 40,
    attributes: { 'fraud.score': { doubleValue: 0.12 } } },
  { id: 'a000000000000009', parent: 'a000000000000001', service: 'frontend', name: 'audit log', kind: 1, start: 5, end: 7,
    attributes: { 'audit.user': str('alice') } },
  { id: 'a00000000000000a', parent: 'a000000000000001', service: 'frontend', name: 'render', kind: 1, start: 92, end: 98,
    attributes: { 'template': str('checkout.html') } },
];
export const LINKED_SPANS = [
  { id: 'b000000000000001', parent: '', service: 'payments', name: 'settle batch', kind: 1, start: 200, end: 230, attributes: {} },
];

const attributeList = (attributes) => Object.entries(attributes ?? {}).map(([key, value]) => ({ key, value }));
const unixNanos = (ms) => String(BASE_UNIX_NANOS + BigInt(Math.round(ms * MS)));

function otlpSpan(traceId, span) {
  return {
    traceId,
    spanId: span.id,
    ...(span.parent ? { parentSpanId: span.parent } : {}),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: unixNanos(span.start),
    endTimeUnixNano: unixNanos(span.end),
    attributes: attributeList(span.attributes),
    events: (span.events ?? []).map((event) => ({ timeUnixNano: unixNanos(event.at), name: event.name, attributes: attributeList(event.attributes) })),
    links: (span.links ?? []).map((link) => ({ traceId: link.traceId, spanId: link.spanId })),
    ...(span.status ? { status: span.status } : {}),
  };
}

// An OTLP JSON request: one resourceSpans per service (spans keep their order within a service).
export function otlpDocument(traceId, spans) {
  const byService = new Map();
  for (const span of spans) {
    if (!byService.has(span.service)) byService.set(span.service, []);
    byService.get(span.service).push(otlpSpan(traceId, span));
  }
  return {
    resourceSpans: [...byService].map(([service, serviceSpans]) => ({
      resource: { attributes: [{ key: 'service.name', value: str(service) }, { key: 'host.name', value: str(`${service}-host`) }] },
      scopeSpans: [{ scope: { name: 'hoptrace-ui-tests', version: '1.0' }, spans: serviceSpans }],
    })),
  };
}

const hex16 = (value) => value.toString(16).padStart(16, '0');

// A deterministic trace of `count` spans: a root, then each new span under a recent one (depth up to
// 12), spread over 8 services, every 97th span failed. Children start inside their parent.
export function largeSpans(count) {
  const spans = [{ id: hex16(1), parent: '', service: 'gateway', name: 'GET /batch', kind: 2, start: 0, end: count * 0.02 + 10, attributes: {}, depth: 0 }];
  for (let i = 1; i < count; i++) {
    const parent = spans[Math.max(0, i - 1 - (i * 7919) % Math.min(i, 40))];
    const attach = parent.depth >= 12 ? spans[0] : parent;
    const start = attach.start + ((i * 13) % 97) / 100 * (attach.end - attach.start) * 0.5;
    const end = Math.min(attach.end, start + 0.01 + ((i * 31) % 53) / 53 * (attach.end - start) * 0.5);
    spans.push({
      id: hex16(i + 1), parent: attach.id, service: `service-${i % 8}`, name: `operation ${i % 50}`, kind: 1 + (i % 3),
      start, end, depth: attach.depth + 1, attributes: { 'item.index': int(i) },
      ...(i % 97 === 0 ? { status: { code: 2, message: 'failed' } } : {}),
    });
  }
  return spans;
}

// Sends `spans` to an OTLP/HTTP JSON receiver in requests of `batch` spans (the receiver refuses
// bodies over 8 MiB).
export async function ingest(otlpHttpUrl, traceId, spans, batch = 5000) {
  for (let at = 0; at < spans.length; at += batch) {
    const response = await fetch(`${otlpHttpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(otlpDocument(traceId, spans.slice(at, at + batch))),
    });
    if (!response.ok) throw new Error(`OTLP export answered ${response.status}: ${await response.text()}`);
  }
}
