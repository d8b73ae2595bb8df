// The whole trace in a strip: every span a line (rows squeezed to the strip's height), the zoomed
// window outlined. Dragging across it picks the time window the waterfall shows.
import { h } from '../dom.js';

const HEIGHT = 56;
const MIN_DRAG_PIXELS = 4;  // less is a click, not a selection

export class Minimap {
  constructor({ trace, order, colourOf, errorColour, onWindow }) {
    this.trace = trace;
    this.order = order;  // every span in tree order: row positions do not move when rows collapse
    this.colourOf = colourOf;
    this.errorColour = errorColour;
    this.onWindow = onWindow;
    this.window = null;
    this.canvas = h('canvas', { class: 'tv-minimap-canvas', height: HEIGHT });
    this.selection = h('div', { class: 'tv-minimap-window', hidden: true });
    this.element = h('div', {
      class: 'tv-minimap', role: 'img',
      'aria-label': 'Overview of the whole trace; drag across it to zoom the waterfall to a time window',
    }, this.canvas, this.selection);
    this.element.addEventListener('pointerdown', (event) => this.startDrag(event));
    // Drawn a frame later: the waterfall's first rows are painted before the strip's 50,000 lines.
    this.resizeObserver = new ResizeObserver(() => requestAnimationFrame(() => this.draw()));
    this.resizeObserver.observe(this.element);
  }

  destroy() {
    this.resizeObserver.disconnect();
  }

  draw() {
    const width = this.element.clientWidth;
    if (!width) return;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(HEIGHT * ratio);
    this.canvas.style.width = `${width}px`;
    const context = this.canvas.getContext('2d');
    context.scale(ratio, ratio);
    const { spans, duration } = this.trace;
    const total = Math.max(duration, 1);
    const rowHeight = HEIGHT / Math.max(this.order.length, 1);
    const lineHeight = Math.max(1, Math.min(rowHeight - 1, 6));
    this.order.forEach((index, position) => {
      const span = spans[index];
      context.fillStyle = span.isError ? this.errorColour : this.colourOf(span.service);
      const x = (span.start / total) * width;
      context.fillRect(x, position * rowHeight, Math.max(1, (span.duration / total) * width), lineHeight);
    });
    this.placeSelection();
  }

  // `[start, end]` in trace nanoseconds, or null for the whole trace.
  setWindow(window) {
    this.window = window;
    this.placeSelection();
  }

  placeSelection() {
    this.selection.hidden = !this.window;
    if (!this.window) return;
    const total = Math.max(this.trace.duration, 1);
    this.selection.style.left = `${(this.window[0] / total) * 100}%`;
    this.selection.style.width = `${((this.window[1] - this.window[0]) / total) * 100}%`;
  }

  startDrag(event) {
    if (event.button !== 0) return;
    const box = this.element.getBoundingClientRect();
    const timeAt = (clientX) => (Math.min(Math.max(clientX - box.left, 0), box.width) / box.width) * this.trace.duration;
    const from = event.clientX;
    this.element.setPointerCapture(event.pointerId);
    const move = (moved) => {
      if (Math.abs(moved.clientX - from) < MIN_DRAG_PIXELS) return;
      this.setWindow([timeAt(Math.min(from, moved.clientX)), timeAt(Math.max(from, moved.clientX))]);
    };
    const end = (ended) => {
      this.element.removeEventListener('pointermove', move);
      this.element.removeEventListener('pointerup', end);
      if (Math.abs(ended.clientX - from) >= MIN_DRAG_PIXELS) this.onWindow(timeAt(Math.min(from, ended.clientX)), timeAt(Math.max(from, ended.clientX)));
    };
    this.element.addEventListener('pointermove', move);
    this.element.addEventListener('pointerup', end);
  }
}
