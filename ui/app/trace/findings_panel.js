// The diagnosis' findings beside the waterfall, in their rank order; picking one shows its spans.
import { h } from '../dom.js';
import { formatDurationNanos } from '../format.js';

const KIND_LABELS = {
  critical_path: 'critical path', gap: 'gap', n_plus_one: 'N+1', serial_calls: 'serial calls',
  error_origin: 'error origin', split_trace: 'split trace', orphans: 'orphans', secret: 'secret',
  async_after_end: 'async after end', clock_skew: 'clock skew', missing_attributes: 'missing attributes',
  oversized_attribute: 'oversized attribute', tiny_span_flood: 'tiny span flood',
};

function explained(finding) {
  if (!finding.explainedNanos) return 'explains no latency';
  return `explains ${formatDurationNanos(finding.explainedNanos)} (${Math.round(finding.share * 100)} %)`;
}

// `state`: { analysis } once loaded, { error } when the analysis failed, {} while loading.
export function renderFindings(state, { onPick }) {
  const heading = h('h2', {}, 'Findings');
  if (state.error) return h('section', { class: 'tv-findings' }, heading, h('p', { class: 'tv-empty' }, `Analysis unavailable: ${state.error}`));
  if (!state.analysis) return h('section', { class: 'tv-findings' }, heading, h('p', { class: 'tv-empty' }, 'Analysing…'));
  const { findings } = state.analysis;
  if (!findings.length) return h('section', { class: 'tv-findings' }, heading, h('p', { class: 'tv-empty' }, 'Nothing to report.'));
  const buttons = findings.map((finding) => {
    const button = h('button', {
      type: 'button', class: 'tv-finding', 'data-kind': finding.kind, 'aria-pressed': 'false',
      disabled: !finding.spanIds.length,
    },
    h('span', { class: 'tv-finding-rank' }, `#${finding.rank}`),
    h('span', { class: 'tv-finding-kind' }, KIND_LABELS[finding.kind] ?? finding.kind),
    h('span', { class: 'tv-finding-headline' }, finding.headline),
    h('span', { class: 'tv-finding-explained' }, explained(finding)));
    button.addEventListener('click', () => {
      for (const other of buttons) other.setAttribute('aria-pressed', String(other === button));
      onPick(finding);
    });
    return button;
  });
  return h('section', { class: 'tv-findings' }, heading, h('ol', {}, buttons.map((button) => h('li', {}, button))));
}
