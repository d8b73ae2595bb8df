// The search results: one row per trace with its root, start, a duration bar scaled to the longest
// result, span and error counts and the services it touched; a checkbox per row picks two traces for
// the compare page.

import { h } from '../dom.js';
import { formatDurationMs, formatTime, plural } from '../format.js';
import { serviceColour, textColourOn } from '../palette.js';

export function serviceChip(service) {
  const colour = serviceColour(service);
  return h('span', { class: 'chip', style: `background:${colour};color:${textColourOn(colour)}` }, service);
}

function durationBar(durationMs, longestMs) {
  const percent = longestMs > 0 ? Math.max(0.5, (durationMs / longestMs) * 100) : 0;
  return h('div', { class: 'duration-bar', role: 'img', 'aria-label': `${formatDurationMs(durationMs)}` },
    h('div', { class: 'duration-fill', style: `width:${percent.toFixed(1)}%` }));
}

function resultRow(trace, longestMs, onSelect) {
  const title = `${trace.rootServiceName}: ${trace.rootTraceName}`;
  return h('li', { class: trace.errorCount ? 'result result-error' : 'result', 'data-trace-id': trace.traceID },
    h('label', { class: 'compare-pick' },
      h('input', {
        type: 'checkbox', class: 'compare-checkbox', value: trace.traceID,
        'aria-label': `Select trace ${trace.traceID.slice(0, 8)} (${title}) for comparison`,
        onchange: onSelect,
      })),
    h('div', { class: 'result-main' },
      h('div', { class: 'result-head' },
        h('a', { class: 'result-title', href: `/trace/${trace.traceID}` }, title),
        h('span', { class: 'result-id mono' }, trace.traceID.slice(0, 12))),
      h('div', { class: 'result-meta' },
        h('time', { datetime: new Date(trace.startMs).toISOString() }, formatTime(trace.startMs)),
        h('span', { class: 'span-count' }, plural(trace.spanCount, 'span')),
        trace.errorCount > 0 && h('span', { class: 'error-count' }, plural(trace.errorCount, 'error'))),
      h('div', { class: 'chips', 'aria-label': 'Services' }, trace.services.map(serviceChip))),
    h('div', { class: 'result-duration' },
      h('span', { class: 'duration-text' }, formatDurationMs(trace.durationMs)),
      durationBar(trace.durationMs, longestMs)));
}

// `onSelectionChange(traceIds)` gets the ticked traces' IDs in the order they were ticked.
export function resultList(traces, onSelectionChange) {
  const longestMs = Math.max(0, ...traces.map((trace) => trace.durationMs));
  const picked = [];
  const onSelect = (event) => {
    const id = event.target.value;
    const at = picked.indexOf(id);
    if (event.target.checked && at < 0) picked.push(id);
    if (!event.target.checked && at >= 0) picked.splice(at, 1);
    onSelectionChange([...picked]);
  };
  return h('ol', { class: 'results', 'aria-label': 'Traces found' }, traces.map((trace) => resultRow(trace, longestMs, onSelect)));
}
