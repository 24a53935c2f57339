/* The queue (left): open conversations nobody has yet, oldest first, each with a Claim button. */
import { h, hook } from '../dom.js';
import { t } from '../i18n.js';
import { clock, parseTime } from '../format.js';
import { S, guard } from './state.js';
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

const rows = new Map(); // conversation id -> its row: kept, so the clock tick only changes text

function queueRow(id) {
  let row = rows.get(id);
  if (row) return row;
  const pos = h('span', { class: 'queue-pos' });
  const name = h('span', { class: 'queue-name' });
  const wait = h('span', { class: 'queue-wait' });
  const el = h('div', { class: 'queue-row', role: 'listitem', 'data-chat': 'queue-row', 'data-conversation-id': id },
    h('button', { type: 'button', class: 'queue-open', onclick: () => openConversation(id, true) }, pos, name, wait),
    h('button', { type: 'button', class: 'btn btn-small btn-primary', 'data-chat': 'claim-row', onclick: () => claim(id) },
      t('routing.claim')));
  row = { el: el, pos: pos, name: name, wait: wait };
  rows.set(id, row);
  return row;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

const NEW_ROWS_MS = 6; // rows not drawn yet are made for at most this long a task; the rest just after
let more = null;

/** Draws the queue; rows are reused and only what changed is written (it runs every second).
 * Hundreds of new rows (the welcome) are made over a few tasks, first in the queue first. */
export function renderQueue() {
  const items = queued();
  setText(count, items.length ? String(items.length) : '');
  empty.hidden = items.length > 0;
  const now = Date.now();
  const keep = new Set();
  items.forEach((c) => { keep.add(c.id); });
  const deadline = performance.now() + NEW_ROWS_MS;
  let prev = null;
  items.every((c, i) => {
    if (i > 0 && !rows.has(c.id) && performance.now() > deadline) {
      if (!more) more = setTimeout(() => { more = null; guard(renderQueue); }, 0);
      return false;
    }
    const row = queueRow(c.id);
    const since = parseTime(c.waiting_since || c.created_at);
    const waited = isNaN(since) ? 0 : Math.max(0, (now - since) / 1000);
    setText(row.pos, String(i + 1));
    setText(row.name, convName(c));
    setText(row.wait, clock(waited));
    const want = prev ? prev.nextSibling : list.firstChild;
    if (row.el !== want) list.insertBefore(row.el, want);
    prev = row.el;
    return true;
  });
  rows.forEach((row, id) => {
    if (keep.has(id)) return;
    row.el.remove();
    rows.delete(id);
  });
}
