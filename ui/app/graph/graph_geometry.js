// Where the service graph's boxes and arrows go, in SVG units. Boxes stand in columns; an edge that
// skips columns is routed through each column it passes along the gap between two boxes nearest to
// its straight line, so no arrow crosses a box. Pure: node --test checks it.

export const NODE = { width: 150, height: 36 };
export const GAP = { column: 320, row: 90 };
export const PAD = 30;
const LABEL_LIFT = 18;  // the label's two lines sit above the arrow's first stretch

export const nodePosition = (node) => ({ x: PAD + node.column * GAP.column, y: PAD + node.row * GAP.row });

export function canvasSize(layout) {
  return { width: PAD * 2 + (layout.columns - 1) * GAP.column + NODE.width,
    height: PAD * 2 + (layout.rows - 1) * GAP.row + NODE.height + GAP.row / 2 };
}

// The y of the free lanes of a column holding `count` boxes: above the first, between each two, below the last.
function lanes(count) {
  return Array.from({ length: count + 1 }, (_, row) => PAD + row * GAP.row - (GAP.row - NODE.height) / 2);
}

const nearest = (values, target) => values.reduce((best, value) => (Math.abs(value - target) < Math.abs(best - target) ? value : best));

// The points a forward edge passes, left to right: the caller's right side, both sides of every
// column in between (in a lane), the callee's left side. `boxesInColumn[c]`: how many boxes column c holds.
function forwardRoute(from, to, boxesInColumn) {
  const start = { x: from.x + NODE.width, y: from.y + NODE.height / 2 };
  const end = { x: to.x, y: to.y + NODE.height / 2 };
  const points = [start];
  for (let column = from.column + 1; column < to.column; column += 1) {
    const x = PAD + column * GAP.column;
    const along = (x + NODE.width / 2 - start.x) / (end.x - start.x);
    const y = nearest(lanes(boxesInColumn[column]), start.y + along * (end.y - start.y));
    points.push({ x, y }, { x: x + NODE.width, y });
  }
  points.push(end);
  return points;
}

// A curve through `points` (x increasing) with level tangents at each point: every piece stays inside
// the x and y span of its two ends, so a piece in the gap between two columns touches no box.
function smoothPath(points) {
  return points.slice(1).reduce((d, point, i) => {
    const previous = points[i];
    const bend = (point.x - previous.x) / 2;
    return `${d} C${previous.x + bend},${previous.y} ${point.x - bend},${point.y} ${point.x},${point.y}`;
  }, `M${points[0].x},${points[0].y}`);
}

// Against the flow (a cycle's closing edge): leave and enter below the boxes.
function backPath(from, to) {
  const below = Math.max(from.y, to.y) + NODE.height + GAP.row / 2;
  const [fromX, toX] = [from.x + NODE.width / 2, to.x + NODE.width / 2];
  return { d: `M${fromX},${from.y + NODE.height} C${fromX},${below} ${toX},${below} ${toX},${to.y + NODE.height}`,
    label: { x: (fromX + toX) / 2, y: below - 6 } };
}

// { d, label: { x, y } } of `edge` in `layout` (graph_layout.js's).
export function edgeGeometry(edge, layout) {
  const place = (name) => {
    const node = layout.nodes.find((candidate) => candidate.name === name);
    return { ...nodePosition(node), column: node.column };
  };
  const [from, to] = [place(edge.parent), place(edge.child)];
  if (edge.back) return backPath(from, to);
  const boxesInColumn = Array(layout.columns).fill(0);
  for (const node of layout.nodes) boxesInColumn[node.column] += 1;
  const points = forwardRoute(from, to, boxesInColumn);
  return { d: smoothPath(points),
    label: { x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2 - LABEL_LIFT } };
}
