// The search page's state, kept in the URL's query string so a search is a link and the back button
// steps through searches; and its translation into an /api/search request (the query language).
// Pure functions: node --test checks them without a browser (ui/tests/search_query.test.mjs).
//
//   /search?service=orders&operation=POST%20%2Forders&tag=http.response.status_code%3D500
//          &minDuration=100ms&maxDuration=2s&lookback=1h&limit=20&q=%7B%20kind%20%3D%20server%20%7D
//   lookback=custom uses start= and end= (datetime-local text, the browser's time zone).

export const LOOKBACKS = [
  { value: '15m', label: 'Last 15 minutes', seconds: 15 * 60 },
  { value: '1h', label: 'Last hour', seconds: 3600 },
  { value: '6h', label: 'Last 6 hours', seconds: 6 * 3600 },
  { value: '24h', label: 'Last 24 hours', seconds: 24 * 3600 },
  { value: '7d', label: 'Last 7 days', seconds: 7 * 24 * 3600 },
  { value: 'custom', label: 'Custom range' },
];
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;

export const DEFAULT_STATE = Object.freeze({
  service: '', operation: '', tags: [], minDuration: '', maxDuration: '',
  lookback: '1h', start: '', end: '', limit: DEFAULT_LIMIT, q: '',
});

export function stateFromParams(params) {
  const lookback = params.get('lookback');
  const limit = Number.parseInt(params.get('limit') ?? '', 10);
  return {
    service: params.get('service') ?? '',
    operation: params.get('operation') ?? '',
    tags: params.getAll('tag').filter(Boolean),
    minDuration: params.get('minDuration') ?? '',
    maxDuration: params.get('maxDuration') ?? '',
    lookback: LOOKBACKS.some((option) => option.value === lookback) ? lookback : DEFAULT_STATE.lookback,
    start: params.get('start') ?? '',
    end: params.get('end') ?? '',
    limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT,
    q: params.get('q') ?? '',
  };
}

// Only what differs from the defaults, so links stay short.
export function paramsFromState(state) {
  const params = new URLSearchParams();
  for (const key of ['service', 'operation']) if (state[key]) params.set(key, state[key]);
  for (const tag of state.tags) params.append('tag', tag);
  for (const key of ['minDuration', 'maxDuration']) if (state[key]) params.set(key, state[key]);
  if (state.lookback !== DEFAULT_STATE.lookback) params.set('lookback', state.lookback);
  if (state.lookback === 'custom') {
    if (state.start) params.set('start', state.start);
    if (state.end) params.set('end', state.end);
  }
  if (state.limit !== DEFAULT_LIMIT) params.set('limit', String(state.limit));
  if (state.q.trim()) params.set('q', state.q.trim());
  return params;
}

// "k=v k2=\"a b\"" → ["k=v", "k2=a b"]; throws on text that is not key=value pairs.
export function parseTagText(text) {
  const tags = [];
  const pattern = /\s*([^\s="]+)=("((?:[^"\\]|\\.)*)"|[^\s"]*)\s*/y;
  let match;
  while (pattern.lastIndex < text.length && (match = pattern.exec(text))) {
    const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2];
    tags.push(`${match[1]}=${value}`);
  }
  if (pattern.lastIndex < text.length && text.slice(pattern.lastIndex).trim()) {
    throw new Error(`Attributes must be key=value pairs separated by spaces (quote values with spaces); cannot read "${
      text.slice(pattern.lastIndex).trim()}".`);
  }
  return tags;
}

export function tagText(tags) {
  return tags.map((tag) => {
    const [key, value] = splitTag(tag);
    return /[\s"]/.test(value) || value === '' ? `${key}="${value.replace(/["\\]/g, '\\$&')}"` : tag;
  }).join(' ');
}

function splitTag(tag) {
  const equals = tag.indexOf('=');
  return equals < 0 ? [tag, ''] : [tag.slice(0, equals), tag.slice(equals + 1)];
}

export function quoteString(text) {
  return JSON.stringify(text);  // the language's string escapes are JSON's (\" \\ \n \t \r \uXXXX)
}

function attributeField(key) {
  return /^[A-Za-z_][\w.\-/]*$/.test(key) ? `.${key}` : `.${quoteString(key)}`;
}

// An attribute compares as text and, when the text reads as a number or boolean, as that type too:
// a user typing status_code=500 means the int 500 as much as the string "500".
function tagTerm(tag) {
  const [key, value] = splitTag(tag);
  const field = attributeField(key);
  const asText = `${field} = ${quoteString(value)}`;
  if (/^-?\d+(\.\d+)?$/.test(value) || value === 'true' || value === 'false') return `(${field} = ${value} || ${asText})`;
  return asText;
}

// The body of a `{ ... }` query, or '' for an empty one.
function queryBody(text) {
  const trimmed = text.trim();
  if (!trimmed) return '';
  return trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1).trim() : trimmed;
}

// The form's fields and the query box joined with && into one span selector.
export function queryText(state) {
  const terms = [];
  if (state.service) terms.push(`resource.service.name = ${quoteString(state.service)}`);
  if (state.operation) terms.push(`name = ${quoteString(state.operation)}`);
  terms.push(...state.tags.map(tagTerm));
  if (state.minDuration) terms.push(`duration >= ${state.minDuration.trim()}`);
  if (state.maxDuration) terms.push(`duration <= ${state.maxDuration.trim()}`);
  const body = queryBody(state.q);
  if (body) terms.push(terms.length ? `(${body})` : body);
  return terms.length ? `{ ${terms.join(' && ')} }` : '{}';
}

// [startSeconds, endSeconds] of the state's time range at `nowMs`; throws on an unusable custom range.
export function timeRange(state, nowMs) {
  if (state.lookback !== 'custom') {
    const { seconds } = LOOKBACKS.find((option) => option.value === state.lookback);
    const end = Math.ceil(nowMs / 1000);
    return [end - seconds, end];
  }
  const start = state.start ? Date.parse(state.start) : NaN;
  const end = state.end ? Date.parse(state.end) : nowMs;
  if (Number.isNaN(start)) throw new Error('A custom range needs a start time.');
  if (Number.isNaN(end) || end <= start) throw new Error('The end of the range must come after its start.');
  return [Math.floor(start / 1000), Math.ceil(end / 1000)];
}

// The /api/search parameters for the state.
export function searchRequest(state, nowMs) {
  const [start, end] = timeRange(state, nowMs);
  return { q: queryText(state), start: String(start), end: String(end), limit: String(state.limit) };
}
