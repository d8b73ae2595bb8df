// The search page's URL state and its translation into the query language (no browser needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  DEFAULT_STATE, paramsFromState, parseTagText, queryText, searchRequest, stateFromParams, tagText,
} from '../app/search/search_query.js';

test('a state survives the round trip through the URL', () => {
  const state = {
    ...DEFAULT_STATE, service: 'orders', operation: 'POST /orders', tags: ['customer.tier=gold', 'note=a b'],
    minDuration: '10ms', maxDuration: '2s', lookback: 'custom', start: '2026-11-25T10:00', end: '2026-11-25T11:00',
    limit: 50, q: '{ kind = server }',
  };
  assert.deepEqual(stateFromParams(new URLSearchParams(paramsFromState(state).toString())), state);
});

test('defaults leave the URL empty and bad values fall back to defaults', () => {
  assert.equal(paramsFromState(DEFAULT_STATE).toString(), '');
  const state = stateFromParams(new URLSearchParams('lookback=3y&limit=-4'));
  assert.equal(state.lookback, DEFAULT_STATE.lookback);
  assert.equal(state.limit, DEFAULT_STATE.limit);
  assert.equal(stateFromParams(new URLSearchParams('limit=99999')).limit, 1000);
});

test('attribute text parses into key=value pairs, quoted values may hold spaces', () => {
  assert.deepEqual(parseTagText(' a=1  b="x y" c=\\z '), ['a=1', 'b=x y', 'c=\\z']);
  assert.deepEqual(parseTagText(''), []);
  assert.throws(() => parseTagText('a=1 justaword'), /key=value/);
  assert.equal(tagText(['a=1', 'b=x y', 'c=']), 'a=1 b="x y" c=""');
});

test('form fields and the query box join into one span selector', () => {
  assert.equal(queryText(DEFAULT_STATE), '{}');
  assert.equal(queryText({ ...DEFAULT_STATE, q: '{ status = error }' }), '{ status = error }');
  assert.equal(
    queryText({ ...DEFAULT_STATE, service: 'pay"ments', operation: 'POST /charge', tags: ['http.response.status_code=502', 'tier=gold'],
      minDuration: '10ms', maxDuration: '1s', q: '{ kind = server || kind = client }' }),
    '{ resource.service.name = "pay\\"ments" && name = "POST /charge" && '
    + '(.http.response.status_code = 502 || .http.response.status_code = "502") && .tier = "gold" && '
    + 'duration >= 10ms && duration <= 1s && (kind = server || kind = client) }');
  assert.equal(queryText({ ...DEFAULT_STATE, tags: ['odd key=x'] }), '{ ."odd key" = "x" }');
});

test('the time range is a lookback from now or a custom range', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  assert.deepEqual(searchRequest({ ...DEFAULT_STATE, lookback: '15m' }, now),
    { q: '{}', start: String(now / 1000 - 900), end: String(now / 1000), limit: '20' });
  assert.throws(() => searchRequest({ ...DEFAULT_STATE, lookback: 'custom' }, now), /start/);
  assert.throws(() => searchRequest({ ...DEFAULT_STATE, lookback: 'custom', start: '2026-11-25T12:00', end: '2026-11-25T11:00' }, now),
    /after/);
});

test('the duration axis ends on a round value above the longest trace', async () => {
  const { durationAxisTop } = await import('../app/search/scatter_plot.js');
  assert.equal(durationAxisTop(380), 400);
  assert.equal(durationAxisTop(120), 200);
  assert.equal(durationAxisTop(4), 4);
  assert.equal(durationAxisTop(4.1), 8);
  assert.equal(durationAxisTop(0), 2);
  assert.equal(durationAxisTop(61_000), 80_000);
});
