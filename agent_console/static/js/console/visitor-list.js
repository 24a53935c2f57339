/* The visitors on the sites now (left, below): where they are, what they read, "Start chat". */
import { h, clear, hook } from '../dom.js';
import { t } from '../i18n.js';
import { duration } from '../format.js';
import { S } from './state.js';
import { openConvFor } from './model.js';
import { arrivalOf, flag, liveTimeOnSite, pathOf, sourceLabel, visitorName, whereText } from './people.js';
import { icon } from './icons.js';
import { selectVisitor, startInvite } from './navigation.js';

const visitorList = hook('visitor-list');
const visitorEmpty = hook('visitors-empty');
const visitorRows = new Map();

function visitorRow(id) {
  let el = visitorRows.get(id);
  if (el) return el;
  const where = h('span', { class: 'v-where' });
  const flagSlot = h('span', {});
  const action = h('div', { class: 'v-action' });
  const pageTitle = h('span', { class: 'v-page-title' });
  const tos = h('span', { class: 'v-time', 'data-role': 'tos' });
  const browser = h('span', {});
  const kw = h('div', { class: 'v-kw' });
  el = h('div', {
    class: 'visitor-row', role: 'listitem', tabindex: '0',
    'data-chat': 'visitor-row', 'data-visitor-id': id
  },
    h('div', { class: 'v-top' }, flagSlot, where),
    action,
    h('div', { class: 'v-page' }, icon('page', 12), pageTitle),
    h('div', { class: 'v-meta' }, h('span', {}, icon('clock', 11), tos), browser),
    kw
  );
  el._p = { where: where, flag: flagSlot, action: action, page: pageTitle, tos: tos, browser: browser, kw: kw };
  el.addEventListener('click', (ev) => {
    if (ev.target.closest && ev.target.closest('[data-chat="invite"]')) return;
    selectVisitor(id);
  });
  el.addEventListener('keydown', (ev) => {
    if (ev.target === el && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); selectVisitor(id); }
  });
  visitorRows.set(id, el);
  return el;
}

function fillVisitorRow(el, v) {
  const p = el._p;
  const conv = openConvFor(v.id);
  el.classList.toggle('is-active', S.selVisitor === v.id && !S.current);
  p.tos.textContent = duration(liveTimeOnSite(v));
  // Rebuild only when something shown changed, so buttons are not replaced under the pointer.
  const sig = JSON.stringify([v.geo, v.current_page, v.user_agent, v.search_keywords, conv ? conv.id : null,
    conv ? conv.visitor_name : null, v.pages ? v.pages.length : 0]);
  if (el._sig === sig) return;
  el._sig = sig;
  clear(p.flag);
  const f = v.geo ? flag(v.geo.country_code) : null;
  if (f) p.flag.appendChild(f);
  let label = conv && conv.visitor_name ? conv.visitor_name : (whereText(v) || visitorName(v.id));
  if (conv && conv.visitor_name && whereText(v)) label += ' · ' + whereText(v);
  p.where.textContent = label;

  const cp = v.current_page || (v.pages && v.pages.length ? v.pages[v.pages.length - 1] : null);
  p.page.textContent = cp ? (cp.title || pathOf(cp.url)) : '';
  p.page.title = cp ? String(cp.url || '') : '';
  p.page.parentNode.hidden = !p.page.textContent;

  const ua = v.user_agent || {};
  clear(p.browser);
  const bits = [ua.browser, ua.os].filter(Boolean).join(' · ');
  if (bits) { p.browser.appendChild(icon(ua.device === 'mobile' ? 'phone' : 'monitor', 11)); p.browser.appendChild(document.createTextNode(bits)); }

  clear(p.kw);
  (v.search_keywords || []).slice(-2).forEach((k) => {
    p.kw.appendChild(h('span', { class: 'chip chip-kw', title: sourceLabel(k.source) },
      icon('search', 10), h('span', { class: 'chip-text' }, k.keyword)));
  });
  p.kw.hidden = !p.kw.firstChild;

  clear(p.action);
  if (conv) {
    p.action.appendChild(h('span', { class: 'v-badge' }, t('console.in_chat')));
  } else {
    p.action.appendChild(h('button', {
      type: 'button', class: 'btn btn-sm', 'data-chat': 'invite', 'data-visitor-id': v.id,
      onclick: (ev) => { ev.stopPropagation(); startInvite(v.id); }
    }, t('console.start_chat')));
  }
}

export function renderVisitors() {
  const list = [];
  S.visitors.forEach((v) => { if (v.online !== false) list.push(v); });
  list.sort((a, b) => arrivalOf(b) - arrivalOf(a));
  const ids = new Set();
  let prev = null;
  list.forEach((v) => {
    ids.add(v.id);
    const el = visitorRow(v.id);
    fillVisitorRow(el, v);
    const want = prev ? prev.nextSibling : visitorList.firstChild;
    if (el !== want) visitorList.insertBefore(el, want);
    prev = el;
  });
  Array.from(visitorList.children).forEach((el) => {
    const id = el.getAttribute('data-visitor-id');
    if (!ids.has(id)) { visitorList.removeChild(el); visitorRows.delete(id); }
  });
  hook('visitor-count').textContent = list.length ? String(list.length) : '';
  visitorEmpty.hidden = !(list.length === 0 && S.welcomed);
}

/** The clock tick: each visitor's time on site. */
export function tickVisitorRows() {
  visitorRows.forEach((el, id) => {
    const v = S.visitors.get(id);
    if (v && el._p) el._p.tos.textContent = duration(liveTimeOnSite(v));
  });
}
