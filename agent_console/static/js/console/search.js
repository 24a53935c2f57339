/* History search: the box above the conversations (data-chat="search"), its results with
 * the matching words marked, and opening a result's conversation scrolled to the message.
 *
 * GET /api/v1/search?q= answers snippets HTML-escaped with <mark> around the words found;
 * they are turned back into text nodes and <mark> elements here, never parsed as HTML. */
import { h, hook, fill, clear } from '../dom.js';
import { t, locale } from '../i18n.js';
import { S } from './state.js';
import { api, apiFailed } from './rest.js';
import { openConversation, selectVisitor } from './navigation.js';

const box = hook('search');
const results = hook('search-results');
const status = hook('search-status');
const DELAY = 250;
const MAX_QUERY = 200;
let timer = null;
let asked = '';

function unescape(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** The snippet as text nodes and <mark> elements. */
function snippetNodes(snippet) {
  const nodes = [];
  String(snippet || '').split(/(<mark>.*?<\/mark>)/).forEach((piece) => {
    if (!piece) return;
    const m = /^<mark>(.*)<\/mark>$/.exec(piece);
    nodes.push(m ? h('mark', null, unescape(m[1])) : unescape(piece));
  });
  return nodes;
}

function when(iso) {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  return d.toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** Scrolls the thread to the message once its conversation has loaded (up to 4 s). */
function revealMessage(conversationId, seq) {
  const started = Date.now();
  (function look() {
    if (S.current !== conversationId) return;
    const el = hook('thread') && hook('thread').querySelector('[data-chat="message"][data-seq="' + seq + '"]');
    if (el) {
      el.scrollIntoView({ block: 'center' });
      el.classList.add('is-found');
      setTimeout(() => el.classList.remove('is-found'), 2500);
      return;
    }
    if (Date.now() - started < 4000) setTimeout(look, 100);
  })();
}

function openHit(hit) {
  if (hit.conversation_id) {
    openConversation(hit.conversation_id);
    if (hit.seq) revealMessage(hit.conversation_id, hit.seq);
  } else if (hit.visitor_id) {
    selectVisitor(hit.visitor_id);
  }
}

function hitRow(hit) {
  const kind = hit.message_id ? t('search.kind_message') : t('search.kind_visitor');
  return h('li', { class: 'search-hit' },
    h('button', {
      type: 'button', class: 'search-hit-btn', 'data-chat': 'search-result',
      'data-conversation-id': hit.conversation_id || null, 'data-seq': hit.seq || null,
      onclick: () => openHit(hit)
    },
    h('span', { class: 'search-hit-meta' }, h('span', { class: 'search-hit-kind' }, kind), ' ', when(hit.created_at)),
    h('span', { class: 'search-hit-snippet' }, snippetNodes(hit.snippet))));
}

function show(list, query) {
  if (query !== asked) return; // an older answer arrived late
  fill(results, list.map(hitRow));
  results.hidden = false;
  status.textContent = list.length ? t('search.count', { n: list.length }) : t('search.none', { q: query });
}

function run() {
  const query = box.value.trim();
  asked = query;
  if (!query) { clear(results); results.hidden = true; status.textContent = ''; return; }
  if (query.length > MAX_QUERY) { status.textContent = t('search.too_long'); return; }
  status.textContent = t('search.searching');
  api('/api/v1/search?limit=30&q=' + encodeURIComponent(query))
    .then((body) => show((body && body.results) || [], query))
    .catch((e) => { if (query === asked) status.textContent = ''; apiFailed(e); });
}

box.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, DELAY); });
box.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter') { ev.preventDefault(); clearTimeout(timer); run(); }
  if (ev.key === 'Escape') { box.value = ''; run(); }
  if (ev.key === 'ArrowDown') {
    const first = results.querySelector('button');
    if (first) { ev.preventDefault(); first.focus(); }
  }
});
results.addEventListener('keydown', (ev) => {
  const buttons = Array.from(results.querySelectorAll('button'));
  const at = buttons.indexOf(document.activeElement);
  if (ev.key === 'ArrowDown' && at >= 0 && at < buttons.length - 1) { ev.preventDefault(); buttons[at + 1].focus(); }
  if (ev.key === 'ArrowUp') { ev.preventDefault(); (at > 0 ? buttons[at - 1] : box).focus(); }
  if (ev.key === 'Escape') { box.focus(); box.value = ''; run(); }
});
