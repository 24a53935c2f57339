/* The conversation list (left): open and resolved tabs, previews, unread dots, wait timers. */
import { h, $, $$, clear, hook } from '../dom.js';
import { t } from '../i18n.js';
import { clock, duration, parseTime, shortWhen } from '../format.js';
import { S } from './state.js';
import { isOpen, lastActivity, upsertConv, waitInfo } from './model.js';
import { avatarFor, convName, flag, visitorOf } from './people.js';
import { api, apiFailed } from './rest.js';
import { openConversation } from './navigation.js';
import { schedule } from './schedule.js';

const convList = hook('conversation-list');
const convEmpty = hook('conversations-empty');
const convRows = new Map();

function convRow(id) {
  let el = convRows.get(id);
  if (el) return el;
  const av = h('span', { class: 'avatar', 'aria-hidden': 'true' });
  const name = h('span', { class: 'conv-name' });
  const flagSlot = h('span', { class: 'conv-flag' });
  const preview = h('div', { class: 'conv-preview' });
  const time = h('span', { class: 'conv-time' });
  const wait = h('span', { class: 'wait', 'data-chat': 'wait-timer', hidden: true });
  const dot = h('span', { class: 'unread-dot', 'data-chat': 'unread', hidden: true });
  el = h('div', {
    class: 'conv-row', role: 'listitem', tabindex: '0',
    'data-chat': 'conversation-row', 'data-conversation-id': id
  },
    av,
    h('div', { class: 'conv-main' }, h('div', { class: 'conv-line' }, name, flagSlot), preview),
    h('div', { class: 'conv-side' }, wait, time, dot)
  );
  el._p = { av: av, name: name, flag: flagSlot, preview: preview, time: time, wait: wait, dot: dot };
  el.addEventListener('click', () => { openConversation(id); });
  el.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); openConversation(id); }
  });
  convRows.set(id, el);
  return el;
}

function fillConvRow(el, c) {
  const p = el._p;
  el.classList.toggle('is-active', c.id === S.current);
  const unread = S.unread.has(c.id);
  el.classList.toggle('is-unread', unread);
  p.dot.hidden = !unread;
  tickConvRow(el, c);
  // The list is drawn again on every visitor.updated: rebuild a row only when something it
  // shows changed (a message is never edited, so its seq and object stand for its text).
  const name = convName(c);
  const v = visitorOf(c.visitor_id);
  const live = S.visitors.get(c.visitor_id);
  const ty = S.typing.get(c.id);
  const typing = !!(ty && ty.until > Date.now() && ty.author && ty.author.kind === 'visitor');
  const lm = c.last_message;
  const author = (lm && lm.author) || {};
  const sig = JSON.stringify([name, c.visitor_id, !!c.visitor_name, v && v.geo ? v.geo.country_code : null,
    !!(live && live.online !== false), typing, lm ? [lm.seq, !!lm.internal, author.kind, author.id, author.name] : null,
    S.me.id, c.last_seq || 0, c.status, c.rating, shortWhen(lastActivity(c))]);
  if (el._sig === sig && el._lm === lm) return;
  el._sig = sig;
  el._lm = lm;
  if (p.name.textContent !== name) p.name.textContent = name;
  avatarFor(p.av, c.visitor_id, name, !!c.visitor_name);
  clear(p.flag);
  const f = v && v.geo ? flag(v.geo.country_code) : null;
  if (f) p.flag.appendChild(f);

  clear(p.preview);
  p.preview.classList.remove('is-typing');
  if (typing) {
    p.preview.classList.add('is-typing');
    p.preview.textContent = t('console.typing_preview');
  } else if (c.last_message) {
    const lm = c.last_message;
    const k = lm.author && lm.author.kind;
    if (lm.internal) p.preview.appendChild(h('span', { class: 'pv-note' }, t('console.note_prefix') + ': '));
    else if (k === 'agent') {
      const who = lm.author.id && lm.author.id === S.me.id ? t('console.you') : (lm.author.name || t('console.agent_word'));
      p.preview.appendChild(h('span', { class: 'pv-who' }, who + ': '));
    }
    p.preview.appendChild(document.createTextNode(String(lm.text || '').replace(/\s+/g, ' ').slice(0, 160)));
  } else {
    p.preview.textContent = (c.last_seq || 0) > 0 ? '' : t('console.no_messages_preview');
  }

  if (c.status === 'resolved' && typeof c.rating === 'number' && c.rating > 0) {
    clear(p.time);
    const r = Math.max(0, Math.min(5, Math.round(c.rating)));
    p.time.appendChild(h('span', { class: 'stars', title: t('console.rating') + ': ' + r + '/5' },
      '\u2605'.repeat(r), h('span', { class: 'off' }, '\u2605'.repeat(5 - r))));
  } else {
    p.time.textContent = shortWhen(lastActivity(c));
  }
}

function tickConvRow(el, c) {
  const w = waitInfo(c);
  const p = el._p;
  el.classList.toggle('is-waiting', !!w);
  el.classList.toggle('sla-warn', !!w && w.level === 'warn');
  el.classList.toggle('sla-bad', !!w && w.level === 'bad');
  if (w) {
    p.wait.hidden = false;
    p.time.hidden = true;
    const txt = clock(w.waited);
    if (p.wait.textContent !== txt) p.wait.textContent = txt;
    // Every second for every row: write only what changed (a write restyles the row).
    const cls = 'wait sla-' + w.level;
    if (p.wait.className !== cls) p.wait.className = cls;
    if (p.wait.getAttribute('data-level') !== w.level) p.wait.setAttribute('data-level', w.level);
    const title = t(c.wait_kind === 'next_response' ? 'console.next_response' : 'console.first_response') +
      ' · ' + t('console.target', { time: duration(w.target) });
    if (p.wait.title !== title) p.wait.title = title;
  } else {
    p.wait.hidden = true;
    p.time.hidden = false;
  }
}

/** The clock tick: wait timers and SLA colours of the rows shown. */
export function tickConvRows() {
  convRows.forEach((el, id) => {
    const c = S.convs.get(id);
    if (c && el.parentNode) tickConvRow(el, c);
  });
}

function visibleConvs() {
  const out = [];
  S.convs.forEach((c) => {
    if (S.tab === 'open' ? isOpen(c) : c.status === 'resolved') out.push(c);
  });
  if (S.tab === 'open') {
    // Waiting conversations first, longest wait on top; then the most recent activity.
    const wi = new Map();
    out.forEach((c) => { wi.set(c.id, waitInfo(c)); });
    out.sort((a, b) => {
      const wa = wi.get(a.id), wb = wi.get(b.id);
      if (wa && !wb) return -1;
      if (wb && !wa) return 1;
      if (wa && wb) return wa.since - wb.since;
      return lastActivity(b) - lastActivity(a);
    });
  } else {
    out.sort((a, b) => (parseTime(b.resolved_at) || lastActivity(b)) - (parseTime(a.resolved_at) || lastActivity(a)));
  }
  return out;
}

const NEW_ROWS_MS = 6; // rows not drawn yet are made for at most this long a frame; the rest next frame

/** Draws the list in order. Hundreds of new rows (the welcome) are made over a few frames,
 * top first, so that the first ones are on screen without a long task. */
export function renderConvList() {
  const list = visibleConvs();
  const ids = new Set();
  list.forEach((c) => { ids.add(c.id); });
  const deadline = performance.now() + NEW_ROWS_MS;
  let prev = null;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    const fresh = !convRows.has(c.id);
    if (fresh && i > 0 && performance.now() > deadline) { schedule('list'); break; }
    const el = convRow(c.id);
    fillConvRow(el, c);
    const want = prev ? prev.nextSibling : convList.firstChild;
    if (el !== want) convList.insertBefore(el, want);
    prev = el;
  }
  Array.from(convList.children).forEach((el) => {
    const id = el.getAttribute('data-conversation-id');
    if (!ids.has(id)) {
      convList.removeChild(el);
      if (!S.convs.has(id)) convRows.delete(id);
    }
  });
  let openCount = 0;
  S.convs.forEach((c) => { if (isOpen(c)) openCount++; });
  hook('conversation-count').textContent = openCount ? String(openCount) : '';
  const showEmpty = list.length === 0 && (S.tab === 'open' ? S.welcomed : S.resolvedLoaded);
  convEmpty.hidden = !showEmpty;
  if (showEmpty) {
    $('.empty-title', convEmpty).textContent = t(S.tab === 'open' ? 'console.no_conversations' : 'console.no_resolved');
    $('.empty-hint', convEmpty).textContent = t(S.tab === 'open' ? 'console.no_conversations_hint' : 'console.no_resolved_hint');
  }
}

function setTab(tab) {
  S.tab = tab;
  $$('[data-tab]').forEach((b) => {
    const on = b.getAttribute('data-tab') === tab;
    b.classList.toggle('is-active', on);
    b.setAttribute('aria-selected', on ? 'true' : 'false');
  });
  if (tab === 'resolved') loadResolved();
  schedule('list');
}

export function loadResolved() {
  api('/api/v1/conversations?status=resolved').then((data) => {
    ((data && data.conversations) || []).forEach((c) => {
      // A live open conversation wins over an older resolved snapshot.
      const old = S.convs.get(c.id);
      if (old && isOpen(old) && c.status === 'resolved' && (old.last_seq || 0) > (c.last_seq || 0)) return;
      upsertConv(c);
    });
    S.resolvedLoaded = true;
    schedule('list');
  }).catch((e) => { apiFailed(e); S.resolvedLoaded = true; schedule('list'); });
}

$$('[data-tab]').forEach((b) => {
  b.addEventListener('click', () => { setTab(b.getAttribute('data-tab')); });
});
