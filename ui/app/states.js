// The states every page shares: loading, empty and error (with a retry for an unreachable server).

import { h } from './dom.js';

export function loadingState(what) {
  return h('p', { class: 'state state-loading', role: 'status' }, `Loading ${what}…`);
}

export function emptyState(title, hint) {
  return h('div', { class: 'state state-empty', role: 'status' }, h('h2', null, title), hint && h('p', null, hint));
}

// `retry` is offered when the failure may pass (server unreachable or failing), not for a 4xx.
export function errorState(error, retry) {
  const transient = !error.status || error.status >= 500;
  return h('div', { class: 'state state-error', role: 'alert' },
    h('h2', null, error.unreachable ? 'Server unreachable' : 'Something went wrong'),
    h('p', null, error.message),
    transient && retry && h('button', { type: 'button', class: 'button', onclick: retry }, 'Retry'));
}
