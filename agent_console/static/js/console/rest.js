/* What the console reads over REST: a conversation's history, a visitor's details. */
import { createApi } from '../api.js';
import { t, lang } from '../i18n.js';
import { S, TOKEN } from './state.js';
import { addMessage, markSeen, upsertConv } from './model.js';
import { rendered, renderThreadFull } from './thread.js';
import { errorText, toast } from './toasts.js';
import { schedule } from './schedule.js';

let signedOut = false;

/** The session is gone: say so, then go to the login page (and back here after it). */
function sessionExpired() {
  if (signedOut) return;
  signedOut = true;
  toast(t('error.session_expired'), 'error');
  setTimeout(() => {
    window.location.href = '/console/login?next=' + encodeURIComponent('/console/') + '&lang=' + lang;
  }, 1500);
}

export const api = createApi({ token: TOKEN, cache: 'no-store', signedOut: [401], onSignedOut: sessionExpired });

export function apiFailed(e) {
  if (!e || e.status === 401) return;
  if (e.code === 'network') return; // the connection indicator already says so
  toast(errorText(e.code, e.message), 'error');
}

const convLoads = new Map();
export function loadConversation(id) {
  if (convLoads.has(id)) return convLoads.get(id);
  const pr = api('/api/v1/conversations/' + encodeURIComponent(id)).then((data) => {
    if (!data) return;
    const msgs = Array.isArray(data.messages) ? data.messages : [];
    const c = upsertConv(data);
    let changed = false;
    msgs.forEach((m) => { if (addMessage(m, { history: true })) changed = true; });
    if (c && msgs.length) {
      const last = msgs[msgs.length - 1];
      if (!c.last_message || (c.last_message.seq || 0) < last.seq) c.last_message = last;
    }
    S.loaded.add(id);
    if (S.current === id) {
      if (changed || rendered.cid !== id || rendered.count === 0) renderThreadFull();
      if (!document.hidden) markSeen(id);
      if (c) loadVisitor(c.visitor_id);
    }
    schedule('list', 'visitors', 'chat', 'panel');
  }).catch((e) => {
    apiFailed(e);
    if (S.current === id && e && e.status === 404) { S.convs.delete(id); S.current = null; renderThreadFull(); schedule('list', 'chat', 'panel'); }
  }).then(() => { convLoads.delete(id); });
  convLoads.set(id, pr);
  return pr;
}

const visitorLoads = new Map();
const visitorRefresh = new Map();
export function loadVisitor(vid) {
  if (!vid || visitorLoads.has(vid)) return;
  const pr = api('/api/v1/visitors/' + encodeURIComponent(vid)).then((v) => {
    if (!v || !v.id) return;
    v._at = Date.now();
    S.details.set(v.id, v);
    const live = S.visitors.get(v.id);
    if (live && v.online !== false) {
      // Keep the online list's copy current too (time on site, page).
      S.visitors.set(v.id, Object.assign({}, live, v, { _at: v._at }));
    }
    if (S.selVisitor === v.id) schedule('panel', 'chat', 'list', 'visitors');
  }).catch((e) => { if (e && e.status !== 404) apiFailed(e); })
    .then(() => { visitorLoads.delete(vid); });
  visitorLoads.set(vid, pr);
}

/** Reloads a visitor's details once their updates settle (at most every 400 ms). */
export function refreshVisitorSoon(vid) {
  if (visitorRefresh.has(vid)) return;
  visitorRefresh.set(vid, setTimeout(() => { visitorRefresh.delete(vid); loadVisitor(vid); }, 400));
}
