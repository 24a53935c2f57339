/* The agent's own status switch (top bar): online gets routed chats, away keeps its chats. */
import { hook, role } from '../dom.js';
import { t } from '../i18n.js';
import { S } from './state.js';
import { send } from './socket.js';
import { toast } from './toasts.js';

const button = hook('status-toggle');

export function renderStatus() {
  const status = S.myStatus === 'away' ? 'away' : 'online';
  button.setAttribute('data-status', status);
  button.setAttribute('aria-pressed', String(status === 'online'));
  role('status-label', button).textContent = t('routing.status_' + status);
}

/** What the server says of us (agent.updated, the agents list); offline is never our choice. */
export function noteOwnStatus(status) {
  if (status === 'online' || status === 'away') { S.myStatus = status; renderStatus(); }
}

button.addEventListener('click', () => {
  const next = S.myStatus === 'away' ? 'online' : 'away';
  if (!send({ type: 'status.set', status: next })) { toast(t('routing.not_connected'), 'error'); return; }
  S.myStatus = next;
  renderStatus();
});
