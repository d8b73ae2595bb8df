// The detail panel of one span: status, kind, IDs with copy buttons, times, typed attributes, events,
// followable links, resource and scope.
import { h } from '../dom.js';
import { formatDurationNanos } from '../format.js';
import { valueText } from './trace_model.js';

const COPIED_FOR_MS = 1500;

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';  // no clipboard permission (e.g. not a secure context)
  }
  setTimeout(() => { button.textContent = 'Copy'; }, COPIED_FOR_MS);
}

function idField(label, id, note = '') {
  if (!id) return [h('dt', {}, label), h('dd', {}, '— (a root span)')];
  const copy = h('button', { type: 'button', class: 'tv-copy', 'aria-label': `Copy ${label.toLowerCase()}` }, 'Copy');
  copy.addEventListener('click', () => copyText(id, copy));
  return [h('dt', {}, label), h('dd', {}, h('code', {}, id), note, ' ', copy)];
}

function attributeTable(caption, attributes) {
  if (!attributes.length) return h('p', { class: 'tv-empty' }, `${caption}: none`);
  return h('table', { class: 'tv-attributes' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'key'), h('th', { scope: 'col' }, 'type'), h('th', { scope: 'col' }, 'value'))),
    h('tbody', {}, attributes.map((attribute) => h('tr', { 'data-key': attribute.key },
      h('th', { scope: 'row' }, attribute.key),
      h('td', { class: 'tv-type' }, attribute.type),
      h('td', { class: 'tv-value' }, valueText(attribute))))));
}

function statusLine(span) {
  const text = span.status.message ? `${span.status.code}: ${span.status.message}` : span.status.code;
  return h('p', { class: `tv-status${span.isError ? ' is-error' : ''}` }, span.isError ? '⚠ ' : '', text);
}

function eventList(span) {
  if (!span.events.length) return h('p', { class: 'tv-empty' }, 'Events: none');
  return h('section', {}, h('h3', {}, `Events (${span.events.length})`),
    h('ol', { class: 'tv-events' }, span.events.map((event) => h('li', {},
      h('strong', {}, event.name), ` at +${formatDurationNanos(event.time - span.start)} into the span`,
      event.attributes.length ? attributeTable(`${event.name} attributes`, event.attributes) : null))));
}

function linkList(span, navigate) {
  if (!span.links.length) return h('p', { class: 'tv-empty' }, 'Links: none');
  return h('section', {}, h('h3', {}, `Links (${span.links.length})`),
    h('ul', { class: 'tv-links' }, span.links.map((link) => {
      const href = `/trace/${link.traceId}?span=${link.spanId}`;
      const anchor = h('a', { href, class: 'tv-link' }, `trace ${link.traceId}, span ${link.spanId}`);
      anchor.addEventListener('click', (event) => {
        event.preventDefault();
        navigate(href);
      });
      return h('li', {}, anchor, link.attributes.length ? attributeTable('link attributes', link.attributes) : null);
    })));
}

export function renderSpanDetail(span, { onClose, navigate }) {
  const close = h('button', { type: 'button', class: 'tv-close', 'aria-label': 'Close span detail', onclick: onClose }, '×');
  return h('section', { class: 'tv-detail', 'aria-label': `Span ${span.name}` },
    h('header', { class: 'tv-detail-header' }, h('h2', {}, span.name), close),
    statusLine(span),
    h('dl', { class: 'tv-fields' },
      h('dt', {}, 'Service'), h('dd', {}, span.service),
      h('dt', {}, 'Kind'), h('dd', {}, span.kind),
      h('dt', {}, 'Start'), h('dd', {}, `+${formatDurationNanos(span.start)} after the trace start`),
      h('dt', {}, 'Duration'), h('dd', {}, formatDurationNanos(span.duration)),
      h('dt', {}, 'Self time'), h('dd', {}, formatDurationNanos(span.selfTime)),
      idField('Trace ID', span.traceId),
      idField('Span ID', span.spanId),
      idField('Parent ID', span.parentSpanId, span.orphan ? ' (not in this trace)' : '')),
    attributeTable('Attributes', span.attributes),
    eventList(span),
    linkList(span, navigate),
    attributeTable('Resource', span.resource.attributes),
    h('p', { class: 'tv-scope' }, 'Scope: ', h('code', {}, span.scope.name || '—'), span.scope.version ? ` ${span.scope.version}` : ''));
}
