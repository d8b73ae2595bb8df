// The service graph: services as boxes in call-depth columns, calls as arrows labelled with request
// count, error rate and p99 latency over the chosen range (/api/v2/dependencies), and the same figures
// in a table. The range lives in the URL (/graph?lookback=6h).

import { api } from '../api.js';
import { h, replaceContent, svg } from '../dom.js';
import { formatDurationMs, formatPercent, plural } from '../format.js';
import { serviceColour, textColourOn } from '../palette.js';
import { LOOKBACKS } from '../search/search_query.js';
import { emptyState, errorState, loadingState } from '../states.js';
import { canvasSize, edgeGeometry, NODE, nodePosition } from './graph_geometry.js';
import { layeredLayout } from './graph_layout.js';

const RANGES = LOOKBACKS.filter((option) => option.seconds);
const DEFAULT_LOOKBACK = '1h';

// Two short lines, so a label fits between two columns.
function edgeLabelLines(edge) {
  return [`${plural(edge.callCount, 'call')} · ${formatPercent(edge.errorRate)} err`, `p99 ${formatDurationMs(edge.p99Ms ?? NaN)}`];
}

function graphEdge(edge, layout) {
  const { d, label } = edgeGeometry(edge, layout);
  const lines = edgeLabelLines(edge);
  const text = `${edge.parent} → ${edge.child}: ${lines.join(' · ')}`;
  return svg('g', { class: edge.errorCount ? 'graph-edge edge-error' : 'graph-edge', 'data-parent': edge.parent,
    'data-child': edge.child, role: 'img', 'aria-label': text },
  svg('path', { d, 'marker-end': 'url(#arrow)' }), svg('title', null, text),
  svg('text', { x: label.x, y: label.y, 'text-anchor': 'middle', class: 'edge-label' },
    lines.map((line, i) => svg('tspan', { x: label.x, dy: i ? '1.2em' : 0 }, line))));
}

function graphNode(node) {
  const { x, y } = nodePosition(node);
  const colour = serviceColour(node.name);
  return svg('a', { href: `/search?service=${encodeURIComponent(node.name)}`, class: 'graph-node',
    'data-service': node.name, 'aria-label': `${node.name}: search its traces` },
  svg('rect', { x, y, width: NODE.width, height: NODE.height, rx: 6, fill: colour }),
  svg('text', { x: x + NODE.width / 2, y: y + NODE.height / 2, 'text-anchor': 'middle', 'dominant-baseline': 'middle',
    fill: textColourOn(colour) }, node.name.length > 20 ? `${node.name.slice(0, 19)}…` : node.name));
}

function graphDrawing(layout) {
  const { width, height } = canvasSize(layout);
  return svg('svg', { class: 'graph-canvas', viewBox: `0 0 ${width} ${height}`, role: 'group',
    'aria-label': `Service graph: ${plural(layout.nodes.length, 'service')}, ${plural(layout.edges.length, 'call edge')}` },
  svg('defs', null, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#7d8791' }))),
  layout.edges.map((edge) => graphEdge(edge, layout)),
  layout.nodes.map(graphNode));
}

function edgeTable(edges) {
  const number = (text) => h('td', { class: 'number' }, text);
  return h('table', { class: 'edge-table', 'aria-label': 'Calls between services' },
    h('thead', null, h('tr', null, ['Caller', 'Callee', 'Calls', 'Errors', 'Error rate', 'p50', 'p99']
      .map((title) => h('th', { scope: 'col' }, title)))),
    h('tbody', null, edges.map((edge) => h('tr', { 'data-parent': edge.parent, 'data-child': edge.child },
      h('td', null, edge.parent), h('td', null, edge.child), number(edge.callCount), number(edge.errorCount),
      number(formatPercent(edge.errorRate)), number(formatDurationMs(edge.p50Ms ?? NaN)),
      number(formatDurationMs(edge.p99Ms ?? NaN))))));
}

function rangeForm(lookback, navigate) {
  const choice = h('select', { name: 'lookback', 'aria-label': 'Time range',
    onchange: (event) => navigate(`/graph?lookback=${event.target.value}`) },
  RANGES.map(({ value, label }) => h('option', { value, selected: value === lookback }, label)));
  return h('form', { class: 'graph-form', 'aria-label': 'Service graph range', onsubmit: (event) => event.preventDefault() },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Time range'), choice));
}

async function renderGraph(container, lookback, signal) {
  const { seconds } = RANGES.find((option) => option.value === lookback);
  const end = Math.ceil(Date.now() / 1000);
  replaceContent(container, loadingState('the service graph'));
  try {
    const graph = await api.dependencyGraph({ start: end - seconds, end }, { signal });
    if (!graph.services.length) {
      replaceContent(container, emptyState('No services in this time range', 'Send some traces, or pick a longer range.'));
      return;
    }
    replaceContent(container, graphDrawing(layeredLayout(graph.services, graph.edges)),
      h('p', { class: 'graph-note' }, `Calls, errors and latencies cover all ${plural(graph.traces, 'trace')
      } of the range; p50 and p99 are within 1 %.`),
      graph.edges.length ? edgeTable(graph.edges) : emptyState('No calls between services', 'Each service handled its requests alone.'));
  } catch (error) {
    if (error.name === 'AbortError') return;
    replaceContent(container, errorState(error, () => renderGraph(container, lookback, signal)));
  }
}

export async function mountGraphPage(root, { params, navigate, signal }) {
  const requested = params.get('lookback');
  const lookback = RANGES.some((option) => option.value === requested) ? requested : DEFAULT_LOOKBACK;
  const container = h('section', { class: 'graph', 'aria-live': 'polite' });
  replaceContent(root, h('h1', { class: 'page-title' }, 'Service graph'), rangeForm(lookback, navigate), container);
  await renderGraph(container, lookback, signal);
}
