/* The queue (left): open conversations nobody has yet, oldest first, each with a Claim button. */
import { h, hook, fill } from '../dom.js';
import { t } from '../i18n.js';
import { clock, parseTime } from '../format.js';
import { S } from './state.js';
import { convName } from './people.js';
import { openConversation } from './navigation.js';
import { send } from './socket.js';
import { toast } from './toasts.js';

const list = hook('queue-list');
const count = hook('queue-count');
const empty = hook('queue-empty');

export function queued() {
  return Array.from(S.convs.values())
    .filter((c) => c.status === 'open' && !c.assignee_id && (c.waiting_since || c.team_id))
    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
}

/** Claims a conversation for ourselves (conversation.assign with our own id). */
export function claim(id) {
  if (!send({ type: 'conversation.assign', conversation_id: id, agent_id: S.me.id })) {
    toast(t('routing.not_connected'), 'error');
  }
}

export function renderQueue() {
  const items = queued();
  count.textContent = items.length ? String(items.length) : '';
  empty.hidden = items.length > 0;
  const now = Date.now();
  fill(list, items.map((c, i) => {
    const since = parseTime(c.waiting_since || c.created_at);
    const waited = isNaN(since) ? 0 : Math.max(0, (now - since) / 1000);
    return h('div', { class: 'queue-row', role: 'listitem', 'data-chat': 'queue-row', 'data-conversation-id': c.id },
      h('button', { type: 'button', class: 'queue-open', onclick: () => openConversation(c.id, true) },
        h('span', { class: 'queue-pos', text: String(i + 1) }),
        h('span', { class: 'queue-name', text: convName(c) }),
        h('span', { class: 'queue-wait', text: clock(waited) })),
      h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-chat': 'claim-row', onclick: () => claim(c.id) },
        t('routing.claim')));
  }));
}
