/* The open conversation's assignment (chat head): who has it, Claim, and the Transfer dialog
 * (a colleague of the conversation's site or one of its teams, with an internal note). */
import { h, hook, role, fill } from '../dom.js';
import { t } from '../i18n.js';
import { S } from './state.js';
import { claim } from './queue.js';
import { send } from './socket.js';
import { toast } from './toasts.js';

const assignee = hook('assignee');
const claimButton = hook('claim');
const transferButton = hook('transfer');
const dialog = hook('transfer-dialog');
const form = hook('transfer-form');
const target = hook('transfer-target');
const note = hook('transfer-note');

function current() { return S.current ? S.convs.get(S.current) : null; }

function agentName(id) {
  const a = S.agents.get(id);
  return a ? a.name : t('routing.someone');
}

export function renderAssignment() {
  const c = current();
  const open = !!(c && c.status === 'open' && !S.invite);
  assignee.hidden = !c;
  if (c) {
    assignee.textContent = c.assignee_id
      ? (c.assignee_id === S.me.id ? t('routing.assigned_to_you') : t('routing.assigned_to', { name: agentName(c.assignee_id) }))
      : t('routing.unassigned');
  }
  claimButton.hidden = !open || c.assignee_id === S.me.id;
  claimButton.textContent = c && c.assignee_id ? t('routing.take_over') : t('routing.claim');
  transferButton.hidden = !open;
}

function servesSite(sites, siteId) {
  return !Array.isArray(sites) || sites.length === 0 || sites.indexOf(siteId) >= 0;
}

function openDialog() {
  const c = current();
  if (!c) return;
  const agents = Array.from(S.agents.values())
    .filter((a) => a.id !== c.assignee_id && a.active !== false && servesSite(a.sites, c.site_id));
  const teams = (S.teams || []).filter((team) => (team.site_ids || []).indexOf(c.site_id) >= 0);
  fill(target,
    h('optgroup', { label: t('routing.colleagues') }, agents.map((a) => h('option', { value: 'agent:' + a.id },
      a.name + ' · ' + t('routing.status_' + (a.status || 'offline')) + ' · ' + t('routing.open_chats', { n: a.open_chats || 0 })))),
    teams.length ? h('optgroup', { label: t('routing.teams') }, teams.map((team) => h('option', { value: 'team:' + team.id }, team.name))) : null);
  note.value = '';
  if (typeof dialog.showModal === 'function') dialog.showModal(); else dialog.setAttribute('open', '');
  target.focus();
}

function closeDialog() {
  if (typeof dialog.close === 'function') dialog.close(); else dialog.removeAttribute('open');
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const c = current();
  const [kind, id] = String(target.value || '').split(':');
  if (!c || !id) return;
  const frame = { type: 'conversation.transfer', conversation_id: c.id, note: note.value.trim() || null };
  frame[kind === 'team' ? 'team_id' : 'agent_id'] = id;
  if (!send(frame)) { toast(t('routing.not_connected'), 'error'); return; }
  closeDialog();
  toast(t('routing.transferred'), 'info');
});
role('cancel', form).addEventListener('click', closeDialog);
claimButton.addEventListener('click', () => { const c = current(); if (c) claim(c.id); });
transferButton.addEventListener('click', openDialog);
