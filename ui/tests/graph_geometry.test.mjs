// The service graph's drawing geometry (no browser needed): arrows that skip columns go around the
// boxes in between.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { edgeGeometry, NODE, nodePosition } from '../app/graph/graph_geometry.js';
import { layeredLayout } from '../app/graph/graph_layout.js';

const edge = (parent, child) => ({ parent, child, callCount: 1 });

// Points along an SVG path of one M and cubic C pieces, 50 per piece.
function pathPoints(d) {
  const numbers = d.match(/-?[\d.]+/g).map(Number);
  const points = [];
  let [x, y] = numbers.slice(0, 2);
  for (let i = 2; i + 6 <= numbers.length; i += 6) {
    const [x1, y1, x2, y2, x3, y3] = numbers.slice(i, i + 6);
    for (let step = 0; step <= 50; step += 1) {
      const t = step / 50;
      const u = 1 - t;
      points.push({ x: u ** 3 * x + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t ** 3 * x3,
        y: u ** 3 * y + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t ** 3 * y3 });
    }
    [x, y] = [x3, y3];
  }
  return points;
}

// Strictly inside the box (its border is where arrows start and end).
function inside(point, node) {
  const { x, y } = nodePosition(node);
  return point.x > x + 1 && point.x < x + NODE.width - 1 && point.y > y + 1 && point.y < y + NODE.height - 1;
}

test('an edge that skips a column passes between its boxes, not through them', () => {
  // a → b → c in one row, and a → c straight across b's box.
  const layout = layeredLayout([], [edge('a', 'b'), edge('b', 'c'), edge('a', 'c'), edge('a', 'd'), edge('d', 'c')]);
  const long = layout.edges.find((e) => e.parent === 'a' && e.child === 'c');
  const b = layout.nodes.find((node) => node.name === 'b');
  const c = layout.nodes.find((node) => node.name === 'c');
  assert.equal(c.column - b.column, 1);
  const { d, label } = edgeGeometry(long, layout);
  const points = pathPoints(d);
  assert.ok(points.length > 100, d);
  for (const node of layout.nodes) {
    assert.ok(!points.some((point) => inside(point, node)), `a → c crosses ${node.name}: ${d}`);
  }
  assert.ok(layout.nodes.every((node) => !inside(label, node)), `the label sits on a box: ${JSON.stringify(label)}`);
  // It still starts at a's right side and ends at c's left side.
  assert.deepEqual(points[0], { x: nodePosition(layout.nodes[0]).x + NODE.width, y: nodePosition(layout.nodes[0]).y + NODE.height / 2 });
  assert.deepEqual(points.at(-1), { x: nodePosition(c).x, y: nodePosition(c).y + NODE.height / 2 });
});

test('an edge between neighbouring columns is one curve', () => {
  const layout = layeredLayout([], [edge('a', 'b')]);
  const { d } = edgeGeometry(layout.edges[0], layout);
  assert.equal(d.match(/C/g).length, 1);
});
