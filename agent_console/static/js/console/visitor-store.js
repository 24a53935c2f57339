/* The online visitors the console knows, in the server's order (newest first visit first),
 * how many are online in all, and the further pages it reads as the agent scrolls.
 *
 * The welcome carries the first page (at most 200) with `visitors_total` and a cursor;
 * `GET /api/v1/visitors?online=true&limit=&cursor=` gives the next ones. A visitor's place
 * never changes (its first visit is fixed), so the order is sorted once per welcome and
 * then kept by binary insertion and removal: no re-sort on visitor.updated.
 */
import { S } from './state.js';
import { arrivalOf } from './people.js';
import { api, apiFailed } from './rest.js';
import { schedule } from './schedule.js';

const PAGE = 200;          // visitors one REST page asks for
const RESYNC_MS = 5000;    // the total is re-read at most this often while pages remain
const RETRY_MS = 5000;     // a page that failed is asked for again after this long

export const V = {
  order: [],        // ids of the online visitors known, in list order
  total: 0,         // online in all (the server's count while pages remain)
  cursor: null,     // the next page's cursor
  more: false,      // pages remain to be read
  loading: false,
  boundary: null,   // {k, id}: the last visitor of the pages read; later ones come with pages
  gen: 0            // bumped by each welcome; answers for an older one are dropped
};

const keys = new Map(); // id -> sort key: first visit in microseconds
let retryAt = 0;
let resyncTimer = null;
let lastResync = 0;

function stamp(v) {
  const s = typeof v.first_seen_at === 'string' ? v.first_seen_at : '';
  const ms = Date.parse(s);
  if (isNaN(ms)) return arrivalOf(v) * 1000;
  const frac = /T[^.+Z-]*\.(\d+)/.exec(s);
  return Math.floor(ms / 1000) * 1e6 + (frac ? Number((frac[1] + '000000').slice(0, 6)) : 0);
}

function keyOf(v) {
  let k = keys.get(v.id);
  if (k === undefined) { k = stamp(v); keys.set(v.id, k); }
  return k;
}

/** Whether (ka, a) comes before (kb, b): the later first visit, then the larger id. */
function precedes(ka, a, kb, b) { return ka !== kb ? ka > kb : a > b; }

function compare(a, b) {
  const ka = keyOf(a), kb = keyOf(b);
  if (ka === kb && a.id === b.id) return 0;
  return precedes(ka, a.id, kb, b.id) ? -1 : 1;
}

function inRange(v) {
  if (!V.more || !V.boundary) return true;
  return precedes(keyOf(v), v.id, V.boundary.k, V.boundary.id);
}

function insert(v) {
  const k = keyOf(v);
  let lo = 0, hi = V.order.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const id = V.order[mid];
    if (precedes(keys.get(id), id, k, v.id)) lo = mid + 1; else hi = mid;
  }
  V.order.splice(lo, 0, v.id);
}

function remove(id) {
  S.visitors.delete(id);
  keys.delete(id);
  const i = V.order.indexOf(id);
  if (i >= 0) V.order.splice(i, 1);
  V.total = Math.max(V.order.length, V.total - 1);
}

/** The welcome: the first page, the total online and the cursor of the next page. */
export function resetVisitors(list, total, cursor) {
  V.gen++;
  const now = Date.now();
  S.visitors = new Map();
  keys.clear();
  const online = [];
  (list || []).forEach((v) => {
    if (!v || !v.id || v.online === false) return;
    v._at = now;
    S.visitors.set(v.id, v);
    online.push(v);
  });
  online.sort(compare);
  V.order = online.map((v) => v.id);
  V.total = Math.max(typeof total === 'number' ? total : 0, V.order.length);
  V.cursor = cursor || null;
  // A server without a cursor but with more online: page from the start (known ones merge).
  V.more = Boolean(V.cursor) || V.total > V.order.length;
  const last = online[online.length - 1];
  V.boundary = V.cursor && last ? { k: keyOf(last), id: last.id } : null;
  V.loading = false;
  retryAt = 0;
}

/** visitor.updated: merge a known visitor, add a new one if it belongs to the pages read. */
export function putVisitor(v) {
  const old = S.visitors.get(v.id);
  if (v.online === false) { if (old) remove(v.id); return; }
  if (old) { S.visitors.set(v.id, Object.assign({}, old, v)); return; }
  if (!inRange(v)) { keys.delete(v.id); resyncSoon(); return; } // it comes with a later page
  S.visitors.set(v.id, v);
  insert(v);
  V.total++;
}

/** visitor.left. */
export function dropVisitor(id) {
  if (S.visitors.has(id)) remove(id);
  else if (V.more) resyncSoon();
}

/** Online in all: exact once every page is read. */
export function visitorsTotal() {
  return V.more ? Math.max(V.total, V.order.length) : V.order.length;
}

/** The next page, if any remain and none is on its way. */
export function loadMoreVisitors() {
  if (!V.more || V.loading || Date.now() < retryAt) return;
  V.loading = true;
  const gen = V.gen;
  let path = '/api/v1/visitors?online=true&limit=' + PAGE;
  if (V.cursor) path += '&cursor=' + encodeURIComponent(V.cursor);
  api(path).then((data) => {
    if (gen !== V.gen || !data) return;
    const now = Date.now();
    const page = Array.isArray(data.visitors) ? data.visitors : [];
    page.forEach((v) => {
      if (!v || !v.id || v.online === false || S.visitors.has(v.id)) return;
      v._at = now;
      S.visitors.set(v.id, v);
      insert(v);
    });
    const last = page[page.length - 1];
    if (last && last.id) V.boundary = { k: keyOf(last), id: last.id };
    V.cursor = data.next_cursor || null;
    V.more = Boolean(V.cursor);
    if (typeof data.total === 'number') V.total = data.total;
    schedule('visitors');
  }).catch((e) => {
    if (gen !== V.gen) return;
    retryAt = Date.now() + RETRY_MS;
    apiFailed(e);
    setTimeout(() => schedule('visitors'), RETRY_MS);
  }).then(() => { if (gen === V.gen) V.loading = false; });
}

/** Someone beyond the pages read came or went: re-read the total (throttled). */
function resyncSoon() {
  if (resyncTimer || !V.more) return;
  const wait = Math.max(0, lastResync + RESYNC_MS - Date.now());
  resyncTimer = setTimeout(() => {
    resyncTimer = null;
    lastResync = Date.now();
    const gen = V.gen;
    api('/api/v1/visitors?online=true&limit=1').then((data) => {
      if (gen === V.gen && V.more && data && typeof data.total === 'number') {
        V.total = data.total;
        schedule('visitors');
      }
    }).catch(() => { /* the next change tries again */ });
  }, wait);
}
