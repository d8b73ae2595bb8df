// The detail panel of one span: status, kind, IDs with copy buttons, times, typed attributes, events,
// followable links, resource and scope.
import { el } from './dom.js';
import { formatDuration, valueText } from './trace_model.js';

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
  if (!id) return [el('dt', {}, label), el('dd', {}, '— (a root span)')];
  const copy = el('button', { type: 'button', class: 'tv-copy', 'aria-label': `Copy ${label.toLowerCase()}` }, 'Copy');
  copy.addEventListener('click', () => copyText(id, copy));
  return [el('dt', {}, label), el('dd', {}, el('code', {}, id), note, ' ', copy)];
}

function attributeTable(caption, attributes) {
  if (!attributes.length) return el('p', { class: 'tv-empty' }, `${caption}: none`);
  return el('table', { class: 'tv-attributes' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'key'), el('th', { scope: 'col' }, 'type'), el('th', { scope: 'col' }, 'value'))),
    el('tbody', {}, attributes.map((attribute) => el('tr', { 'data-key': attribute.key },
      el('th', { scope: 'row' }, attribute.key),
      el('td', { class: 'tv-type' }, attribute.type),
      el('td', { class: 'tv-value' }, valueText(attribute))))));
}

function statusLine(span) {
  const text = span.status.message ? `${span.status.code}: ${span.status.message}` : span.status.code;
  return el('p', { class: `tv-status${span.isError ? ' is-error' : ''}` }, span.isError ? '⚠ ' : '', text);
}

function eventList(span) {
  if (!span.events.length) return el('p', { class: 'tv-empty' }, 'Events: none');
  return el('section', {}, el('h3', {}, `Events (${span.events.length})`),
    el('ol', { class: 'tv-events' }, span.events.map((event) => el('li', {},
      el('strong', {}, event.name), ` at +${formatDuration(event.time - span.start)} into the span`,
      event.attributes.length ? attributeTable(`${event.name} attributes`, event.attributes) : null))));
}

function linkList(span, navigate) {
  if (!span.links.length) return el('p', { class: 'tv-empty' }, 'Links: none');
  return el('section', {}, el('h3', {}, `Links (${span.links.length})`),
    el('ul', { class: 'tv-links' }, span.links.map((link) => {
      const href = `/trace/${link.traceId}?span=${link.spanId}`;
      const anchor = el('a', { href, class: 'tv-link' }, `trace ${link.traceId}, span ${link.spanId}`);
      anchor.addEventListener('click', (event) => {
        event.preventDefault();
        navigate(href);
      });
      return el('li', {}, anchor, link.attributes.length ? attributeTable('link attributes', link.attributes) : null);
    })));
}

export function renderSpanDetail(span, { onClose, navigate }) {
  const close = el('button', { type: 'button', class: 'tv-close', 'aria-label': 'Close span detail', onclick: onClose }, '×');
  return el('section', { class: 'tv-detail', 'aria-label': `Span ${span.name}` },
    el('header', { class: 'tv-detail-header' }, el('h2', {}, span.name), close),
    statusLine(span),
    el('dl', { class: 'tv-fields' },
      el('dt', {}, 'Service'), el('dd', {}, span.service),
      el('dt', {}, 'Kind'), el('dd', {}, span.kind),
      el('dt', {}, 'Start'), el('dd', {}, `+${formatDuration(span.start)} after the trace start`),
      el('dt', {}, 'Duration'), el('dd', {}, formatDuration(span.duration)),
      el('dt', {}, 'Self time'), el('dd', {}, formatDuration(span.selfTime)),
      idField('Trace ID', span.traceId),
      idField('Span ID', span.spanId),
      idField('Parent ID', span.parentSpanId, span.orphan ? ' (not in this trace)' : '')),
    attributeTable('Attributes', span.attributes),
    eventList(span),
    linkList(span, navigate),
    attributeTable('Resource', span.resource.attributes),
    el('p', { class: 'tv-scope' }, 'Scope: ', el('code', {}, span.scope.name || '—'), span.scope.version ? ` ${span.scope.version}` : ''));
}
