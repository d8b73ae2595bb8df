// Service colours shared by every page: Paul Tol's "muted" scheme plus Okabe–Ito's extra hues, chosen to
// stay distinguishable with the common colour-vision deficiencies. A service keeps its colour across
// pages and reloads because the colour is picked by a hash of its name, not by order of appearance.
// Red is left out: it means "error" everywhere in the UI.

export const SERVICE_COLOURS = Object.freeze([
  '#332288', // indigo
  '#88ccee', // cyan
  '#44aa99', // teal
  '#117733', // green
  '#999933', // olive
  '#ddcc77', // sand
  '#aa4499', // purple
  '#882255', // wine
  '#0072b2', // Okabe–Ito blue
  '#e69f00', // Okabe–Ito orange
  '#56b4e9', // Okabe–Ito sky blue
  '#009e73', // Okabe–Ito bluish green
]);

export const ERROR_COLOUR = '#d62728';

// FNV-1a over the UTF-16 code units: cheap, stable, and spreads similar names ("svc-1", "svc-2").
function hashName(name) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function serviceColour(serviceName) {
  return SERVICE_COLOURS[hashName(String(serviceName ?? '')) % SERVICE_COLOURS.length];
}

// Black or white, whichever reads better on `background` (#rrggbb), for text on a service chip.
export function textColourOn(background) {
  const channel = (offset) => parseInt(background.slice(offset, offset + 2), 16) / 255;
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.5 ? '#000000' : '#ffffff';
}
