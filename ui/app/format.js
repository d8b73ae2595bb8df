// Numbers and times as the pages show them.

export const NANOS_PER_MS = 1e6;

// A duration in the largest unit it reaches ("400 ns", "250 µs", "296.7 ms", "2.35 s", "1 m 1 s"), so a
// short one never reads "0 ms"; "–" when unknown.
export function formatDurationMs(ms) {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 0) return `−${formatDurationMs(-ms)}`;
  if (ms === 0) return '0 ms';
  if (ms < 0.001) return `${Math.round(ms * 1e6)} ns`;
  if (ms < 1) return `${+(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${+ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

// The same for nanoseconds, the unit of spans' times.
export function formatDurationNanos(nanos) {
  return formatDurationMs(nanos / NANOS_PER_MS);
}

// A signed change, e.g. "+12.5 ms".
export function formatDeltaMs(ms) {
  if (ms === 0) return '±0 ms';
  return `${ms > 0 ? '+' : '−'}${formatDurationMs(Math.abs(ms))}`;
}

export function formatTime(unixMs) {
  const date = new Date(unixMs);
  return `${date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${
    date.toLocaleTimeString(undefined, { hour12: false })}`;
}

export function formatPercent(fraction) {
  if (!Number.isFinite(fraction)) return '–';
  return `${+(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)} %`;
}

export function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
