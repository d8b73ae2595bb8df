// The query API as the pages use it. Errors carry the server's message (Jaeger's `errors[0].msg` or the
// native `error`), the HTTP status (0: the server could not be reached) and, for query-language errors,
// the column.

export class ApiError extends Error {
  constructor(message, { status = 0, column } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.column = column;
  }
  get unreachable() { return this.status === 0; }
  get notFound() { return this.status === 404; }
}

function serverMessage(body) {
  return body?.error ?? body?.errors?.[0]?.msg;
}

export async function getJson(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError('The hoptrace server cannot be reached.');
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(serverMessage(body) ?? `The server answered HTTP ${response.status}.`,
      { status: response.status, column: body?.column });
  }
  return body;
}

const encode = encodeURIComponent;

export const api = {
  services: (options) => getJson('/api/services', options).then((body) => body.data ?? []),
  operations: (service, options) =>
    getJson(`/api/services/${encode(service)}/operations`, options).then((body) => body.data ?? []),
  // Native search: `params` = { q, start, end, limit } with start/end in Unix seconds.
  search: (params, options) => getJson(`/api/search?${new URLSearchParams(params)}`, options)
    .then((body) => body.traces ?? []),
  // The trace in Jaeger's JSON (`data[0]`).
  trace: (traceId, options) => getJson(`/api/traces/${encode(traceId)}`, options).then((body) => body.data[0]),
  dependencyGraph: (params, options) => getJson(`/api/v2/dependencies?${new URLSearchParams(params)}`, options),
};
