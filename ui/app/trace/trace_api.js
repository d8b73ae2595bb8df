// Fetching one trace and its diagnosis from the query API. Failures are api.js's ApiError: `notFound`
// for an unknown trace, `unreachable` when the server did not answer, `status` otherwise.
import { getJson } from '../api.js';
import { parseAnalysis } from './analysis_model.js';
import { parseOtlpTrace } from './trace_model.js';

const tracePath = (traceId) => `/api/v2/traces/${encodeURIComponent(traceId)}`;

// The performance marks let the first-render benchmark tell loading the app, fetching, parsing and
// drawing apart.
export async function loadTrace(traceId, { signal } = {}) {
  performance.mark('hoptrace:trace-requested');
  const document = await getJson(tracePath(traceId), { signal });
  performance.mark('hoptrace:trace-fetched');
  const trace = parseOtlpTrace(document);
  performance.mark('hoptrace:trace-parsed');
  return trace;
}

// `topStart`: the model time of the analysis' top span, which its segment offsets count from.
export async function loadAnalysis(traceId, topStartOf) {
  const document = await getJson(`${tracePath(traceId)}/analysis`);
  return parseAnalysis(document, topStartOf(document.top?.spanId ?? ''));
}
