// Builds realistic multi-service traces and sends them to `hoptrace serve` over real OTLP/HTTP (JSON).
//
//   const trace = buildTrace(span('frontend', 'GET /checkout', { ms: 120, kind: 'server' },
//                                 span('orders', 'POST /orders', { at: 10, ms: 80, error: true })));
//   await sendTraces(serve.otlpHttpUrl, [trace]);
//
// A span's `at` is its start in ms after its parent's start, `ms` its duration. The built trace keeps
// every span's IDs, service and times, so tests can check what the UI shows against what was sent.

import { randomBytes } from 'node:crypto';

const KINDS = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS_ERROR = 2;
const NANOS_PER_MS = 1_000_000n;

export function randomHex(bytes) {
  return randomBytes(bytes).toString('hex');
}

export function span(service, name, options = {}, ...children) {
  return { service, name, options, children };
}

function otlpValue(value) {
  if (typeof value === 'boolean') return { boolValue: value };
  if (Number.isInteger(value)) return { intValue: String(value) };
  if (typeof value === 'number') return { doubleValue: value };
  return { stringValue: String(value) };
}

function otlpAttributes(attributes = {}) {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: otlpValue(value) }));
}

function flatten(node, traceId, parentSpanId, parentStartMs, out) {
  const { at = 0, ms = 1, kind = 'internal', error = false, attributes = {} } = node.options;
  const record = {
    traceId, spanId: randomHex(8), parentSpanId, service: node.service, name: node.name, kind,
    startMs: parentStartMs + at, durationMs: ms, error, attributes,
  };
  out.push(record);
  for (const child of node.children) flatten(child, traceId, record.spanId, record.startMs, out);
  return out;
}

function otlpSpan(record) {
  const start = BigInt(Math.round(record.startMs * 1000)) * NANOS_PER_MS / 1000n;
  const end = start + BigInt(Math.round(record.durationMs * 1000)) * NANOS_PER_MS / 1000n;
  return {
    traceId: record.traceId, spanId: record.spanId, parentSpanId: record.parentSpanId ?? '',
    name: record.name, kind: KINDS[record.kind],
    startTimeUnixNano: String(start), endTimeUnixNano: String(end),
    attributes: otlpAttributes(record.attributes),
    status: record.error ? { code: STATUS_ERROR, message: `${record.name} failed` } : {},
  };
}

// OTLP JSON ExportTraceServiceRequest for spans of any number of traces, one resource per service.
export function otlpRequest(spans) {
  const byService = new Map();
  for (const record of spans) {
    if (!byService.has(record.service)) byService.set(record.service, []);
    byService.get(record.service).push(otlpSpan(record));
  }
  return {
    resourceSpans: [...byService].map(([service, serviceSpans]) => ({
      resource: { attributes: otlpAttributes({ 'service.name': service }) },
      scopeSpans: [{ scope: { name: 'hoptrace-ui-tests' }, spans: serviceSpans }],
    })),
  };
}

// { traceId, spans: [{ spanId, parentSpanId, service, name, kind, startMs, durationMs, error, attributes }] }
export function buildTrace(root, { startMs = Date.now() - 60_000, traceId = randomHex(16) } = {}) {
  return { traceId, spans: flatten(root, traceId, undefined, startMs, []) };
}

// A checkout across four services: frontend → cart, frontend → orders → payments (→ fraud). Options
// vary what the UI tests look for: an error in payments, a slower charge, an extra fraud check.
export function checkoutTrace({ startMs, paymentError = false, chargeMs = 40, fraudCheck = false, tier = 'gold' } = {}) {
  const charge = span('payments', 'POST /charge',
    { at: 1, ms: chargeMs, kind: 'server', error: paymentError,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': paymentError ? 502 : 200 } },
    ...(fraudCheck
      ? [span('payments', 'POST fraud', { at: 2, ms: 12, kind: 'client' },
        span('fraud', 'POST /score', { at: 1, ms: 10, kind: 'server' }))]
      : []));
  const root = span('frontend', 'GET /checkout',
    { ms: chargeMs + 80, kind: 'server', attributes: { 'http.request.method': 'GET', 'customer.tier': tier } },
    span('frontend', 'GET cart', { at: 5, ms: 20, kind: 'client' },
      span('cart', 'GET /cart', { at: 1, ms: 18, kind: 'server' },
        span('cart', 'redis GET', { at: 2, ms: 3, kind: 'client', attributes: { 'db.system': 'redis' } }))),
    span('frontend', 'POST orders', { at: 30, ms: chargeMs + 40, kind: 'client' },
      span('orders', 'POST /orders', { at: 1, ms: chargeMs + 38, kind: 'server' },
        span('orders', 'INSERT orders', { at: 2, ms: 10, kind: 'client', attributes: { 'db.system': 'sqlite' } }),
        span('orders', 'POST payments', { at: 14, ms: chargeMs + 4, kind: 'client', error: paymentError },
          charge))));
  return buildTrace(root, { startMs });
}

// POSTs the traces in one OTLP/HTTP JSON request; throws unless serve accepted every span.
export async function sendTraces(otlpHttpUrl, traces) {
  const response = await fetch(`${otlpHttpUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(otlpRequest(traces.flatMap((trace) => trace.spans))),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`OTLP export answered ${response.status}: ${body}`);
  const rejected = body ? JSON.parse(body).partialSuccess?.rejectedSpans : undefined;
  if (rejected && Number(rejected) > 0) throw new Error(`OTLP export rejected spans: ${body}`);
}
