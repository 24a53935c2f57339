/* Canned replies in the composer: "/" and a shortcut offers the matching replies
 * (data-chat="canned-suggestions"); Tab or Enter inserts the highlighted one (the first
 * unless the arrows moved), Escape closes, a click inserts. Placeholders are filled by
 * the server (GET /api/v1/canned-replies/{id}/render?conversation_id=), or here with the
 * names the console knows and neutral words when that call fails. */
import { h, fill, clear } from '../dom.js';
import { t, lang } from '../i18n.js';
import { S } from './state.js';
import { api } from './rest.js';
import { autosize, composer, input } from './composer.js';

const RELOAD_AFTER = 60000;
const MAX_SHOWN = 8;
const NEUTRAL = {
  tr: { 'visitor.name': 'efendim', 'agent.name': 'temsilciniz', 'site.name': 'mağazamız' },
  en: { 'visitor.name': 'there', 'agent.name': 'your agent', 'site.name': 'our store' }
};
const PLACEHOLDER = /\{\{\s*(visitor\.name|agent\.name|site\.name)\s*\}\}/g;

const list = h('ul', {
  class: 'canned-suggestions', 'data-chat': 'canned-suggestions', role: 'listbox',
  id: 'canned-suggestions', 'aria-label': t('canned.label'), hidden: true
});
composer.insertBefore(list, input);
input.setAttribute('aria-controls', 'canned-suggestions');
input.setAttribute('aria-autocomplete', 'list');

let replies = [];
let loadedAt = 0;
let loading = null;
let shown = [];
let highlighted = 0;
let token = null; // {start, end}: the "/shortcut" being completed

function load() {
  if (loading) return loading;
  loading = api('/api/v1/canned-replies').then((body) => {
    replies = (body && body.canned_replies) || [];
    loadedAt = Date.now();
  }).catch(() => { /* no suggestions this time */ }).then(() => { loading = null; });
  return loading;
}

function foldShortcut(s) {
  return s.replace(/[İI]/g, 'i').toLowerCase();
}

/** The "/word" right before the caret, at the start or after a space. */
function tokenAtCaret() {
  const end = input.selectionEnd;
  if (end !== input.selectionStart) return null;
  const m = /(^|\s)\/([^\s/]{0,32})$/.exec(input.value.slice(0, end));
  if (!m) return null;
  return { start: end - m[2].length - 1, end: end, query: foldShortcut(m[2]) };
}

function candidates(query) {
  const conv = S.current ? S.convs.get(S.current) : null;
  const site = conv ? conv.site_id : null;
  return replies
    .filter((r) => r.shortcut.indexOf(query) === 0 && (!r.site_id || !site || r.site_id === site))
    .sort((a, b) => (a.shortcut === query ? 0 : 1) - (b.shortcut === query ? 0 : 1) ||
      (a.locale === lang ? 0 : 1) - (b.locale === lang ? 0 : 1) ||
      (a.site_id ? 0 : 1) - (b.site_id ? 0 : 1) ||
      a.shortcut.localeCompare(b.shortcut))
    .slice(0, MAX_SHOWN);
}

function close() {
  shown = [];
  token = null;
  list.hidden = true;
  clear(list);
  input.removeAttribute('aria-activedescendant');
}

function render() {
  fill(list, shown.map((r, i) => h('li', {
    id: 'canned-option-' + i, role: 'option', class: 'canned-option' + (i === highlighted ? ' is-active' : ''),
    'aria-selected': i === highlighted ? 'true' : 'false', 'data-chat': 'canned-suggestion', 'data-shortcut': r.shortcut,
    onmousedown: (ev) => { ev.preventDefault(); choose(i); }
  },
  h('span', { class: 'canned-shortcut' }, '/' + r.shortcut),
  h('span', { class: 'canned-title' }, r.title),
  r.locale ? h('span', { class: 'canned-locale' }, r.locale.toUpperCase()) : null,
  h('span', { class: 'canned-preview' }, r.text))));
  list.hidden = !shown.length;
  if (shown.length) input.setAttribute('aria-activedescendant', 'canned-option-' + highlighted);
}

function update() {
  const found = tokenAtCaret();
  if (!found) { close(); return; }
  if (!replies.length || Date.now() - loadedAt > RELOAD_AFTER) {
    load().then(() => { if (tokenAtCaret()) update(); });
    if (!replies.length) return;
  }
  token = found;
  shown = candidates(found.query);
  highlighted = 0;
  render();
}

/** The reply's text with the names the console knows (the server's answer is preferred). */
function localFill(reply) {
  const conv = S.current ? S.convs.get(S.current) : null;
  const visitor = conv && (S.details.get(conv.visitor_id) || S.visitors.get(conv.visitor_id));
  const values = {
    'visitor.name': (conv && conv.visitor_name) || (visitor && visitor.name) || '',
    'agent.name': (S.me && S.me.name) || '',
    'site.name': ''
  };
  const neutral = NEUTRAL[reply.locale] || NEUTRAL[lang] || NEUTRAL.en;
  return reply.text.replace(PLACEHOLDER, (m, key) => values[key] || neutral[key]);
}

function rendered(reply) {
  const q = S.current ? '?conversation_id=' + encodeURIComponent(S.current) : '';
  return api('/api/v1/canned-replies/' + encodeURIComponent(reply.id) + '/render' + q)
    .then((body) => (body && typeof body.text === 'string' ? body.text : localFill(reply)), () => localFill(reply));
}

function choose(i) {
  const reply = shown[i];
  const at = token;
  close();
  if (!reply || !at) return;
  const typed = input.value.slice(at.start, at.end);
  rendered(reply).then((text) => {
    // The agent may have typed meanwhile: replace the "/shortcut" only if it is still there.
    const start = input.value.slice(at.start, at.end) === typed ? at.start : input.selectionStart;
    const end = input.value.slice(at.start, at.end) === typed ? at.end : input.selectionStart;
    input.value = input.value.slice(0, start) + text + input.value.slice(end);
    const caret = start + text.length;
    input.focus();
    input.setSelectionRange(caret, caret);
    autosize();
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

// On the form, capturing: this runs before the composer's own Enter-to-send.
composer.addEventListener('keydown', (ev) => {
  if (ev.target !== input || list.hidden || !shown.length) return;
  let handled = true;
  if (ev.key === 'ArrowDown') { highlighted = (highlighted + 1) % shown.length; render(); }
  else if (ev.key === 'ArrowUp') { highlighted = (highlighted - 1 + shown.length) % shown.length; render(); }
  else if ((ev.key === 'Tab' && !ev.shiftKey) || (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing)) choose(highlighted);
  else if (ev.key === 'Escape') close();
  else handled = false;
  if (handled) { ev.preventDefault(); ev.stopImmediatePropagation(); }
}, true);
input.addEventListener('input', update);
input.addEventListener('click', update);
input.addEventListener('blur', () => setTimeout(close, 150));
load();
