// A layered left-to-right layout of the service graph: a service's column is the length of the longest
// call chain leading to it (callers left of callees), cycles broken at the edge that closes them.
// Within a column services are ordered by the mean row of their callers, which keeps most edges
// from crossing for the 10–30 services a system usually has. Pure: node --test checks it.

// Edges of a depth-first walk that point back to a service still on the walk's stack (they close a cycle).
function backEdges(nodes, outgoing) {
  const state = new Map();  // node -> 'active' | 'done'
  const back = new Set();
  const visit = (start) => {
    const stack = [{ node: start, next: 0 }];
    state.set(start, 'active');
    while (stack.length) {
      const frame = stack[stack.length - 1];
      const targets = outgoing.get(frame.node) ?? [];
      if (frame.next >= targets.length) {
        state.set(frame.node, 'done');
        stack.pop();
        continue;
      }
      const edge = targets[frame.next++];
      const seen = state.get(edge.child);
      if (seen === 'active') back.add(edge);
      else if (!seen) {
        state.set(edge.child, 'active');
        stack.push({ node: edge.child, next: 0 });
      }
    }
  };
  const incoming = new Set(nodes.flatMap((node) => (outgoing.get(node) ?? []).map((edge) => edge.child)));
  for (const node of nodes) if (!incoming.has(node) && !state.has(node)) visit(node);
  for (const node of nodes) if (!state.has(node)) visit(node);
  return back;
}

// Longest-path column of each node over the forward edges (a DAG), in topological order.
function columnsOf(nodes, forward) {
  const column = new Map(nodes.map((node) => [node, 0]));
  const indegree = new Map(nodes.map((node) => [node, 0]));
  for (const edge of forward) indegree.set(edge.child, indegree.get(edge.child) + 1);
  const ready = nodes.filter((node) => indegree.get(node) === 0);
  while (ready.length) {
    const node = ready.shift();
    for (const edge of forward) {
      if (edge.parent !== node) continue;
      column.set(edge.child, Math.max(column.get(edge.child), column.get(node) + 1));
      indegree.set(edge.child, indegree.get(edge.child) - 1);
      if (indegree.get(edge.child) === 0) ready.push(edge.child);
    }
  }
  return column;
}

// `services`: names; `edges`: [{ parent, child, ... }]. Returns { nodes: [{ name, column, row }],
// edges: [{ ...edge, back }], columns, rows } with rows counted within each column.
export function layeredLayout(services, edges) {
  const nodes = [...new Set([...services, ...edges.flatMap((edge) => [edge.parent, edge.child])])].sort();
  const outgoing = new Map();
  for (const edge of edges) {
    if (edge.parent === edge.child) continue;
    if (!outgoing.has(edge.parent)) outgoing.set(edge.parent, []);
    outgoing.get(edge.parent).push(edge);
  }
  const back = backEdges(nodes, outgoing);
  const forward = edges.filter((edge) => edge.parent !== edge.child && !back.has(edge));
  const column = columnsOf(nodes, forward);

  const columnCount = Math.max(0, ...column.values()) + 1;
  const byColumn = Array.from({ length: columnCount }, () => []);
  for (const node of nodes) byColumn[column.get(node)].push(node);
  const row = new Map();
  for (const members of byColumn) {
    const meanCallerRow = (node) => {
      const rows = forward.filter((edge) => edge.child === node && row.has(edge.parent)).map((edge) => row.get(edge.parent));
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
    };
    const keyed = members.map((node) => ({ node, key: meanCallerRow(node) }));
    keyed.sort((a, b) => (a.key === b.key ? a.node.localeCompare(b.node) : a.key - b.key));
    keyed.forEach(({ node }, index) => row.set(node, index));
  }
  return {
    nodes: nodes.map((name) => ({ name, column: column.get(name), row: row.get(name) })),
    edges: edges.map((edge) => ({ ...edge, back: back.has(edge) || edge.parent === edge.child })),
    columns: columnCount,
    rows: Math.max(0, ...byColumn.map((members) => members.length)),
  };
}
