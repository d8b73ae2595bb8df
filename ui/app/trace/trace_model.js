// One trace as the UI needs it: spans in a tree with depth, service, times relative to the trace's
// start, self time and the stretches children cover. Pure functions only (no DOM, no fetch), so the
// trace view and the compare page share them and node --test checks them without a browser.
//
// Input: OTLP JSON as `/api/v2/traces/{id}` answers ({"trace": {"resourceSpans": [...]}}), chosen over
// Jaeger's JSON because it keeps attribute types, the status message, the scope and links' trace IDs.

export const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
export const STATUS_CODES = ['UNSET', 'OK', 'ERROR'];
const STATUS_ERROR = 2;
const NO_PARENT = -1;

// Times are Unix nanoseconds as decimal strings (above 2^53, so exact only as BigInt); the model keeps
// the trace's first start as a BigInt (`startUnixNano`) and every other time as a Number of nanoseconds
// after it.
function unixNanos(text) {
  if (text === undefined || text === null || text === '') return 0n;
  try {
    return BigInt(text);
  } catch {
    throw new Error(`invalid time "${text}": expected Unix nanoseconds`);
  }
}

// An OTLP AnyValue as { type, value }: the type is the one the sender chose (int stays int).
export function typedValue(anyValue) {
  if (!anyValue || typeof anyValue !== 'object') return { type: 'empty', value: '' };
  if ('stringValue' in anyValue) return { type: 'string', value: String(anyValue.stringValue) };
  if ('boolValue' in anyValue) return { type: 'bool', value: Boolean(anyValue.boolValue) };
  if ('intValue' in anyValue) return { type: 'int', value: String(anyValue.intValue) };
  if ('doubleValue' in anyValue) return { type: 'double', value: Number(anyValue.doubleValue) };
  if ('bytesValue' in anyValue) return { type: 'bytes', value: String(anyValue.bytesValue) };
  if ('arrayValue' in anyValue) {
    const items = (anyValue.arrayValue?.values ?? []).map(typedValue);
    const itemType = items.length ? items[0].type : 'empty';
    return { type: `${itemType}[]`, value: items.map((item) => item.value) };
  }
  if ('kvlistValue' in anyValue) return { type: 'kvlist', value: JSON.stringify(anyValue.kvlistValue) };
  return { type: 'empty', value: '' };
}

// [{ key, type, value }] from OTLP's [{ key, value: AnyValue }].
export function typedAttributes(attributes) {
  return (attributes ?? []).map(({ key, value }) => ({ key, ...typedValue(value) }));
}

// The text a value is searched and shown as.
export function valueText(attribute) {
  return Array.isArray(attribute.value) ? `[${attribute.value.join(', ')}]` : String(attribute.value);
}

function serviceOf(resourceAttributes) {
  const name = resourceAttributes.find((attribute) => attribute.key === 'service.name');
  return name ? valueText(name) : 'unknown_service';
}

// Each span of the document with its resource and scope, times still as BigInt.
function flattenSpans(document) {
  const trace = document?.trace ?? document;
  if (!trace || !Array.isArray(trace.resourceSpans)) throw new Error('not an OTLP trace: "resourceSpans" is missing');
  const flat = [];
  for (const resourceSpans of trace.resourceSpans) {
    const resourceAttributes = typedAttributes(resourceSpans.resource?.attributes);
    const resource = { attributes: resourceAttributes, service: serviceOf(resourceAttributes) };
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = { name: scopeSpans.scope?.name ?? '', version: scopeSpans.scope?.version ?? '' };
      for (const span of scopeSpans.spans ?? []) flat.push({ span, resource, scope, startUnixNano: unixNanos(span.startTimeUnixNano) });
    }
  }
  return flat;
}

const NONE = Object.freeze([]);  // shared by the many spans without children, events or links

// One span. Attributes are converted when first read (the detail panel, find): a large trace's
// first render should not pay for every attribute of every span.
class Span {
  constructor({ span, resource, scope, startUnixNano }, index, traceStart) {
    const kindCode = Number(span.kind ?? 0);
    const statusCode = Number(span.status?.code ?? 0);
    this.index = index;
    this.traceId = span.traceId ?? '';
    this.spanId = span.spanId ?? '';
    this.parentSpanId = span.parentSpanId ?? '';
    this.parent = NO_PARENT;
    this.children = NONE;
    this.depth = 0;
    this.name = span.name ?? '';
    this.kind = SPAN_KINDS[kindCode] ?? `KIND_${kindCode}`;
    this.service = resource.service;
    this.resource = resource;
    this.scope = scope;
    this.start = Number(startUnixNano - traceStart);
    // A span ending before it starts (corrupt) lasts 0.
    this.end = Math.max(this.start, Number(unixNanos(span.endTimeUnixNano) - traceStart));
    this.duration = this.end - this.start;
    this.selfTime = this.duration;
    this.childCoverage = NONE;
    this.rawAttributes = span.attributes ?? NONE;
    this.typedAttributes = null;
    this.events = span.events?.length ? span.events.map((event) => ({
      time: Number(unixNanos(event.timeUnixNano) - traceStart),
      name: event.name ?? '',
      attributes: typedAttributes(event.attributes),
    })) : NONE;
    this.links = span.links?.length ? span.links.map((link) => ({
      traceId: link.traceId ?? '',
      spanId: link.spanId ?? '',
      attributes: typedAttributes(link.attributes),
    })) : NONE;
    this.status = { code: STATUS_CODES[statusCode] ?? `CODE_${statusCode}`, message: span.status?.message ?? '' };
    this.isError = statusCode === STATUS_ERROR;
    this.orphan = false;
  }

  get attributes() {
    this.typedAttributes ??= typedAttributes(this.rawAttributes);
    return this.typedAttributes;
  }

  addChild(index) {
    if (this.children === NONE) this.children = [];
    this.children.push(index);
  }
}

const byStart = (spans) => (a, b) => spans[a].start - spans[b].start || spans[a].end - spans[b].end;

// Links each span to its parent; a parent ID not in the trace (or a duplicate ID, or a cycle) makes
// the span a top-level orphan, so every walk of the tree terminates.
function linkTree(spans) {
  const indexById = new Map();
  for (const span of spans) if (!indexById.has(span.spanId)) indexById.set(span.spanId, span.index);
  const roots = [];
  for (const span of spans) {
    const parent = span.parentSpanId ? indexById.get(span.parentSpanId) : undefined;
    if (parent === undefined || parent === span.index) {
      span.orphan = Boolean(span.parentSpanId);
      roots.push(span.index);
    } else {
      span.parent = parent;
      spans[parent].addChild(span.index);
    }
  }
  const order = depthFirst(spans, roots);
  if (order.length < spans.length) {
    breakCycles(spans, roots, order);
    roots.sort(byStart(spans));
  }
  return roots;
}

// Preorder from `roots`, children by start time, depth set on the way (iterative: traces can be deep).
function depthFirst(spans, roots) {
  const compare = byStart(spans);
  roots.sort(compare);
  const order = [];
  const stack = [...roots].reverse();
  while (stack.length) {
    const span = spans[stack.pop()];
    span.depth = span.parent === NO_PARENT ? 0 : spans[span.parent].depth + 1;
    order.push(span.index);
    if (span.children.length > 1) span.children.sort(compare);
    for (let k = span.children.length - 1; k >= 0; k--) stack.push(span.children[k]);
  }
  return order;
}

// Spans no root reaches sit on a parent cycle: detach each cycle at one span, which becomes an orphan.
function breakCycles(spans, roots, reached) {
  const seen = new Uint8Array(spans.length);
  for (const index of reached) seen[index] = 1;
  for (const span of spans) {
    if (seen[span.index]) continue;
    const parent = spans[span.parent];
    parent.children = parent.children.filter((child) => child !== span.index);
    span.parent = NO_PARENT;
    span.orphan = true;
    roots.push(span.index);
    for (const index of depthFirst(spans, [span.index])) seen[index] = 1;
  }
}

// The union of a span's children's intervals clipped to it, merged, in time order; self time is the
// rest. Children are sorted by start, so one pass merges them.
export function coverageOf(span, spans) {
  const merged = [];
  for (const child of span.children) {
    const start = Math.max(spans[child].start, span.start);
    const end = Math.min(spans[child].end, span.end);
    if (end <= start) continue;
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

function computeSelfTimes(spans) {
  for (const span of spans) {
    if (!span.children.length) continue;
    span.childCoverage = coverageOf(span, spans);
    const covered = span.childCoverage.reduce((sum, [start, end]) => sum + end - start, 0);
    span.selfTime = span.duration - covered;
  }
}

// Parses an OTLP JSON trace into the model. Throws an Error with a readable message on input that is
// not a trace.
export function parseOtlpTrace(document) {
  const flat = flattenSpans(document);
  let traceStart = flat.length ? flat[0].startUnixNano : 0n;
  for (const entry of flat) if (entry.startUnixNano < traceStart) traceStart = entry.startUnixNano;
  const spans = flat.map((entry, index) => new Span(entry, index, traceStart));
  const roots = linkTree(spans);
  computeSelfTimes(spans);
  return summarise(spans, roots, traceStart);
}

function summarise(spans, roots, traceStart) {
  const services = new Set();
  let end = 0;
  let maxDepth = 0;
  let errorCount = 0;
  for (const span of spans) {
    services.add(span.service);
    end = Math.max(end, span.end);
    maxDepth = Math.max(maxDepth, span.depth);
    if (span.isError) errorCount++;
  }
  // The first real root; a trace whose root is missing is named after its first orphan.
  const root = roots.map((index) => spans[index]).find((span) => !span.orphan) ?? spans[roots[0]] ?? null;
  return {
    traceId: root?.traceId ?? '',
    spans,
    roots,
    root,
    startUnixNano: traceStart,
    duration: end,
    services: [...services].sort(),
    depth: spans.length ? maxDepth + 1 : 0,
    errorCount,
  };
}

export function findSpan(trace, spanId) {
  return trace.spans.find((span) => span.spanId === spanId) ?? null;
}

// Span indices of the rows shown: preorder, skipping the subtrees of collapsed spans.
export function visibleRows(trace, collapsed) {
  const rows = [];
  const stack = [...trace.roots].reverse();
  while (stack.length) {
    const index = stack.pop();
    rows.push(index);
    if (collapsed.has(index)) continue;
    const { children } = trace.spans[index];
    for (let k = children.length - 1; k >= 0; k--) stack.push(children[k]);
  }
  return rows;
}

// The span's ancestors, nearest first.
export function ancestorsOf(trace, index) {
  const ancestors = [];
  for (let at = trace.spans[index].parent; at !== NO_PARENT; at = trace.spans[at].parent) ancestors.push(at);
  return ancestors;
}

// Find in trace: "key=value" matches an attribute (span or resource) with that key whose value
// contains `value`; anything else matches the span name, the service or any attribute value as a
// case-insensitive substring. Returns span indices in tree order.
export function matchSpans(trace, query, order = visibleRows(trace, new Set())) {
  const text = query.trim().toLowerCase();
  if (!text) return [];
  const equals = text.indexOf('=');
  const matches = equals > 0 ? keyValueMatcher(text.slice(0, equals).trim(), text.slice(equals + 1).trim()) : substringMatcher(text);
  return order.filter((index) => matches(trace.spans[index]));
}

const allAttributes = (span) => span.attributes.concat(span.resource.attributes);

function keyValueMatcher(key, value) {
  return (span) => allAttributes(span).some((attribute) => attribute.key.toLowerCase() === key && valueText(attribute).toLowerCase().includes(value));
}

function substringMatcher(text) {
  return (span) =>
    span.name.toLowerCase().includes(text) ||
    span.service.toLowerCase().includes(text) ||
    span.attributes.some((attribute) => valueText(attribute).toLowerCase().includes(text));
}

const UNITS = [
  { name: 's', nanos: 1e9 },
  { name: 'ms', nanos: 1e6 },
  { name: 'µs', nanos: 1e3 },
];

// Tick positions for a time axis over [start, end] (nanoseconds), about one per `spacing` pixels, at
// 1/2/5 steps, labelled in one unit chosen by the step so neighbours read alike.
export function timeTicks(start, end, widthPixels, spacing = 100) {
  const span = Math.max(end - start, 1);
  const wanted = Math.max(1, Math.floor(widthPixels / spacing));
  const rough = span / wanted;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough);
  const unit = UNITS.find((candidate) => step >= candidate.nanos) ?? { name: 'ns', nanos: 1 };
  const ticks = [];
  for (let time = Math.ceil(start / step) * step; time <= end; time += step) {
    const value = Number((time / unit.nanos).toPrecision(6));
    ticks.push({ time, label: `${value} ${unit.name}` });
  }
  return ticks;
}
