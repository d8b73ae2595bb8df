// The app shell: routes (History API) to the pages, keeps the header's navigation current, and turns
// clicks on in-app links into pushState navigation (links stay real links: middle-click opens a tab).
//
//   /  /search?...                  search page
//   /trace/<traceId>?span=<spanId>  trace view (ui/app/trace/, loaded on demand)
//   /graph?...                      service graph
//   /compare/<traceIdA>/<traceIdB>  structural diff of two traces
//
// A page is `mount(root, context)`, context = { params, navigate, signal }; the signal aborts when the
// user leaves the page, so its fetches stop. A page that returns `{ unmount() }` (the trace view) is
// also told when it is left.

import { h, replaceContent } from './dom.js';
import { emptyState, errorState } from './states.js';

const ROUTES = [
  { pattern: /^\/(?:search)?$/, section: 'search', title: 'Search',
    mount: async (root, context) => (await import('./search/search_page.js')).mountSearchPage(root, context) },
  { pattern: /^\/trace\/([^/]+)$/, section: 'trace', title: 'Trace', mount: mountTrace },
  { pattern: /^\/graph$/, section: 'graph', title: 'Service graph',
    mount: async (root, context) => (await import('./graph/graph_page.js')).mountGraphPage(root, context) },
  { pattern: /^\/compare\/([^/]+)\/([^/]+)$/, section: 'compare', title: 'Compare',
    mount: async (root, context) => (await import('./compare/compare_page.js')).mountComparePage(root, context) },
];

const root = document.getElementById('app');
let currentPage = null;  // { controller: AbortController, unmount?: () => void }

async function mountTrace(pageRoot, { match, params, navigate }) {
  const { mountTraceView } = await import('./trace/trace_view.js');
  return mountTraceView(pageRoot, { traceId: decodeURIComponent(match[1]), spanId: params.get('span') ?? undefined, navigate });
}

export function navigate(url, { replace = false } = {}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) {
    location.assign(target.href);
    return;
  }
  history[replace ? 'replaceState' : 'pushState'](null, '', target.pathname + target.search + target.hash);
  render();
}

function markSection(section) {
  for (const link of document.querySelectorAll('.nav-link')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function leaveCurrentPage() {
  if (!currentPage) return;
  currentPage.controller.abort();
  try {
    currentPage.unmount?.();
  } catch (error) {
    console.error('unmount failed', error);
  }
}

async function render() {
  leaveCurrentPage();
  const controller = new AbortController();
  const page = { controller };
  currentPage = page;
  const route = ROUTES.find((candidate) => candidate.pattern.test(location.pathname));
  markSection(route?.section);
  document.title = route ? `${route.title} · hoptrace` : 'Not found · hoptrace';
  if (!route) {
    replaceContent(root, emptyState('Page not found', `Nothing lives at ${location.pathname}.`),
      h('p', null, h('a', { href: '/search' }, 'Go to search')));
    return;
  }
  const context = {
    match: location.pathname.match(route.pattern),
    params: new URLSearchParams(location.search),
    navigate,
    signal: controller.signal,
  };
  // Each visit gets its own element: a page still loading when the user moves on writes into a
  // detached element, never over the next page.
  const pageRoot = h('div', { class: `page page-${route.section}` });
  replaceContent(root, pageRoot);
  try {
    const mounted = await route.mount(pageRoot, context);
    if (typeof mounted?.unmount === 'function') {
      if (controller.signal.aborted) mounted.unmount();  // left while it was mounting
      else page.unmount = () => mounted.unmount();
    }
  } catch (error) {
    if (error.name === 'AbortError' || controller.signal.aborted) return;
    console.error(error);
    replaceContent(pageRoot, errorState(error, () => render()));
  }
}

// In-app links navigate without a reload; modified clicks, downloads and new-tab links keep their default.
function onDocumentClick(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest?.('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  // getAttribute: an SVG <a>'s `href` property is not a string.
  const target = new URL(link.getAttribute('href'), location.href);
  if (target.origin !== location.origin || target.pathname.startsWith('/api/')) return;
  event.preventDefault();
  navigate(target.href);
}

function onTraceJump(event) {
  event.preventDefault();
  const input = event.target.elements.traceId;
  const traceId = input.value.trim().toLowerCase();
  if (!input.checkValidity() || !traceId) {
    input.reportValidity();
    return;
  }
  input.value = '';
  navigate(`/trace/${traceId}`);
}

document.addEventListener('click', onDocumentClick);
document.querySelector('.trace-jump').addEventListener('submit', onTraceJump);
window.addEventListener('popstate', () => render());
render();
