/* The frames the server sends on /ws/agent, and what each one changes. */
import { hook } from '../dom.js';
import { t } from '../i18n.js';
import { clock } from '../format.js';
import { S, TYPING_SHOW_FOR, normaliseSla } from './state.js';
import { addMessage, computeUnreadFromSeen, isOpen, upsertConv, waitInfo } from './model.js';
import { convName } from './people.js';
import { renderPending, renderTyping, showMessage } from './thread.js';
import { loadResolved } from './conversation-list.js';
import { openConversation } from './navigation.js';
import { loadConversation, loadVisitor, refreshVisitorSoon } from './rest.js';
import { alertConversation } from './alerts.js';
import { errorText, toast } from './toasts.js';
import { resetBackoff, send, setConn } from './socket.js';
import { schedule } from './schedule.js';
import { routingFrame } from './routing.js';
import { onSeen } from './receipts.js';
import { dropVisitor, putVisitor, resetVisitors } from './visitor-store.js';

export function handle(f) {
  switch (f.type) {
    case 'welcome': onWelcome(f); break;
    case 'ack': onAck(f); break;
    case 'error': onError(f); break;
    case 'message.created': onMessage(f.message); break;
    case 'conversation.created': onConversation(f.conversation, true); break;
    case 'conversation.updated': onConversation(f.conversation, false); break;
    case 'visitor.updated': onVisitor(f.visitor); break;
    case 'visitor.left': onVisitorLeft(f.visitor_id); break;
    case 'typing': onTyping(f); break;
    case 'sla.warning': onSla(f, 'warn'); break;
    case 'sla.breached': onSla(f, 'bad'); break;
    case 'message.seen': onSeen(f); break;
    default: break; // unknown frames are allowed to appear; ignore them
  }
  routingFrame(f);
}

/** The first frame of every connection: the open conversations and the visitors online now. */
function onWelcome(f) {
  const reconnect = S.welcomed;
  resetBackoff();
  setConn('online');
  if (f.agent && f.agent.id) S.me = Object.assign({}, S.me, f.agent);
  if (f.sla) S.sla = normaliseSla(Object.assign({}, S.sla, f.sla));
  S.agentsOnline = typeof f.agents_online === 'number' ? f.agents_online : null;
  renderAgentsOnline();

  const fresh = new Set();
  (f.conversations || []).forEach((c) => { fresh.add(c.id); upsertConv(c); });
  // Open conversations we knew but the server no longer lists were resolved while we were away.
  S.convs.forEach((c, id) => {
    if (isOpen(c) && !fresh.has(id)) {
      if (id === S.current) loadConversation(id);
      else S.convs.delete(id);
    }
  });
  resetVisitors(f.visitors, f.visitors_total, f.visitors_cursor);
  S.welcomed = true;
  computeUnreadFromSeen();
  if (reconnect) {
    S.typing.clear();
    if (S.current) { S.loaded.delete(S.current); loadConversation(S.current); }
    if (S.tab === 'resolved') loadResolved();
  }
  if (S.selVisitor) loadVisitor(S.selVisitor);
  if (!reconnect) openLinkedConversation();
  // Frames that were never acknowledged are resent; the server dedupes on client_id.
  S.pending.forEach((p) => { if (!p.failed) { p.at = Date.now(); send(p.frame); } });
  schedule('list', 'visitors', 'chat', 'panel');
}

/** A link in an e-mail (CHAT_PUBLIC_URL/console/#/conversations/<id>) opens its conversation. */
function openLinkedConversation() {
  const linked = /^#\/conversations\/([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (linked) openConversation(linked[1]);
}

function renderAgentsOnline() {
  const el = hook('agents-online');
  if (S.agentsOnline === null) { el.hidden = true; return; }
  el.hidden = false;
  el.textContent = S.agentsOnline === 1 ? t('console.agents_online_one') : t('console.agents_online', { n: S.agentsOnline });
}

function onAck(f) {
  const p = f.client_id ? S.pending.get(f.client_id) : null;
  if (f.conversation) upsertConv(f.conversation);
  const m = f.message;
  if (p && p.kind === 'invite' && m && m.conversation_id) {
    S.pending.delete(f.client_id);
    if (!S.convs.has(m.conversation_id)) {
      upsertConv({ id: m.conversation_id, visitor_id: p.visitor_id, status: 'open', created_at: m.created_at, last_seq: m.seq });
      loadConversation(m.conversation_id);
    }
    const fresh = addMessage(m);
    if (S.invite === p.visitor_id) openConversation(m.conversation_id, true);
    else if (fresh) showMessage(m);
    renderPending();
    schedule('list', 'visitors', 'chat', 'panel');
    return;
  }
  if (m) {
    if (f.client_id) S.pending.delete(f.client_id);
    if (addMessage(m)) showMessage(m);
    renderPending();
    schedule('list');
  }
}

function onError(f) {
  const p = f.ref ? S.pending.get(f.ref) : null;
  if (p) { p.failed = true; renderPending(); }
  if (S.resolving) { S.resolving = null; schedule('chat'); }
  toast(errorText(f.code, f.message), 'error');
}

function onMessage(m) {
  if (!m) return;
  if (!S.convs.has(m.conversation_id)) {
    // A message for a conversation we have not seen yet: fetch it so the list stays complete.
    loadConversation(m.conversation_id);
  }
  if (addMessage(m)) showMessage(m);
  schedule('list');
}

function onConversation(c, created) {
  if (!c || !c.id) return;
  const known = S.convs.has(c.id);
  const merged = upsertConv(c);
  if (created && !known) {
    let ownInvite = false;
    S.pending.forEach((p) => {
      if (p.kind === 'invite' && p.visitor_id === c.visitor_id && !p.conversation_id) { p.conversation_id = c.id; ownInvite = true; }
    });
    if (ownInvite && S.invite === c.visitor_id) {
      openConversation(c.id, true);
    } else if (!ownInvite && (!c.assignee_id || c.assignee_id === S.me.id)) {
      S.unread.add(c.id);
      alertConversation(merged);
      if (S.invite === c.visitor_id) {
        // The visitor wrote first while we were composing an invitation: carry on in their conversation.
        openConversation(c.id, true);
      }
    }
  }
  if (merged && merged.status === 'resolved' && S.resolving === merged.id) S.resolving = null;
  if (merged && merged.id === S.current) {
    if (!S.loaded.has(merged.id)) loadConversation(merged.id);
  }
  schedule('list', 'visitors', 'chat', 'panel');
}

function onVisitor(v) {
  if (!v || !v.id) return;
  v._at = Date.now();
  putVisitor(v);
  const d = S.details.get(v.id);
  if (d) {
    const merged = Object.assign({}, d, v);
    if (!v.pages || (d.pages && v.pages.length < d.pages.length)) merged.pages = d.pages;
    S.details.set(v.id, merged);
  }
  if (S.selVisitor === v.id) refreshVisitorSoon(v.id);
  if (S.selVisitor === v.id) schedule('visitors', 'list', 'panel', 'chat');
  else schedule('visitors', 'list');
}

function onVisitorLeft(vid) {
  if (!vid) return;
  const v = S.visitors.get(vid);
  dropVisitor(vid);
  const d = S.details.get(vid);
  if (d) d.online = false;
  if (v && S.invite === vid) toast(t('error.visitor_offline'), 'warn');
  schedule('visitors', 'list', 'chat', 'panel');
}

function onTyping(f) {
  if (!f.conversation_id) return;
  const a = f.author || {};
  if (a.kind === 'agent' && a.id && a.id === S.me.id) return;
  if (f.active) S.typing.set(f.conversation_id, { author: a, until: Date.now() + TYPING_SHOW_FOR });
  else S.typing.delete(f.conversation_id);
  if (f.conversation_id === S.current) renderTyping();
  schedule('list');
}

function onSla(f, level) {
  const c = S.convs.get(f.conversation_id);
  if (!c) return;
  c._sla = level;
  if (level === 'bad') {
    const secs = typeof f.waited_seconds === 'number' ? f.waited_seconds : null;
    const w = waitInfo(c);
    toast(t('sla.breached_toast', { name: convName(c), time: clock(secs !== null ? secs : (w ? w.waited : 0)) }), 'warn');
  }
  schedule('list', 'chat');
}
