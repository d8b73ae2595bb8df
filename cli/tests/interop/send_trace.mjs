// Sends one nested trace to an OTLP endpoint with the OpenTelemetry JavaScript SDK, then prints on
// stdout, as JSON, everything it sent (read back from an in-memory exporter beside the real one) and
// what each export call returned. hoptrace's end-to-end tests (cli/tests/e2e) compare that with what
// `hoptrace serve` answers.
//
//   node send_trace.mjs --exporter http/json|http/protobuf|grpc --endpoint URL --service NAME
//                       [--processor simple|batch] [--compression none|gzip]
//
// URL is http://host:port/v1/traces for the HTTP exporters and http://host:port for gRPC.
// Exit code 0 when every export succeeded, 1 when one failed, 2 on bad arguments.
//
// Output: {"exporter","exportResults":[{"code","error"}],"traceId","resource":[attribute],
//          "spans":[{"traceId","spanId","parentSpanId","traceState","name","kind","scope":{"name","version"},
//                    "startTimeUnixNano","endTimeUnixNano","attributes":[attribute],
//                    "events":[{"name","timeUnixNano","attributes"}],
//                    "links":[{"traceId","spanId","traceState","attributes"}],"status":{"code","message"}}]}
// attribute = {"key","type","value"}, type one of string bool int double string[] bool[] int[] double[]
// (a JS number is an int when Number.isInteger, as the OTLP exporters decide). Times are decimal strings.

import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';

import { DiagConsoleLogger, DiagLogLevel, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, diag, trace }
  from '@opentelemetry/api';
import { ExportResultCode, TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor }
  from '@opentelemetry/sdk-trace-base';

const EXPORTERS = {
  'http/json': async () => (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter,
  'http/protobuf': async () => (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter,
  'grpc': async () => (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter,
};

function usage(message) {
  process.stderr.write(`send_trace.mjs: ${message}\n` +
    'usage: node send_trace.mjs --exporter http/json|http/protobuf|grpc --endpoint URL --service NAME ' +
    '[--processor simple|batch] [--compression none|gzip]\n');
  process.exit(2);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        exporter: { type: 'string' },
        endpoint: { type: 'string' },
        service: { type: 'string' },
        processor: { type: 'string', default: 'batch' },
        compression: { type: 'string', default: 'none' },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  if (!(values.exporter in EXPORTERS)) usage(`unknown --exporter '${values.exporter ?? ''}'`);
  if (!values.endpoint) usage('--endpoint is required');
  if (!values.service) usage('--service is required');
  if (!['simple', 'batch'].includes(values.processor)) usage(`unknown --processor '${values.processor}'`);
  if (!['none', 'gzip'].includes(values.compression)) usage(`unknown --compression '${values.compression}'`);
  return values;
}

// Passes every call to the real exporter and keeps what each export returned.
class ResultRecordingExporter {
  constructor(inner) {
    this.inner = inner;
    this.results = [];
  }
  export(spans, done) {
    this.inner.export(spans, (result) => {
      this.results.push({ code: result.code, error: result.error ? String(result.error.message ?? result.error) : '' });
      done(result);
    });
  }
  shutdown() { return this.inner.shutdown(); }
  forceFlush() { return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve(); }
}

// ---- The trace ----------------------------------------------------------------------------------

function recordTrace(provider) {
  const tracer = provider.getTracer('hoptrace-interop', '1.2.3');
  const linked = {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('vendor=abc,other=1'),
  };
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.route': '/checkout' },
    links: [{ context: linked, attributes: { 'link.reason': 'retry-of', 'link.attempt': 2 } }],
  }, ROOT_CONTEXT);
  root.setAttributes({
    'http.response.status_code': 200,
    'cache.hit': true,
    'load': 0.75,
    'big.int': Number.MAX_SAFE_INTEGER,
    'negative.int': -42,
    'tiny.double': -1.5e-300,
    'tags': ['a', 'grüße "quoted" \\ \n', ''],
    'ports': [80, 443, -1],
    'flags': [true, false],
    'ratios': [0.25, -2.5],
  });
  root.addEvent('request.received', { 'bytes': 512, 'client': 'curl', 'gzip': false, 'ratio': 0.5 });
  const inRoot = trace.setSpan(ROOT_CONTEXT, root);

  const query = tracer.startSpan('SELECT orders', {
    kind: SpanKind.CLIENT,
    attributes: { 'db.system': 'postgresql', 'db.rows': 3 },
  }, inRoot);
  const encode = tracer.startSpan('decode row', { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, query));
  encode.setAttribute('row.count', 3);
  encode.end();
  query.recordException(new Error('connection reset by peer'));
  query.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset by peer' });
  query.end();

  const render = tracer.startSpan('render receipt', { attributes: { 'template': 'receipt.html' } }, inRoot);
  render.addEvent('cache.miss');
  render.end();
  root.end();
}

// ---- What was sent, as the tests read it ----------------------------------------------------------

function typeName(value) {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (Array.isArray(value) && value.length > 0) {
    const element = typeName(value[0]);
    if (value.every((item) => typeName(item) === element)) return `${element}[]`;
  }
  throw new Error(`attribute value ${JSON.stringify(value)} has no single OTLP type`);
}

function describeAttributes(attributes) {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({ key, type: typeName(value), value }));
}

function nanos(hrTime) {
  return (BigInt(hrTime[0]) * 1000000000n + BigInt(hrTime[1])).toString();
}

function describeSpan(span) {
  const context = span.spanContext();
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? '',
    traceState: context.traceState?.serialize() ?? '',
    name: span.name,
    kind: SpanKind[span.kind],
    scope: { name: span.instrumentationScope.name, version: span.instrumentationScope.version ?? '' },
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: describeAttributes(span.attributes),
    events: span.events.map((event) => ({
      name: event.name, timeUnixNano: nanos(event.time), attributes: describeAttributes(event.attributes),
    })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      traceState: link.context.traceState?.serialize() ?? '',
      attributes: describeAttributes(link.attributes),
    })),
    status: { code: SpanStatusCode[span.status.code], message: span.status.message ?? '' },
  };
}

async function main() {
  const options = parseOptions();
  diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);  // warnings go to stderr; stdout is the JSON

  const Exporter = await EXPORTERS[options.exporter]();
  const network = new ResultRecordingExporter(new Exporter({
    url: options.endpoint, compression: options.compression, timeoutMillis: 20000,
  }));
  const memory = new InMemorySpanExporter();
  const Processor = options.processor === 'simple' ? SimpleSpanProcessor : BatchSpanProcessor;
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.service,
      'service.instance.id': randomBytes(4).toString('hex'),
      'host.cpu.count': 2,
      'deployment.sampled': true,
    }),
    spanProcessors: [new Processor(network), new SimpleSpanProcessor(memory)],
  });

  recordTrace(provider);
  const spans = [...memory.getFinishedSpans()];  // before shutdown, which empties the in-memory exporter
  await provider.shutdown();  // flushes the batch processor and waits for the exports

  const output = {
    exporter: options.exporter,
    exportResults: network.results,
    traceId: spans[0].spanContext().traceId,
    resource: describeAttributes(spans[0].resource.attributes),
    spans: spans.map(describeSpan),
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
  const failed = network.results.length === 0 || network.results.some((r) => r.code !== ExportResultCode.SUCCESS);
  if (failed) process.stderr.write(`send_trace.mjs: export failed: ${JSON.stringify(network.results)}\n`);
  process.exitCode = failed ? 1 : 0;
}

await main();
