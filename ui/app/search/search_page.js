// The search page: a form whose state lives in the URL (search_query.js), the duration-over-time plot
// and the result list. Submitting pushes a new URL; the router then mounts the page again with it.

import { api } from '../api.js';
import { h, replaceContent } from '../dom.js';
import { plural } from '../format.js';
import { emptyState, errorState, loadingState } from '../states.js';
import { resultList } from './result_list.js';
import { scatterPlot } from './scatter_plot.js';
import {
  DEFAULT_STATE, LOOKBACKS, MAX_LIMIT, paramsFromState, parseTagText, searchRequest, stateFromParams, tagText, timeRange,
} from './search_query.js';

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control,
    hint && h('span', { class: 'field-hint' }, hint));
}

function select(name, label, options, selected) {
  return h('select', { name, 'aria-label': label },
    options.map(({ value, text }) => h('option', { value, selected: value === selected }, text)));
}

function serviceOptions(services, selected) {
  // A service in the URL but not (or no longer) in the store stays selectable, so the link still works.
  const names = services.includes(selected) || !selected ? services : [selected, ...services];
  return [{ value: '', text: 'All services' }, ...names.map((name) => ({ value: name, text: name }))];
}

async function loadOperations(form, service, selected, signal) {
  const operationSelect = form.elements.operation;
  const operations = service ? await api.operations(service, { signal }).catch(() => []) : [];
  const names = operations.includes(selected) || !selected ? operations : [selected, ...operations];
  operationSelect.replaceChildren(...[{ value: '', text: 'All operations' }, ...names.map((name) => ({ value: name, text: name }))]
    .map(({ value, text }) => h('option', { value, selected: value === selected }, text)));
  operationSelect.disabled = !service;
}

function customRangeFields(state) {
  return h('div', { class: 'custom-range', hidden: state.lookback !== 'custom' },
    field('From', h('input', { type: 'datetime-local', name: 'start', value: state.start, 'aria-label': 'Range start' })),
    field('To', h('input', { type: 'datetime-local', name: 'end', value: state.end, 'aria-label': 'Range end (empty: now)' })));
}

function searchForm(state, services, onSubmit) {
  const form = h('form', { class: 'search-form', 'aria-label': 'Search traces', novalidate: true, onsubmit: onSubmit },
    h('div', { class: 'form-grid' },
      field('Service', select('service', 'Service', serviceOptions(services, state.service), state.service)),
      field('Operation', h('select', { name: 'operation', 'aria-label': 'Operation', disabled: !state.service })),
      field('Attributes', h('input', {
        name: 'tags', type: 'text', value: tagText(state.tags), spellcheck: 'false', 'aria-label': 'Attributes',
        placeholder: 'http.response.status_code=500 customer.tier=gold',
      }), 'key=value, separated by spaces'),
      field('Min duration', h('input', { name: 'minDuration', type: 'text', value: state.minDuration, placeholder: 'e.g. 100ms', 'aria-label': 'Minimum duration' })),
      field('Max duration', h('input', { name: 'maxDuration', type: 'text', value: state.maxDuration, placeholder: 'e.g. 2s', 'aria-label': 'Maximum duration' })),
      field('Time range', select('lookback', 'Time range', LOOKBACKS.map(({ value, label }) => ({ value, text: label })), state.lookback)),
      field('Limit', h('input', { name: 'limit', type: 'number', min: 1, max: MAX_LIMIT, value: state.limit, 'aria-label': 'Result limit' }))),
    customRangeFields(state),
    field('Query', h('textarea', {
      name: 'q', rows: 2, spellcheck: 'false', 'aria-label': 'Query language', 'aria-describedby': 'query-error',
      placeholder: '{ span.http.response.status_code >= 500 || status = error }',
    }, state.q), 'The query language (see /api/search); joined with the fields above by &&'),
    h('p', { id: 'query-error', class: 'form-error', role: 'alert' }),
    h('div', { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Find traces'),
      h('a', { class: 'button', href: '/search' }, 'Reset')));
  form.elements.service.addEventListener('change', () => loadOperations(form, form.elements.service.value, '', undefined));
  form.elements.lookback.addEventListener('change', () => {
    form.querySelector('.custom-range').hidden = form.elements.lookback.value !== 'custom';
  });
  return form;
}

// The form's fields as a state; throws with a message for the user on unreadable input.
function stateFromForm(form) {
  const value = (name) => form.elements[name].value.trim();
  const state = {
    ...DEFAULT_STATE,
    service: value('service'), operation: value('operation'), tags: parseTagText(value('tags')),
    minDuration: value('minDuration'), maxDuration: value('maxDuration'),
    lookback: value('lookback'), start: value('start'), end: value('end'),
    limit: Math.min(Math.max(Number.parseInt(value('limit'), 10) || DEFAULT_STATE.limit, 1), MAX_LIMIT),
    q: value('q'),
  };
  timeRange(state, Date.now());  // throws on an unusable custom range
  return state;
}

function compareBar() {
  const button = h('a', { class: 'button compare-button', 'aria-disabled': 'true' }, 'Compare selected (0 of 2)');
  const update = (traceIds) => {
    button.textContent = `Compare selected (${Math.min(traceIds.length, 2)} of 2)`;
    if (traceIds.length === 2) {
      button.setAttribute('href', `/compare/${traceIds[0]}/${traceIds[1]}`);
      button.removeAttribute('aria-disabled');
    } else {
      button.removeAttribute('href');
      button.setAttribute('aria-disabled', 'true');
    }
  };
  return { element: button, update };
}

function renderResults(container, traces, range) {
  if (!traces.length) {
    replaceContent(container, emptyState('No traces found', 'Widen the time range or loosen the filters.'));
    return;
  }
  const withTimes = traces.map((trace) => ({ ...trace, startMs: Number(BigInt(trace.startTimeUnixNano) / 1_000_000n) }));
  const compare = compareBar();
  replaceContent(container,
    h('div', { class: 'results-header' },
      h('h2', { class: 'results-count' }, plural(traces.length, 'trace')), compare.element),
    scatterPlot(withTimes, [range[0] * 1000, range[1] * 1000]),
    resultList(withTimes, compare.update));
}

async function runSearch(container, form, state, signal) {
  const errorLine = form.querySelector('#query-error');
  let request;
  try {
    request = searchRequest(state, Date.now());
  } catch (error) {
    errorLine.textContent = error.message;
    replaceContent(container);
    return;
  }
  replaceContent(container, loadingState('traces'));
  try {
    const traces = await api.search(request, { signal });
    renderResults(container, traces, [Number(request.start), Number(request.end)]);
  } catch (error) {
    if (error.name === 'AbortError') return;
    if (error.status === 400) {
      // The query that was sent is shown, since its columns are what the server's message counts in.
      errorLine.replaceChildren(h('span', null, error.message), h('code', { class: 'sent-query' }, request.q));
      replaceContent(container);
      return;
    }
    replaceContent(container, errorState(error, () => runSearch(container, form, state, signal)));
  }
}

export async function mountSearchPage(root, { params, navigate, signal }) {
  const state = stateFromParams(params);
  replaceContent(root, loadingState('services'));
  const services = await api.services({ signal });
  const results = h('section', { class: 'search-results', 'aria-live': 'polite', 'aria-label': 'Search results' });
  const form = searchForm(state, services, (event) => {
    event.preventDefault();
    try {
      const query = paramsFromState(stateFromForm(form)).toString();
      navigate(`/search${query ? `?${query}` : ''}`);
    } catch (error) {
      form.querySelector('#query-error').textContent = error.message;
    }
  });
  replaceContent(root, h('h1', { class: 'page-title' }, 'Search'), form, results);
  await loadOperations(form, state.service, state.operation, signal);
  await runSearch(results, form, state, signal);
}
