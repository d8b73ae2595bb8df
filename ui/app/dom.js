// Building DOM without innerHTML, so text from the server (service names, attributes) is never parsed
// as markup.
//
//   h('a', { href: '/graph', class: 'nav', onclick: handler }, 'Service graph')
//
// Props: `on<event>` functions become listeners, `true` a bare attribute, `false`/null/undefined are
// skipped, everything else is set as an attribute. Children: nodes, strings, numbers, arrays; null and
// false are skipped.

const SVG_NS = 'http://www.w3.org/2000/svg';

function applyProps(element, props) {
  for (const [name, value] of Object.entries(props ?? {})) {
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(name, String(value));
    }
  }
}

function appendChildren(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  applyProps(element, props);
  appendChildren(element, children);
  return element;
}

export function svg(tag, props, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  applyProps(element, props);
  appendChildren(element, children);
  return element;
}

// Replaces everything inside `root`.
export function replaceContent(root, ...children) {
  root.replaceChildren();
  appendChildren(root, children);
}
