/* Kervan Chat agent console.
 *
 * Plain JavaScript modules, no framework, no build step, no external assets. Talks to
 * /ws/agent (live frames, socket.js and frames.js) and /api/v1 (history and visitor
 * details, rest.js). Every piece of data that came from a visitor or the server is put on
 * the page with textContent or text nodes, never parsed as HTML.
 *
 *   state.js              configuration and the state S        schedule.js   rendering on the next frame
 *   model.js              conversations, messages, waits       people.js     names, avatars, flags
 *   conversation-list.js  the conversations (left)             visitor-list.js  the visitors (left)
 *   chat-head.js          the middle pane's head               thread.js     the messages
 *   composer.js           writing, typing frames               navigation.js what is open
 *   visitor-panel.js      the visitor (right)                  alerts.js     title count, chime, notifications
 *   toasts.js             notices                              icons.js      line icons
 */
import { S, guard } from './state.js';
import { markSeen } from './model.js';
import { tickConvRows } from './conversation-list.js';
import { tickVisitorRows } from './visitor-list.js';
import { tickChatHead } from './chat-head.js';
import { expireTyping, renderPending } from './thread.js';
import { tickPanel } from './visitor-panel.js';
import { updateComposerMode } from './composer.js';
import { renderNotifyBtn, renderSoundBtn } from './alerts.js';
import { connect, isConnected } from './socket.js';
import { schedule } from './schedule.js';

/** Every second: timers, local times, typing that ran out, messages that got no answer. */
function tick() {
  guard(() => {
    tickConvRows();
    tickVisitorRows();
    if (S.current) tickChatHead();
    tickPanel();
    const now = Date.now();
    expireTyping(now);
    // A frame that got no answer for a long time is shown as failed so the agent can retry.
    let stale = false;
    const open = isConnected();
    S.pending.forEach((p) => { if (!p.failed && open && now - p.at > 15000) { p.failed = true; stale = true; } });
    if (stale) renderPending();
  });
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && S.current) { markSeen(S.current); schedule('list'); }
});
window.addEventListener('focus', () => { if (S.current) { markSeen(S.current); schedule('list'); } });

renderSoundBtn();
renderNotifyBtn();
updateComposerMode();
schedule('list', 'visitors', 'chat', 'panel');
setInterval(tick, 1000);
connect();
