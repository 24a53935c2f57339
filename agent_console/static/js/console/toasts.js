/* Short notices in the corner: errors, warnings, information. */
import { h, hook } from '../dom.js';
import { T, t, has } from '../i18n.js';

const toasts = hook('toasts');

export function toast(text, kind) {
  const el = h('div', { class: 'toast', role: kind === 'error' ? 'alert' : 'status', 'data-chat': 'toast', 'data-kind': kind || 'info' },
    h('span', { class: 'toast-text' }, text),
    h('button', { type: 'button', class: 'toast-close', 'aria-label': '×', onclick: () => { el.remove(); } }, '\u00d7'));
  toasts.appendChild(el);
  while (toasts.children.length > 4) toasts.removeChild(toasts.firstChild);
  setTimeout(() => { if (el.parentNode) el.remove(); }, kind === 'error' ? 7000 : 5000);
}

/** The text of an error code (error.<code>), else the server's message, else a generic one. */
export function errorText(code, message) {
  const k = 'error.' + code;
  if (code && has(k)) return T[k];
  return message || t('error.generic');
}
