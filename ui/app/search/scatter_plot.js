// Duration over start time, one dot per trace. A dot is an SVG link to its trace (click, or Tab +
// Enter), red when the trace has errors, otherwise its root service's colour.

import { svg } from '../dom.js';
import { formatDurationMs, formatTime } from '../format.js';
import { ERROR_COLOUR, serviceColour } from '../palette.js';

const WIDTH = 900;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 16, bottom: 28, left: 64 };
const DOT_RADIUS = 5;
const TICKS = 4;

function scale([domainMin, domainMax], [rangeMin, rangeMax]) {
  const span = domainMax - domainMin || 1;
  return (value) => rangeMin + ((value - domainMin) / span) * (rangeMax - rangeMin);
}

function ticks([min, max]) {
  return Array.from({ length: TICKS + 1 }, (_, i) => min + ((max - min) * i) / TICKS);
}

// The top of the duration axis: the smallest 1, 2 or 5 × 10^n step that fits the longest trace in
// TICKS steps, so the ticks read 0, 50, 100, 150, 200 ms rather than 0, 104.5, 209 ms.
export function durationAxisTop(longestMs) {
  const rough = Math.max(longestMs, 1) / TICKS;  // at least 1 ms: search results count whole ms
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough);
  return step * TICKS;
}

function axes(x, y, timeDomain, durationDomain) {
  const bottom = HEIGHT - MARGIN.bottom;
  return [
    svg('line', { class: 'axis', x1: MARGIN.left, y1: bottom, x2: WIDTH - MARGIN.right, y2: bottom }),
    svg('line', { class: 'axis', x1: MARGIN.left, y1: MARGIN.top, x2: MARGIN.left, y2: bottom }),
    ticks(durationDomain).map((value) => svg('g', { class: 'tick' },
      svg('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value) }),
      svg('text', { x: MARGIN.left - 6, y: y(value), 'text-anchor': 'end', 'dominant-baseline': 'middle' },
        formatDurationMs(value)))),
    ticks(timeDomain).map((value, i) => svg('text', {
      class: 'tick', x: x(value), y: HEIGHT - 8,
      'text-anchor': i === 0 ? 'start' : i === TICKS ? 'end' : 'middle',
    }, new Date(value).toLocaleTimeString(undefined, { hour12: false }))),
  ];
}

function dot(trace, x, y) {
  const label = `${trace.rootServiceName}: ${trace.rootTraceName}, ${formatDurationMs(trace.durationMs)}, ${
    formatTime(trace.startMs)}${trace.errorCount ? `, ${trace.errorCount} errors` : ''}`;
  return svg('a', { href: `/trace/${trace.traceID}`, class: 'dot-link', 'aria-label': label, 'data-trace-id': trace.traceID },
    svg('circle', {
      class: trace.errorCount ? 'dot dot-error' : 'dot', cx: x(trace.startMs), cy: y(trace.durationMs), r: DOT_RADIUS,
      fill: trace.errorCount ? ERROR_COLOUR : serviceColour(trace.rootServiceName),
    }, svg('title', null, label)));
}

// `traces`: search results with `startMs` added. `timeDomain`: [startMs, endMs] of the searched range.
export function scatterPlot(traces, timeDomain) {
  const durationDomain = [0, durationAxisTop(Math.max(0, ...traces.map((trace) => trace.durationMs)))];
  const x = scale(timeDomain, [MARGIN.left, WIDTH - MARGIN.right]);
  const y = scale(durationDomain, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  return svg('svg', {
    class: 'scatter-plot', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'group',
    'aria-label': `Duration over time of ${traces.length} traces; each dot opens its trace`,
  }, axes(x, y, timeDomain, durationDomain), traces.map((trace) => dot(trace, x, y)));
}
