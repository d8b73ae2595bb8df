// Fetching one trace and its diagnosis from the query API, with the failures the view tells apart.
import { parseAnalysis } from './analysis_model.js';
import { parseOtlpTrace } from './trace_model.js';

export class TraceNotFoundError extends Error {}
export class ServerUnreachableError extends Error {}

// The JSON body, or a typed error: 404 → not found; no answer or a 5xx → unreachable; another status
// → the server's own message (e.g. "invalid trace ID").
async function fetchJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (error) {
    throw new ServerUnreachableError(`The hoptrace server did not answer (${error.message})`);
  }
  if (response.status === 404) throw new TraceNotFoundError(`${url} answered 404`);
  if (response.status >= 500) throw new ServerUnreachableError(`The hoptrace server answered ${response.status}`);
  let body;
  try {
    body = await response.json();
  } catch {
    throw new Error(`${url} answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) throw new Error(body.error ?? body.errors?.[0]?.msg ?? `${url} answered ${response.status}`);
  return body;
}

const tracePath = (traceId) => `/api/v2/traces/${encodeURIComponent(traceId)}`;

// The performance marks let the first-render benchmark tell loading the app, fetching, parsing and
// drawing apart.
export async function loadTrace(traceId) {
  performance.mark('hoptrace:trace-requested');
  const document = await fetchJson(tracePath(traceId));
  performance.mark('hoptrace:trace-fetched');
  const trace = parseOtlpTrace(document);
  performance.mark('hoptrace:trace-parsed');
  return trace;
}

// `topStart`: the model time of the analysis' top span, which its segment offsets count from.
export async function loadAnalysis(traceId, topStartOf) {
  const document = await fetchJson(`${tracePath(traceId)}/analysis`);
  return parseAnalysis(document, topStartOf(document.top?.spanId ?? ''));
}
