/* Building the page: elements and SVG from plain data.
 *
 * Text goes in as text nodes or textContent, never as HTML: anything a visitor or the
 * server sent stays text.
 */

export const SVGNS = 'http://www.w3.org/2000/svg';

/** Appends children: nodes as they are, strings and numbers as text nodes, arrays flattened. */
export function append(el, c) {
  if (c === null || c === undefined || c === false) return;
  if (Array.isArray(c)) { c.forEach((x) => append(el, x)); return; }
  el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
}

/**
 * h('div', {class: 'x', 'data-a': 1, onclick: fn}, child, 'text', ...).
 * Attributes that are null, undefined or false are left out; true gives an empty attribute;
 * `text` sets textContent; `on<event>` with a function adds a listener.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const k of Object.keys(attrs)) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'style') setStyle(el, String(v));
      else if (k === 'text') el.textContent = String(v);
      else if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  children.forEach((c) => append(el, c));
  return el;
}

/**
 * Sets 'prop: value; --custom: value' through the CSSOM: the console's
 * Content-Security-Policy (style-src 'self') refuses style attributes, not this.
 */
export function setStyle(el, declarations) {
  declarations.split(';').forEach((declaration) => {
    const colon = declaration.indexOf(':');
    if (colon > 0) el.style.setProperty(declaration.slice(0, colon).trim(), declaration.slice(colon + 1).trim());
  });
}

/** An SVG element: every attribute is set as given (style as in h()); children as in h(). */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVGNS, tag);
  if (attrs) {
    for (const k of Object.keys(attrs)) {
      if (attrs[k] === null || attrs[k] === undefined) continue;
      if (k === 'style') setStyle(el, String(attrs[k]));
      else el.setAttribute(k, attrs[k]);
    }
  }
  children.forEach((c) => append(el, c));
  return el;
}

/** A 24×24 line icon drawn with currentColor. */
export function strokeIcon(d, size, strokeWidth) {
  return svg('svg', { viewBox: '0 0 24 24', width: String(size), height: String(size), 'aria-hidden': 'true' },
    svg('path', {
      d: d, fill: 'none', stroke: 'currentColor', 'stroke-width': String(strokeWidth),
      'stroke-linecap': 'round', 'stroke-linejoin': 'round'
    }));
}

export function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
/** Replaces what el holds with the children (as in h()). */
export function fill(el, ...children) { clear(el); children.forEach((c) => append(el, c)); return el; }
export function $(sel, root) { return (root || document).querySelector(sel); }
export function $$(sel, root) { return Array.from((root || document).querySelectorAll(sel)); }
/** The element with data-chat="name" (the hooks the tests and the contract name). */
export function hook(name, root) { return $('[data-chat="' + name + '"]', root); }
export function role(name, root) { return $('[data-role="' + name + '"]', root); }
