// The service graph's layered layout (no browser needed).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { layeredLayout } from '../app/graph/graph_layout.js';

const edge = (parent, child) => ({ parent, child, callCount: 1 });
const placed = (layout) => Object.fromEntries(layout.nodes.map((node) => [node.name, [node.column, node.row]]));

test('callers sit left of callees, by the longest call chain', () => {
  const layout = layeredLayout(['frontend', 'cart', 'orders', 'payments', 'cron'],
    [edge('frontend', 'cart'), edge('frontend', 'orders'), edge('orders', 'payments'), edge('frontend', 'payments')]);
  const at = placed(layout);
  assert.equal(at.frontend[0], 0);
  assert.equal(at.cron[0], 0);
  assert.equal(at.cart[0], 1);
  assert.equal(at.orders[0], 1);
  assert.equal(at.payments[0], 2);
  assert.equal(layout.columns, 3);
  assert.equal(layout.rows, 2);
  assert.ok(layout.edges.every((e) => !e.back));
});

test('a cycle is broken at the edge that closes it and every service is placed once', () => {
  const layout = layeredLayout([], [edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('b', 'b')]);
  assert.deepEqual(layout.nodes.map((node) => node.name), ['a', 'b', 'c']);
  assert.deepEqual(layout.edges.map((e) => e.back), [false, false, true, true]);
  const at = placed(layout);
  assert.ok(at.a[0] < at.b[0] && at.b[0] < at.c[0]);
});

test('callees are ordered by their callers rows, so edges do not cross', () => {
  const layout = layeredLayout([], [edge('a', 'z'), edge('b', 'y'), edge('a', 'x2'), edge('b', 'x1')]);
  const at = placed(layout);
  assert.ok(Math.max(at.z[1], at.x2[1]) < Math.min(at.y[1], at.x1[1]));
});

test('thirty services stay within bounds', () => {
  const names = Array.from({ length: 30 }, (_, i) => `svc-${i}`);
  const edges = names.slice(1).map((name, i) => edge(names[Math.floor(i / 3)], name));
  const layout = layeredLayout(names, edges);
  assert.equal(layout.nodes.length, 30);
  assert.ok(layout.columns <= 5 && layout.rows <= 18, `${layout.columns} x ${layout.rows}`);
});
