/* The messages of the open conversation: history, day separators, live ones, the agent's own
 * messages still on their way (pending, failed + retry), and who is typing. */
import { h, $, clear, hook, role } from '../dom.js';
import { t } from '../i18n.js';
import { dayKey, dayLabel, fmtFull, fmtTime, parseTime } from '../format.js';
import { S } from './state.js';
import { authorName, convName } from './people.js';
import { icon } from './icons.js';
import { retryPending } from './composer.js';
import { schedule } from './schedule.js';
import { attachmentsEl } from './attachments.js';

const thread = hook('thread');
const threadMsgs = role('messages', thread);
const threadPending = role('pending', thread);
const typingEl = hook('typing');

/** What the thread shows: its conversation, the highest seq, the last day separator, how many. */
export let rendered = { cid: null, maxSeq: -1, lastDay: null, count: 0 };

function nearBottom() { return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 140; }
export function scrollBottom() { thread.scrollTop = thread.scrollHeight; }

function messageEl(m) {
  const a = m.author || {};
  const kind = a.kind === 'agent' || a.kind === 'system' || a.kind === 'bot' ? a.kind : 'visitor';
  const ms = parseTime(m.created_at);
  const attrs = {
    class: 'msg', 'data-chat': 'message', 'data-author': kind, 'data-seq': String(m.seq),
    'data-message-id': m.id || null
  };
  if (m.internal) attrs['data-internal'] = 'true';
  const el = h('div', attrs);
  if (kind === 'agent' && a.id && S.me.id && a.id !== S.me.id) el.classList.add('is-other');
  const meta = h('div', { class: 'msg-meta' });
  if (m.internal) meta.appendChild(h('span', { class: 'note-label' }, icon('lock', 10), t('console.internal_note')));
  if (kind === 'bot') meta.appendChild(h('span', { class: 'bot-label' }, t('assistant_chat.bot')));
  meta.appendChild(h('span', { class: 'msg-author' }, authorName(m)));
  meta.appendChild(h('time', { class: 'msg-time', datetime: m.created_at || null, title: fmtFull(ms) }, fmtTime(ms)));
  el.appendChild(meta);
  // The moment the assistant passed the conversation to people (its wait opened then).
  const conv = S.convs.get(m.conversation_id);
  const handed = conv && conv.assistant && conv.assistant.handed_over_at;
  if (handed && kind !== 'visitor' && parseTime(handed) === ms) {
    el.setAttribute('data-handed-over', 'true');
    meta.appendChild(h('span', { class: 'handover-label', 'data-chat': 'handed-over' }, t('assistant_chat.handed_over')));
  }
  if (m.text || !(m.attachments && m.attachments.length)) el.appendChild(h('div', { class: 'msg-bubble' }, String(m.text || '')));
  const files = attachmentsEl(m);
  if (files) el.appendChild(files);
  return el;
}

/** Draws the open conversation's messages from scratch and scrolls to the end. */
export function renderThreadFull() {
  const cid = S.current;
  clear(threadMsgs);
  rendered = { cid: cid, maxSeq: -1, lastDay: null, count: 0 };
  if (!cid) { renderPending(); return; }
  const store = S.msgs.get(cid);
  const list = store ? Array.from(store.values()).sort((a, b) => a.seq - b.seq) : [];
  const frag = document.createDocumentFragment();
  list.forEach((m) => { appendMessageTo(frag, m); });
  threadMsgs.appendChild(frag);
  if (!list.length) {
    threadMsgs.appendChild(h('div', { class: 'thread-note', 'data-role': 'thread-note' },
      S.loaded.has(cid) ? t('console.no_messages') : t('console.history_loading')));
  }
  renderPending();
  scrollBottom();
}

/** An empty thread with the invitation's explanation (no conversation yet). */
export function renderInviteThread() {
  clear(threadMsgs);
  rendered = { cid: null, maxSeq: -1, lastDay: null, count: 0 };
  threadMsgs.appendChild(h('div', { class: 'thread-note', 'data-role': 'thread-note' }, t('console.invite_intro')));
}

export function removeThreadNote() {
  const note = role('thread-note', threadMsgs);
  if (note) note.remove();
}

function appendMessageTo(parent, m) {
  const ms = parseTime(m.created_at);
  if (!isNaN(ms)) {
    const dk = dayKey(ms);
    if (dk !== rendered.lastDay) {
      parent.appendChild(h('div', { class: 'day-sep', role: 'separator' }, dayLabel(ms)));
      rendered.lastDay = dk;
    }
  }
  parent.appendChild(messageEl(m));
  rendered.maxSeq = Math.max(rendered.maxSeq, m.seq);
  rendered.count++;
}

/** A new message: appended at the end (kept in view), or the thread redrawn if it is older. */
export function showMessage(m) {
  if (m.conversation_id !== S.current || S.invite) return;
  if (rendered.cid !== S.current || m.seq <= rendered.maxSeq) { renderThreadFull(); return; }
  const stick = nearBottom() || (m.author && m.author.kind === 'agent' && m.author.id === S.me.id);
  removeThreadNote();
  appendMessageTo(threadMsgs, m);
  if (stick) scrollBottom();
}

export function renderPending() {
  clear(threadPending);
  S.pending.forEach((p, cid) => {
    const here = S.invite ? (p.kind === 'invite' && p.visitor_id === S.invite && !p.conversation_id)
      : (S.current && p.conversation_id === S.current);
    if (!here) return;
    const attrs = {
      class: 'msg is-pending' + (p.failed ? ' is-failed' : ''), 'data-chat': 'message', 'data-author': 'agent',
      'data-pending': 'true', 'data-client-id': cid
    };
    if (p.internal) attrs['data-internal'] = 'true';
    const el = h('div', attrs);
    const meta = h('div', { class: 'msg-meta' });
    if (p.internal) meta.appendChild(h('span', { class: 'note-label' }, icon('lock', 10), t('console.internal_note')));
    meta.appendChild(h('span', { class: 'msg-author' }, S.me.name || t('console.you')));
    el.appendChild(meta);
    el.appendChild(h('div', { class: 'msg-bubble' }, p.text));
    const st = h('div', { class: 'msg-state' }, p.failed ? t('console.failed') : t('console.sending'));
    if (p.failed) {
      st.appendChild(h('button', {
        type: 'button', class: 'link-btn', 'data-chat': 'retry',
        onclick: () => { retryPending(cid); }
      }, t('console.retry')));
    }
    el.appendChild(st);
    threadPending.appendChild(el);
  });
  if (threadPending.firstChild && S.invite) removeThreadNote();
}

export function renderTyping() {
  const ty = S.current ? S.typing.get(S.current) : null;
  const on = !!(ty && ty.until > Date.now()) && !S.invite;
  if (on) {
    const a = ty.author || {};
    const c = S.convs.get(S.current);
    const name = a.kind === 'visitor' ? (c ? convName(c) : t('console.visitor_word')) : (a.name || t('console.agent_word'));
    $('.typing-text', typingEl).textContent = t('console.typing', { name: name });
    typingEl.setAttribute('data-author', a.kind === 'agent' ? 'agent' : 'visitor');
  }
  if (typingEl.hidden === on) {
    const stick = nearBottom();
    typingEl.hidden = !on;
    if (stick) scrollBottom();
  }
}

export function clearTyping(cid) {
  if (S.typing.delete(cid)) { renderTyping(); schedule('list'); }
}

/** The clock tick: typing indicators that were not renewed go away. */
export function expireTyping(now) {
  let expired = false;
  S.typing.forEach((ty, cid) => { if (ty.until <= now) { S.typing.delete(cid); expired = true; } });
  if (expired) { renderTyping(); schedule('list'); }
}
