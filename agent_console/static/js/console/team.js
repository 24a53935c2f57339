/* Colleagues (left): each agent's status and open chats, from the agents list and agent.updated. */
import { h, hook, fill } from '../dom.js';
import { t } from '../i18n.js';
import { S } from './state.js';
import { api } from './rest.js';
import { noteOwnStatus } from './status.js';

const list = hook('team-list');
const count = hook('team-count');
const ORDER = { online: 0, away: 1, offline: 2 };

/** The colleagues and the teams a transfer may pick, read again at every welcome. */
export function loadTeam() {
  api('/api/v1/agents').then((data) => {
    S.agents = new Map(((data && data.agents) || []).map((a) => [a.id, a]));
    const me = S.agents.get(S.me.id);
    if (me) noteOwnStatus(me.status);
    renderTeam();
  }).catch(() => { /* the list stays as it was; agent.updated frames fill it in */ });
  api('/api/v1/teams').then((data) => { S.teams = (data && data.teams) || []; }).catch(() => { S.teams = []; });
}

export function onAgentUpdated(agent) {
  if (!agent || !agent.id) return;
  const old = S.agents.get(agent.id);
  S.agents.set(agent.id, old ? Object.assign({}, old, agent) : agent);
  if (agent.id === S.me.id) noteOwnStatus(agent.status);
  renderTeam();
}

export function renderTeam() {
  const agents = Array.from(S.agents.values()).filter((a) => a.active !== false);
  agents.sort((a, b) => (ORDER[a.status] ?? 3) - (ORDER[b.status] ?? 3) || String(a.name).localeCompare(String(b.name)));
  count.textContent = String(agents.filter((a) => a.status === 'online').length) + '/' + agents.length;
  fill(list, agents.map((a) => h('div', {
    class: 'team-row', role: 'listitem', 'data-chat': 'agent-row', 'data-agent-id': a.id, 'data-status': a.status
  },
  h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
  h('span', { class: 'team-name', text: a.id === S.me.id ? t('routing.you', { name: a.name }) : a.name }),
  h('span', { class: 'team-state', text: t('routing.status_' + (a.status || 'offline')) }),
  h('span', { class: 'team-load', text: t('routing.open_chats', { n: a.open_chats || 0 }) }))));
}
