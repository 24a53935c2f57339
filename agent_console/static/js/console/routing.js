/* Routing in the console: the status switch, colleagues, the queue, claim and transfer, tags.
 *
 *   status.js    the agent's own online/away switch     team.js      colleagues' status and load
 *   queue.js     unassigned conversations, Claim        transfer.js  assignment in the chat head
 *   tags.js      the open conversation's tags
 *
 * frames.js hands every frame to routingFrame(); what the rest of the console changes (the
 * open conversation, its assignee) is picked up by a light check a few times a second.
 */
import { S, guard } from './state.js';
import { renderStatus } from './status.js';
import { loadTeam, onAgentUpdated, renderTeam } from './team.js';
import { renderQueue } from './queue.js';
import { renderAssignment } from './transfer.js';
import { renderTags } from './tags.js';

let drawn = '';

export function renderRouting() {
  guard(() => {
    renderQueue();
    renderAssignment();
    renderTags();
  });
  drawn = signature();
}

function signature() {
  const c = S.current ? S.convs.get(S.current) : null;
  return [S.current, S.invite, c && c.assignee_id, c && c.status, c && (c.tags || []).join('|'), S.convs.size].join('/');
}

export function routingFrame(f) {
  switch (f.type) {
    case 'welcome': loadTeam(); renderRouting(); break;
    case 'agent.updated': guard(() => { onAgentUpdated(f.agent); renderAssignment(); }); break;
    case 'conversation.created':
    case 'conversation.updated':
      renderRouting(); break;
    default: break;
  }
}

setInterval(() => {
  if (signature() !== drawn) renderRouting();
}, 250);
setInterval(() => guard(renderQueue), 1000);
guard(() => { renderStatus(); renderTeam(); });
