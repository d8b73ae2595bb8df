// The trace view, route /trace/<traceId>?span=<spanId>: header, minimap, waterfall, span detail,
// findings, find in trace and keyboard navigation. The shell calls
//   mountTraceView(root, { traceId, spanId, navigate })
// and may call the returned unmount() when it leaves the route.
import { ERROR_COLOUR, serviceColour } from '../palette.js';
import { h } from '../dom.js';
import { formatDurationNanos } from '../format.js';
import { renderFindings } from './findings_panel.js';
import { Minimap } from './minimap.js';
import { renderSpanDetail } from './span_detail.js';
import { loadAnalysis, loadTrace } from './trace_api.js';
import { ancestorsOf, findSpan, matchSpans, visibleRows } from './trace_model.js';
import { Waterfall } from './waterfall.js';

const STYLESHEET = new URL('./trace_view.css', import.meta.url).href;
const FIND_DELAY_MS = 150;
const MIN_PAGE_HEIGHT = 420;  // px: header, minimap and a dozen rows  // typing in the find box re-matches once the user pauses

function ensureStylesheet() {
  if (document.querySelector(`link[href="${STYLESHEET}"]`)) return;
  document.head.append(h('link', { rel: 'stylesheet', href: STYLESHEET }));
}

export function mountTraceView(root, { traceId, spanId = '', navigate }) {
  ensureStylesheet();
  let view = null;
  let unmounted = false;
  const show = (...content) => root.replaceChildren(h('div', { class: 'tv-page' }, ...content));

  async function open() {
    show(h('p', { class: 'tv-state', role: 'status' }, `Loading trace ${traceId}…`));
    try {
      const trace = await loadTrace(traceId);
      if (unmounted) return;
      if (!trace.spans.length) {
        showNotFound();
        return;
      }
      view = new TraceView(root, trace, { traceId, navigate });
      view.start(spanId);
    } catch (error) {
      if (!unmounted) showError(error);
    }
  }

  function showNotFound() {
    show(h('div', { class: 'tv-state', role: 'alert' }, h('h1', {}, `Trace ${traceId} not found`),
      h('p', {}, 'No span of this trace is stored: check the ID, or the trace may have been deleted by retention.')));
  }

  function showError(error) {
    if (error.notFound) {
      showNotFound();
      return;
    }
    const title = error.unreachable || error.status >= 500 ? 'Cannot reach the hoptrace server' : 'Cannot show this trace';
    show(h('div', { class: 'tv-state', role: 'alert' }, h('h1', {}, title), h('p', {}, error.message),
      h('button', { type: 'button', class: 'tv-retry', onclick: open }, 'Retry')));
  }

  open();
  return {
    unmount() {
      unmounted = true;
      view?.destroy();
    },
  };
}

// One loaded trace on screen and everything the user changed about it.
class TraceView {
  constructor(root, trace, { traceId, navigate }) {
    this.root = root;
    this.trace = trace;
    this.traceId = traceId;
    this.navigate = navigate;
    this.collapsed = new Set();
    this.selected = -1;
    this.detailOpen = false;
    this.matches = [];
    this.matchAt = -1;
    this.findingsState = {};
    this.order = visibleRows(trace, this.collapsed);  // every span, tree order
    this.rows = this.order;
    this.waterfall = new Waterfall({
      trace, collapsed: this.collapsed, colourOf: serviceColour, errorColour: ERROR_COLOUR,
      onSelect: (index, options) => this.select(index, options), onToggle: (index) => this.toggle(index),
    });
    this.minimap = new Minimap({
      trace, order: this.order, colourOf: serviceColour, errorColour: ERROR_COLOUR,
      onWindow: (start, end) => this.zoom([start, end]),
    });
    this.onKeyDown = (event) => this.handleKey(event);
    this.onResize = () => this.fitToWindow();
    this.build();
  }

  build() {
    // Two slots, so selecting a span redraws the detail without resetting the findings' state.
    this.detailSlot = h('div', { class: 'tv-detail-slot' });
    this.findingsSlot = h('div', { class: 'tv-findings-slot' });
    this.aside = h('aside', { class: 'tv-aside', 'aria-label': 'Span detail and findings' }, this.detailSlot, this.findingsSlot);
    this.notice = h('p', { class: 'tv-notice', role: 'status' });
    this.findCount = h('span', { class: 'tv-find-count', 'aria-live': 'polite' });
    this.findInput = h('input', { type: 'search', class: 'tv-find', 'aria-label': 'Find in trace', placeholder: 'Find: name, service, key=value  ( / )' });
    this.resetZoom = h('button', { type: 'button', class: 'tv-reset-zoom', disabled: true, onclick: () => this.zoom(null) }, 'Reset zoom');
    this.page = h('div', { class: 'tv-page' },
      this.header(),
      this.toolbar(),
      this.notice,
      h('div', { class: 'tv-minimap-row' }, this.minimap.element, this.resetZoom),
      h('div', { class: 'tv-main' }, this.waterfall.element, this.aside));
    this.root.replaceChildren(this.page);
    document.addEventListener('keydown', this.onKeyDown);
    this.fitToWindow();
    window.addEventListener('resize', this.onResize);
  }

  // The page fills the window below the shell's header, so the waterfall (not the document) scrolls:
  // the shell's page container has no height of its own.
  fitToWindow() {
    const setHeight = (height) => { this.page.style.height = `${Math.max(MIN_PAGE_HEIGHT, Math.floor(height))}px`; };
    const height = window.innerHeight - this.page.getBoundingClientRect().top - window.scrollY;
    setHeight(height);
    // Whatever the containers add below the page (padding, a footer) would still scroll the document.
    setHeight(height - Math.max(0, document.documentElement.scrollHeight - window.innerHeight));
  }

  header() {
    const { trace } = this;
    const root = trace.root;
    const started = new Date(Number(trace.startUnixNano / 1_000_000n));
    const fact = (label, value, name) => h('div', { class: 'tv-fact', 'data-fact': name }, h('dt', {}, label), h('dd', {}, value));
    return h('header', { class: 'tv-header' },
      h('h1', {}, h('span', { class: 'tv-service-chip', style: `--tv-service-colour:${serviceColour(root.service)}` }, root.service), ' ', root.name),
      h('dl', { class: 'tv-facts' },
        fact('Trace', h('code', {}, this.traceId), 'trace'),
        fact('Start', started.toISOString().replace('T', ' ').replace('Z', ' UTC'), 'start'),
        fact('Duration', formatDurationNanos(trace.duration), 'duration'),
        fact('Spans', String(trace.spans.length), 'spans'),
        fact('Services', `${trace.services.length}: ${trace.services.join(', ')}`, 'services'),
        fact('Depth', String(trace.depth), 'depth'),
        fact('Errors', trace.errorCount ? `⚠ ${trace.errorCount}` : '0', 'errors')));
  }

  toolbar() {
    let findTimer = 0;
    this.findInput.addEventListener('input', () => {
      clearTimeout(findTimer);
      findTimer = setTimeout(() => this.find(this.findInput.value), FIND_DELAY_MS);
    });
    this.findInput.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      clearTimeout(findTimer);
      if (this.findInput.value !== this.findQuery) this.find(this.findInput.value);
      else this.stepMatch(event.shiftKey ? -1 : 1);
    });
    const otherTrace = h('input', { type: 'text', class: 'tv-compare-id', 'aria-label': 'Trace ID to compare with', placeholder: 'other trace ID', spellcheck: 'false' });
    const compare = (event) => {
      event.preventDefault();
      const other = otherTrace.value.trim();
      if (other) this.navigate(`/compare/${this.traceId}/${encodeURIComponent(other)}`);
    };
    return h('div', { class: 'tv-toolbar' },
      h('div', { class: 'tv-find-box', role: 'search' },
        this.findInput,
        h('button', { type: 'button', 'aria-label': 'Previous match', onclick: () => this.stepMatch(-1) }, '↑'),
        h('button', { type: 'button', 'aria-label': 'Next match', onclick: () => this.stepMatch(1) }, '↓'),
        this.findCount),
      h('button', { type: 'button', onclick: () => this.setAllCollapsed(true) }, 'Collapse all'),
      h('button', { type: 'button', onclick: () => this.setAllCollapsed(false) }, 'Expand all'),
      h('form', { class: 'tv-compare', onsubmit: compare }, otherTrace, h('button', { type: 'submit' }, 'Compare')));
  }

  start(spanId) {
    this.waterfall.setRows(this.rows);
    this.showFindings();
    const initial = spanId ? findSpan(this.trace, spanId) : null;
    if (initial) this.select(initial.index, { open: true });
    else if (spanId) this.notice.textContent = `Span ${spanId} is not in this trace.`;
    this.loadFindings();
  }

  async loadFindings() {
    const topStart = (topSpanId) => findSpan(this.trace, topSpanId)?.start ?? 0;
    try {
      const analysis = await loadAnalysis(this.traceId, topStart);
      this.findingsState = { analysis };
      this.waterfall.setCritical(analysis.critical, analysis.segmentsBySpan);
    } catch (error) {
      this.findingsState = { error: error.message };
    }
    if (!this.destroyed) this.showFindings();
  }

  destroy() {
    this.destroyed = true;
    document.removeEventListener('keydown', this.onKeyDown);
    window.removeEventListener('resize', this.onResize);
    this.waterfall.destroy();
    this.minimap.destroy();
  }

  renderDetail() {
    const open = this.detailOpen && this.selected >= 0;
    this.detailSlot.replaceChildren(...(open
      ? [renderSpanDetail(this.trace.spans[this.selected], { onClose: () => this.closeDetail(), navigate: this.navigate })]
      : []));
  }

  showFindings() {
    this.findingsSlot.replaceChildren(renderFindings(this.findingsState, { onPick: (finding) => this.showFinding(finding) }));
  }

  select(index, { open = this.detailOpen } = {}) {
    this.selected = index;
    this.detailOpen = open;
    this.revealSpans([index]);
    this.waterfall.setMarks({ selected: index });
    this.renderDetail();
    const { spanId } = this.trace.spans[index];
    history.replaceState(history.state, '', `/trace/${this.traceId}?span=${spanId}`);
  }

  closeDetail() {
    this.detailOpen = false;
    this.renderDetail();
    this.waterfall.body.focus();
  }

  // Expands the collapsed ancestors of the spans (one row refresh for all) and scrolls the first
  // one's row into view.
  revealSpans(indices) {
    const hidden = indices.flatMap((index) => ancestorsOf(this.trace, index)).filter((ancestor) => this.collapsed.has(ancestor));
    if (hidden.length) {
      for (const ancestor of hidden) this.collapsed.delete(ancestor);
      this.refreshRows();
    }
    if (indices.length) this.waterfall.reveal(indices[0]);
  }

  toggle(index) {
    if (!this.trace.spans[index].children.length) return;
    if (this.collapsed.has(index)) this.collapsed.delete(index);
    else this.collapsed.add(index);
    this.refreshRows();
  }

  setAllCollapsed(collapse) {
    this.collapsed.clear();
    if (collapse) for (const span of this.trace.spans) if (span.children.length && span.parent >= 0) this.collapsed.add(span.index);
    this.refreshRows();
  }

  refreshRows() {
    this.rows = this.collapsed.size ? visibleRows(this.trace, this.collapsed) : this.order;
    this.waterfall.setRows(this.rows);
  }

  zoom(window) {
    this.minimap.setWindow(window);
    this.resetZoom.disabled = !window;
    this.waterfall.setWindow(...(window ?? [0, this.trace.duration]));
  }

  find(query) {
    this.findQuery = query;
    this.matches = matchSpans(this.trace, query, this.order);
    this.matchAt = -1;
    this.waterfall.setMarks({ matches: new Set(this.matches), currentMatch: -1 });
    if (this.matches.length) this.stepMatch(1);
    else this.findCount.textContent = query.trim() ? 'no match' : '';
  }

  stepMatch(step) {
    if (!this.matches.length) return;
    this.matchAt = (this.matchAt + step + this.matches.length) % this.matches.length;
    const index = this.matches[this.matchAt];
    this.findCount.textContent = `${this.matchAt + 1} of ${this.matches.length}`;
    this.waterfall.setMarks({ currentMatch: index });
    this.select(index);
  }

  showFinding(finding) {
    const indices = finding.spanIds.map((id) => findSpan(this.trace, id)).filter(Boolean).map((span) => span.index);
    this.waterfall.setMarks({ highlighted: new Set(indices) });
    this.revealSpans(indices);
    if (indices.length) this.select(indices[0]);
  }

  handleKey(event) {
    if (!this.page.isConnected) {  // the shell replaced the page without unmounting it
      this.destroy();
      return;
    }
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === '/' && !typing) {
      event.preventDefault();
      this.findInput.focus();
      return;
    }
    if (event.key === 'Escape') {
      if (this.detailOpen) this.closeDetail();
      return;
    }
    // Navigation keys act when the tree (or nothing in particular) has the focus, never on a button.
    const inTree = event.target === this.waterfall.body || event.target === document.body;
    if (!inTree || event.altKey || event.ctrlKey || event.metaKey) return;
    const action = this.keyAction(event.key);
    if (!action) return;
    event.preventDefault();
    action();
  }

  keyAction(key) {
    const position = this.waterfall.rowPosition.get(this.selected) ?? -1;
    const span = this.selected >= 0 ? this.trace.spans[this.selected] : null;
    const moveTo = (at) => () => this.select(this.rows[Math.min(Math.max(at, 0), this.rows.length - 1)]);
    switch (key) {
      case 'ArrowDown': return moveTo(position + 1);
      case 'ArrowUp': return moveTo(position < 0 ? 0 : position - 1);
      case 'Home': return moveTo(0);
      case 'End': return moveTo(this.rows.length - 1);
      case 'ArrowLeft':
        if (!span) return null;
        if (span.children.length && !this.collapsed.has(span.index)) return () => this.toggle(span.index);
        return span.parent >= 0 ? () => this.select(span.parent) : null;
      case 'ArrowRight':
        if (!span || !span.children.length) return null;
        return this.collapsed.has(span.index) ? () => this.toggle(span.index) : () => this.select(span.children[0]);
      case 'Enter': return span ? () => this.select(span.index, { open: true }) : null;
      default: return null;
    }
  }
}
