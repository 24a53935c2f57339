/* The visitors on the sites now (left, below): where they are, what they read, "Start chat".
 *
 * Windowed: the rows are of one height (console.css), and only those in view plus a few
 * above and below are in the DOM, between two spacers that stand for the rest. The order
 * and the paging are visitor-store.js's; scrolling near the end asks for the next page.
 */
import { h, clear, hook } from '../dom.js';
import { t } from '../i18n.js';
import { duration } from '../format.js';
import { S } from './state.js';
import { openConvFor } from './model.js';
import { flag, liveTimeOnSite, pathOf, sourceLabel, visitorName, whereText } from './people.js';
import { icon } from './icons.js';
import { selectVisitor, startInvite } from './navigation.js';
import { V, loadMoreVisitors, visitorsTotal } from './visitor-store.js';
import { schedule } from './schedule.js';

const OVERSCAN = 6;        // rows kept above and below the visible ones
const LOAD_AHEAD = 40;     // the next page is asked for when this few loaded rows remain below
const ROW_HEIGHT = 104;    // until a row has been measured (console.css: .visitor-row height)
const NEW_ROWS = 6;        // overscan rows made new in one frame at most (rows in view always are)

const visitorList = hook('visitor-list');
const visitorEmpty = hook('visitors-empty');
const visitorCount = hook('visitor-count');
const topSpacer = h('div', { class: 'v-spacer', 'aria-hidden': 'true' });
const bottomSpacer = h('div', { class: 'v-spacer', 'aria-hidden': 'true' });
const loadingMore = h('div', { class: 'v-more', 'aria-hidden': 'true', hidden: true }, t('console.visitors_loading'));
visitorList.append(topSpacer, bottomSpacer, loadingMore);

const visitorRows = new Map(); // id -> its row, for the rows in the DOM only
const spare = [];              // rows that left the window, to be used again
let rowHeight = 0;

function newRow() {
  const where = h('span', { class: 'v-where' });
  const flagSlot = h('span', {});
  const action = h('div', { class: 'v-action' });
  const pageTitle = h('span', { class: 'v-page-title' });
  const tos = h('span', { class: 'v-time', 'data-role': 'tos' });
  const browser = h('span', {});
  const kw = h('div', { class: 'v-kw' });
  const el = h('div', { class: 'visitor-row', role: 'listitem', tabindex: '0', 'data-chat': 'visitor-row' },
    h('div', { class: 'v-top' }, flagSlot, where),
    action,
    h('div', { class: 'v-page' }, icon('page', 12), pageTitle),
    h('div', { class: 'v-meta' }, h('span', {}, icon('clock', 11), tos), browser),
    kw
  );
  el._p = { where: where, flag: flagSlot, action: action, page: pageTitle, tos: tos, browser: browser, kw: kw };
  return el;
}

function rowFor(id) {
  let el = visitorRows.get(id);
  if (el) return el;
  el = spare.pop() || newRow();
  el.setAttribute('data-visitor-id', id);
  el._sig = null;
  visitorRows.set(id, el);
  return el;
}

// One listener each for every row, present and future: rows are reused for other visitors.
function rowOf(target) {
  const el = target && target.closest ? target.closest('[data-chat="visitor-row"]') : null;
  return el && visitorList.contains(el) ? el : null;
}

visitorList.addEventListener('click', (ev) => {
  if (ev.target.closest && ev.target.closest('[data-chat="invite"]')) return;
  const el = rowOf(ev.target);
  if (el) selectVisitor(el.getAttribute('data-visitor-id'));
});

visitorList.addEventListener('keydown', (ev) => {
  const el = rowOf(ev.target);
  if (!el || ev.target !== el) return;
  const id = el.getAttribute('data-visitor-id');
  if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); selectVisitor(id); return; }
  const step = { ArrowDown: 1, ArrowUp: -1, PageDown: 8, PageUp: -8 }[ev.key];
  if (step) { ev.preventDefault(); focusRow(V.order.indexOf(id) + step); }
});

visitorList.addEventListener('scroll', () => schedule('visitors'), { passive: true });
window.addEventListener('resize', () => { rowHeight = 0; schedule('visitors'); });

/** Arrow keys: the row at ``index`` is scrolled into view, drawn and focused. */
function focusRow(index) {
  const i = Math.max(0, Math.min(V.order.length - 1, index));
  if (i < 0) return;
  const rh = rowHeight || ROW_HEIGHT;
  const top = i * rh;
  if (top < visitorList.scrollTop) visitorList.scrollTop = top;
  else if (top + rh > visitorList.scrollTop + visitorList.clientHeight) {
    visitorList.scrollTop = top + rh - visitorList.clientHeight;
  }
  renderVisitors();
  const el = visitorRows.get(V.order[i]);
  if (el) el.focus();
}

function fillVisitorRow(el, v) {
  const p = el._p;
  const conv = openConvFor(v.id);
  el.classList.toggle('is-active', S.selVisitor === v.id && !S.current);
  p.tos.textContent = duration(liveTimeOnSite(v));
  // Rebuild only when something shown changed, so buttons are not replaced under the pointer.
  const sig = JSON.stringify([v.id, v.geo, v.current_page, v.user_agent, v.search_keywords, conv ? conv.id : null,
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

function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/** Draws the rows in view (plus OVERSCAN); the spacers stand for the rows above and below. */
export function renderVisitors() {
  const order = V.order;
  const n = order.length;
  const total = visitorsTotal();
  const rh = rowHeight || ROW_HEIGHT;
  const view = visitorList.clientHeight || rh * 8;
  const top = Math.min(visitorList.scrollTop, Math.max(0, n * rh - view));
  // The rows in view are drawn now; the OVERSCAN rows around them are added nearest first,
  // at most NEW_ROWS new ones a frame, so a flick far down the list costs one screen of
  // rows per frame and the rest follows in the next frames.
  let first = Math.min(n, Math.max(0, Math.floor(top / rh)));
  let last = Math.min(n, Math.ceil((top + view) / rh));
  let fresh = 0;
  for (let i = first; i < last; i++) if (!visitorRows.has(order[i])) fresh++;
  for (let k = 0; k < OVERSCAN; k++) {
    if (first > 0 && fresh < NEW_ROWS) { first--; if (!visitorRows.has(order[first])) fresh++; }
    if (last < n && fresh < NEW_ROWS) { last++; if (!visitorRows.has(order[last - 1])) fresh++; }
  }
  if (fresh >= NEW_ROWS && (first > Math.max(0, Math.floor(top / rh) - OVERSCAN) ||
      last < Math.min(n, Math.ceil((top + view) / rh) + OVERSCAN))) schedule('visitors');
  const shown = new Set(order.slice(first, last));
  visitorRows.forEach((el, id) => {
    if (shown.has(id)) return;
    el.remove();
    visitorRows.delete(id);
    spare.push(el);
  });
  let prev = topSpacer;
  for (let i = first; i < last; i++) {
    const el = rowFor(order[i]);
    fillVisitorRow(el, S.visitors.get(order[i]));
    setAttr(el, 'aria-posinset', String(i + 1));
    setAttr(el, 'aria-setsize', String(Math.max(total, n)));
    if (prev.nextSibling !== el) visitorList.insertBefore(el, prev.nextSibling);
    prev = el;
  }
  topSpacer.style.height = (first * rh) + 'px';
  bottomSpacer.style.height = ((n - last) * rh) + 'px';
  loadingMore.hidden = !V.more;
  visitorCount.textContent = total ? String(total) : '';
  visitorEmpty.hidden = !(total === 0 && S.welcomed);
  if (!rowHeight && last > first) {
    // The first rows drawn give the real height (fonts, zoom); draw again if it differs.
    const measured = visitorRows.get(order[first]).offsetHeight;
    if (measured) { rowHeight = measured; if (measured !== rh) schedule('visitors'); }
  }
  if (V.more && last >= n - LOAD_AHEAD) loadMoreVisitors();
}

/** The clock tick: each shown visitor's time on site. */
export function tickVisitorRows() {
  visitorRows.forEach((el, id) => {
    const v = S.visitors.get(id);
    if (v && el._p) el._p.tos.textContent = duration(liveTimeOnSite(v));
  });
}
