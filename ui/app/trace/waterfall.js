// The waterfall: one row per visible span, indented under its parent, bars on a shared time axis.
// Rows are virtualised: only the rows in (or near) the viewport exist in the DOM, taken from a pool
// and moved with transforms, so a 50,000-span trace costs as much DOM as a 50-span one.
import { h } from '../dom.js';
import { formatDurationNanos } from '../format.js';
import { timeTicks } from './trace_model.js';

export const ROW_HEIGHT = 24;
const INDENT = 14;
const OVERSCAN_ROWS = 8;
const MAX_EVENT_MARKS = 20;
const COVERAGE_BUCKETS = 200;  // child coverage drawn at 0.5 % of the bar: finer cannot be seen
const LABEL_ROOM = 0.12;       // share of the axis a duration label needs left of its bar

// CSS gradient over a bar: the stretches children cover are lighter, the span's own time solid, so
// self time and a parent's gaps show inside the bar.
function coverageGradient(span) {
  if (!span.childCoverage.length || span.duration === 0) return 'none';
  const stops = [];
  let last = -1;
  for (const [start, end] of span.childCoverage) {
    const from = Math.floor(((start - span.start) / span.duration) * COVERAGE_BUCKETS) / 2;
    const to = Math.ceil(((end - span.start) / span.duration) * COVERAGE_BUCKETS) / 2;
    if (from <= last && stops.length) stops[stops.length - 1][1] = to;
    else stops.push([from, to]);
    last = to;
  }
  const parts = stops.map(([from, to]) => `transparent ${from}%, var(--tv-covered) ${from}% ${to}%, transparent ${to}%`);
  return `linear-gradient(to right, ${parts.join(', ')})`;
}

function createRow() {
  const toggle = h('button', { class: 'tv-toggle', type: 'button', tabindex: '-1' });
  const errorMark = h('span', { class: 'tv-error-mark', title: 'error' }, '⚠', h('span', { class: 'tv-sr' }, ' error'));
  const criticalMark = h('span', { class: 'tv-critical-mark', title: 'on the critical path' }, '◆', h('span', { class: 'tv-sr' }, ' on the critical path'));
  const service = h('span', { class: 'tv-service' });
  const operation = h('span', { class: 'tv-operation' });
  const name = h('div', { class: 'tv-name' }, toggle, errorMark, criticalMark, service, operation);
  const bar = h('div', { class: 'tv-bar' });
  const marks = h('div', { class: 'tv-marks' });
  const label = h('span', { class: 'tv-duration' });
  const timeline = h('div', { class: 'tv-timeline' }, h('div', { class: 'tv-lane' }, bar, marks), label);
  const element = h('div', { class: 'tv-row', role: 'treeitem' }, name, timeline);
  return { element, toggle, service, operation, name, bar, marks, label, index: -1, version: -1 };
}

export class Waterfall {
  // `collapsed`: the view's set of collapsed span indices, read to tell a row's aria-expanded.
  constructor({ trace, collapsed, colourOf, errorColour, onSelect, onToggle }) {
    this.trace = trace;
    this.collapsed = collapsed;
    this.colourOf = colourOf;
    this.errorColour = errorColour;
    this.rows = [];
    this.window = [0, Math.max(trace.duration, 1)];
    this.critical = new Set();
    this.segments = new Map();
    this.marks = { selected: -1, matches: new Set(), currentMatch: -1, highlighted: new Set() };
    this.pool = [];
    this.gradients = new Map();
    this.positionInParent = siblingPositions(trace);
    this.frame = 0;
    this.timelineVersion = 0;  // bumped when every bar must be redrawn (window, critical path)
    this.build(onSelect, onToggle);
  }

  build(onSelect, onToggle) {
    this.spacer = h('div', { class: 'tv-spacer' });
    this.body = h('div', { class: 'tv-rows', role: 'tree', 'aria-label': 'Spans of the trace', tabindex: '0' }, this.spacer);
    this.axis = h('div', { class: 'tv-axis', 'aria-hidden': 'true' });
    this.grid = h('div', { class: 'tv-grid', 'aria-hidden': 'true' });
    this.element = h('div', { class: 'tv-waterfall' },
      h('div', { class: 'tv-axis-row' }, h('div', { class: 'tv-name-header' }, 'Service · operation'), this.axis),
      h('div', { class: 'tv-body-wrap' }, this.grid, this.body));
    this.body.addEventListener('scroll', () => this.schedule());
    this.body.addEventListener('click', (event) => {
      const row = event.target.closest('.tv-row');
      if (!row) return;
      const index = Number(row.dataset.index);
      if (event.target.closest('.tv-toggle')) onToggle(index);
      else onSelect(index, { open: true });
    });
    this.resizeObserver = new ResizeObserver(() => this.schedule());
    this.resizeObserver.observe(this.body);
  }

  destroy() {
    this.resizeObserver.disconnect();
    cancelAnimationFrame(this.frame);
  }

  setRows(rows) {
    this.rows = rows;
    this.rowPosition = new Map(rows.map((index, position) => [index, position]));
    this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    this.schedule();
  }

  setWindow(start, end) {
    this.window = [start, Math.max(end, start + 1)];
    this.timelineVersion++;
    this.schedule();
  }

  setCritical(critical, segments) {
    this.critical = critical;
    this.segments = segments;
    this.timelineVersion++;
    this.schedule();
  }

  setMarks(marks) {
    this.marks = { ...this.marks, ...marks };
    this.schedule();
  }

  // Scrolls the row of span `index` into view (centred when it was off screen).
  reveal(index) {
    const position = this.rowPosition.get(index);
    if (position === undefined) return;
    const top = position * ROW_HEIGHT;
    const { scrollTop, clientHeight } = this.body;
    if (top < scrollTop || top + ROW_HEIGHT > scrollTop + clientHeight) {
      this.body.scrollTop = Math.max(0, top - clientHeight / 2);
    }
    this.schedule();
  }

  schedule() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  render() {
    if (!this.rendered && this.rows.length) {
      this.rendered = true;
      requestAnimationFrame(() => performance.mark('hoptrace:first-rows'));  // after the first rows' frame
    }
    this.renderAxis();
    const { scrollTop, clientHeight } = this.body;
    const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN_ROWS);
    const last = Math.min(this.rows.length, Math.ceil((scrollTop + clientHeight) / ROW_HEIGHT) + OVERSCAN_ROWS);
    const count = Math.max(0, last - first);
    while (this.pool.length < count) {
      const row = createRow();
      this.pool.push(row);
      this.body.append(row.element);
    }
    for (const surplus of this.pool.splice(count)) surplus.element.remove();  // the rows collapsed away
    this.pool.forEach((row, slot) => this.fillRow(row, this.rows[first + slot], first + slot));
    const selected = this.marks.selected >= 0 && this.rowPosition.has(this.marks.selected);
    if (selected) this.body.setAttribute('aria-activedescendant', `tv-row-${this.marks.selected}`);
    else this.body.removeAttribute('aria-activedescendant');
  }

  renderAxis() {
    const width = this.axis.clientWidth;
    if (!width) return;
    const [start, end] = this.window;
    const ticks = timeTicks(start, end, width);
    const at = (time) => `${((time - start) / (end - start)) * 100}%`;
    // A label near the right end is drawn left of its tick, so it is not cut off.
    const tickClass = (tick) => ((tick.time - start) / (end - start) > 0.9 ? 'tv-tick is-last' : 'tv-tick');
    this.axis.replaceChildren(...ticks.map((tick) => h('span', { class: tickClass(tick), style: `left:${at(tick.time)}` }, tick.label)));
    this.grid.replaceChildren(...ticks.map((tick) => h('span', { class: 'tv-gridline', style: `left:${at(tick.time)}` })));
  }

  fillRow(row, index, position) {
    const span = this.trace.spans[index];
    const { element } = row;
    element.style.transform = `translateY(${position * ROW_HEIGHT}px)`;
    element.id = `tv-row-${index}`;
    element.dataset.index = index;
    element.dataset.row = position;
    element.dataset.spanId = span.spanId;
    element.dataset.critical = this.critical.has(span.spanId);
    element.className = this.rowClasses(span, index);
    element.setAttribute('aria-level', span.depth + 1);
    element.setAttribute('aria-posinset', this.positionInParent[index] + 1);
    element.setAttribute('aria-setsize', span.parent < 0 ? this.trace.roots.length : this.trace.spans[span.parent].children.length);
    element.setAttribute('aria-selected', index === this.marks.selected);
    const expanded = span.children.length ? String(!this.collapsed.has(index)) : null;
    if (expanded) element.setAttribute('aria-expanded', expanded);
    else element.removeAttribute('aria-expanded');
    row.name.style.paddingLeft = `${span.depth * INDENT + 4}px`;
    row.name.style.backgroundSize = `${span.depth * INDENT}px 100%`;
    row.toggle.hidden = !span.children.length;
    row.toggle.textContent = expanded === 'false' ? '▸' : '▾';
    row.toggle.setAttribute('aria-label', `${expanded === 'false' ? 'Expand' : 'Collapse'} ${span.name}`);
    row.service.textContent = span.service;
    row.service.style.setProperty('--tv-service-colour', this.colourOf(span.service));
    row.operation.textContent = span.name;
    row.name.title = `${span.service} · ${span.name}`;
    if (row.index !== index || row.version !== this.timelineVersion) this.fillTimeline(row, span);
    row.index = index;
    row.version = this.timelineVersion;
  }

  rowClasses(span, index) {
    const { selected, matches, currentMatch, highlighted } = this.marks;
    let classes = 'tv-row';
    if (span.isError) classes += ' is-error';
    if (this.critical.has(span.spanId)) classes += ' is-critical';
    if (index === selected) classes += ' is-selected';
    if (matches.has(index)) classes += ' is-match';
    if (index === currentMatch) classes += ' is-current-match';
    if (highlighted.has(index)) classes += ' is-highlighted';
    return classes;
  }

  // The bar, its event marks, critical segments and duration label: redone only when the row shows
  // another span or the time window changed.
  fillTimeline(row, span) {
    const [start, end] = this.window;
    const fraction = (time) => (time - start) / (end - start);
    const left = fraction(span.start);
    const right = fraction(span.end);
    row.bar.style.left = `${left * 100}%`;
    row.bar.style.width = `max(1px, ${(right - left) * 100}%)`;
    row.bar.style.backgroundColor = span.isError ? this.errorColour : this.colourOf(span.service);
    row.bar.style.backgroundImage = this.gradientOf(span);
    const marks = (this.segments.get(span.spanId) ?? []).map(([from, to]) =>
      h('span', { class: 'tv-critical-segment', style: `left:${fraction(from) * 100}%;width:${(fraction(to) - fraction(from)) * 100}%` }));
    for (const event of span.events.slice(0, MAX_EVENT_MARKS)) {
      marks.push(h('span', { class: 'tv-event', style: `left:${fraction(event.time) * 100}%`, title: `${event.name} at +${formatDurationNanos(event.time - span.start)}` }));
    }
    row.marks.replaceChildren(...marks);
    this.placeLabel(row.label, span, left, right);
  }

  // The duration label goes after the bar (the gutter right of the axis holds it when the bar ends
  // there, so a root's label never covers its bar), before it when the bar runs past a zoomed window,
  // inside it only when it fills the window.
  placeLabel(label, span, left, right) {
    label.textContent = formatDurationNanos(span.duration);
    const side = right <= 1 ? 'after' : left > LABEL_ROOM ? 'before' : 'inside';
    label.className = `tv-duration is-${side}`;
    label.style.left = side === 'after' ? `calc(${right * 100}% + 4px)` : '';
    label.style.right = side === 'after' ? '' : `calc(${(1 - (side === 'before' ? left : right)) * 100}% + 4px)`;
  }

  gradientOf(span) {
    if (!this.gradients.has(span.index)) this.gradients.set(span.index, coverageGradient(span));
    return this.gradients.get(span.index);
  }
}

// Each span's position among its siblings (aria-posinset), computed once.
function siblingPositions(trace) {
  const positions = new Int32Array(trace.spans.length);
  trace.roots.forEach((index, position) => { positions[index] = position; });
  for (const span of trace.spans) span.children.forEach((child, position) => { positions[child] = position; });
  return positions;
}
