/* Read receipts in the console: the agent reports what it saw of the open conversation
 * (message.seen), and the agent's messages the visitor has seen carry a "Seen" tick. */
import { h, hook, role } from '../dom.js';
import { t } from '../i18n.js';
import { S } from './state.js';
import { send } from './socket.js';

const reported = new Map();   // conversation id -> the seq last reported seen
const visitorSeen = new Map(); // conversation id -> the highest seq the visitor saw

/** The agent has the conversation in front of it: tell the visitor, once per new message. */
export function reportSeen(cid) {
  const c = S.convs.get(cid);
  const seq = c ? c.last_seq || 0 : 0;
  if (!seq || (reported.get(cid) || 0) >= seq) return;
  if (send({ type: 'message.seen', conversation_id: cid, seq: seq })) reported.set(cid, seq);
}

function seenBy(cid) {
  const c = S.convs.get(cid);
  return Math.max(visitorSeen.get(cid) || 0, (c && c.visitor_seen_seq) || 0);
}

/** message.seen from the visitor's widget. */
export function onSeen(f) {
  if (f.by !== 'visitor' || !f.conversation_id) return;
  visitorSeen.set(f.conversation_id, Math.max(f.seq || 0, visitorSeen.get(f.conversation_id) || 0));
  if (f.conversation_id === S.current) renderTicks();
}

/** A tick under each agent message of the open conversation the visitor has seen. */
export function renderTicks() {
  const list = role('messages', hook('thread'));
  if (!list || !S.current) return;
  const seen = seenBy(S.current);
  list.querySelectorAll('[data-chat="message"][data-author="agent"]').forEach((el) => {
    const tick = el.querySelector('[data-chat="seen-tick"]');
    const on = !el.hasAttribute('data-internal') && Number(el.getAttribute('data-seq')) <= seen;
    if (on && !tick) {
      const meta = el.querySelector('.msg-meta');
      if (meta) meta.appendChild(h('span', { class: 'seen-tick', 'data-chat': 'seen-tick', title: t('receipts.seen_title') }, '✓✓ ' + t('receipts.seen')));
    } else if (!on && tick) tick.remove();
  });
}

// The thread redraws itself in several ways; whichever it was, the ticks follow.
const threadList = role('messages', hook('thread'));
if (threadList) new MutationObserver(renderTicks).observe(threadList, { childList: true });
