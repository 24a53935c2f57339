/* Conversations and messages as the console knows them: merging, waits, unread. */
import { parseTime } from '../format.js';
import { S, saveSeen } from './state.js';
import { renderPending, clearTyping } from './thread.js';
import { alertMessage, updateTitle } from './alerts.js';
import { reportSeen } from './receipts.js';

export function isOpen(c) { return c && c.status !== 'resolved'; }

export function openConvFor(vid) {
  let found = null;
  S.convs.forEach((c) => { if (!found && c.visitor_id === vid && isOpen(c)) found = c; });
  return found;
}

function waitTarget(c) {
  return c.wait_kind === 'next_response' ? S.sla.next_response_seconds : S.sla.first_response_seconds;
}

/** How long the visitor has waited for an answer: {waited, target, level, since}, or null. */
export function waitInfo(c) {
  if (!isOpen(c) || !c.waiting_since) return null;
  const since = parseTime(c.waiting_since);
  if (isNaN(since)) return null;
  const waited = Math.max(0, (Date.now() - since) / 1000);
  const target = waitTarget(c);
  let level = waited > target ? 'bad' : (waited >= target * S.sla.warning_fraction ? 'warn' : 'ok');
  // The server's word wins over a local clock that may run behind.
  if (c._sla === 'bad') level = 'bad';
  else if (c._sla === 'warn' && level === 'ok') level = 'warn';
  return { waited: waited, target: target, level: level, since: since };
}

export function lastActivity(c) {
  const m = c.last_message;
  let x = parseTime(m && m.created_at);
  if (isNaN(x)) x = parseTime(c.resolved_at);
  if (isNaN(x)) x = parseTime(c.created_at);
  return isNaN(x) ? 0 : x;
}

export function upsertConv(c) {
  if (!c || !c.id) return null;
  const old = S.convs.get(c.id);
  const merged = old ? Object.assign({}, old, c) : Object.assign({}, c);
  delete merged.messages;
  // A conversation.updated without the extra fields must not erase what we know.
  if (old) {
    ['visitor_name', 'visitor_email', 'last_message', 'rating'].forEach((k) => {
      if (!(k in c)) merged[k] = old[k];
    });
    if (!('waiting_since' in c)) { merged.waiting_since = old.waiting_since; merged.wait_kind = old.wait_kind; }
    if (old.last_message && merged.last_message && (merged.last_message.seq || 0) < (old.last_message.seq || 0)) {
      merged.last_message = old.last_message;
    }
    merged.last_seq = Math.max(old.last_seq || 0, merged.last_seq || 0);
  }
  if (!merged.waiting_since) merged._sla = null;
  if (!isOpen(merged)) { merged.waiting_since = null; merged._sla = null; S.unread.delete(c.id); }
  S.convs.set(c.id, merged);
  return merged;
}

function msgStore(cid) {
  let m = S.msgs.get(cid);
  if (!m) { m = new Map(); S.msgs.set(cid, m); }
  return m;
}

/** Records a message; returns true when it was new. */
export function addMessage(m, opts) {
  if (!m || !m.conversation_id || typeof m.seq !== 'number') return false;
  opts = opts || {};
  const store = msgStore(m.conversation_id);
  if (m.client_id && S.pending.has(m.client_id)) {
    S.pending.delete(m.client_id);
    renderPending();
  }
  if (store.has(m.seq)) return false;
  store.set(m.seq, m);
  const c = S.convs.get(m.conversation_id);
  if (c) {
    if (!c.last_message || (c.last_message.seq || 0) <= m.seq) c.last_message = m;
    c.last_seq = Math.max(c.last_seq || 0, m.seq);
    if (!opts.history) deriveWait(c, m);
  }
  if (!opts.history) {
    const kind = m.author && m.author.kind;
    const mine = kind === 'agent' && m.author.id && m.author.id === S.me.id;
    if (kind === 'visitor') clearTyping(m.conversation_id);
    if (c && !mine && kind === 'visitor') {
      if (m.conversation_id !== S.current || document.hidden) {
        S.unread.add(m.conversation_id);
        alertMessage(c, m);
      }
    }
    if (m.conversation_id === S.current && !document.hidden) markSeen(m.conversation_id);
  }
  return true;
}

/** Follows the contract's wait rules so the timer moves before the server's conversation.updated. */
function deriveWait(c, m) {
  const kind = m.author && m.author.kind;
  if (kind === 'visitor' && !c.waiting_since && isOpen(c)) {
    c.waiting_since = m.created_at;
    c.wait_kind = c.first_response_at ? 'next_response' : 'first_response';
  } else if (kind === 'agent' && !m.internal) {
    c.waiting_since = null;
    c.wait_kind = null;
    c._sla = null;
    if (!c.first_response_at) c.first_response_at = m.created_at;
  }
}

export function markSeen(cid) {
  const c = S.convs.get(cid);
  S.unread.delete(cid);
  if (c) S.seen[cid] = c.last_seq || 0;
  reportSeen(cid);
  saveSeen();
  updateTitle();
}

export function computeUnreadFromSeen() {
  S.convs.forEach((c, id) => {
    if (!isOpen(c) || id === S.current) return;
    const lm = c.last_message;
    const seen = S.seen[id];
    const fromVisitor = lm && lm.author && lm.author.kind === 'visitor';
    if (seen === undefined) { if (c.waiting_since || fromVisitor) S.unread.add(id); }
    else if ((c.last_seq || 0) > seen && fromVisitor) S.unread.add(id);
  });
}
