/* What the middle and right panes show: a conversation, a visitor, or a new invitation. */
import { hook, role } from '../dom.js';
import { S } from './state.js';
import { markSeen, openConvFor } from './model.js';
import { autosize, input, noteToggle, stopTyping } from './composer.js';
import { renderInviteThread, renderPending, renderThreadFull, renderTyping } from './thread.js';
import { loadConversation, loadVisitor } from './rest.js';
import { schedule } from './schedule.js';

export function openConversation(id, keepDraft) {
  if (!id) return;
  if (S.current !== id) stopTyping();
  S.invite = null;
  S.current = id;
  const c = S.convs.get(id);
  S.selVisitor = c ? c.visitor_id : null;
  if (c && !document.hidden) markSeen(id);
  if (!keepDraft) input.value = '';
  autosize();
  renderThreadFull();
  renderTyping();
  schedule('list', 'visitors', 'chat', 'panel');
  loadConversation(id);
  if (c) loadVisitor(c.visitor_id);
  setTimeout(() => { if (S.current === id) input.focus(); }, 0);
}

/** Shows a visitor: their open conversation if they have one, else their details. */
export function selectVisitor(vid) {
  if (!vid) return;
  const c = openConvFor(vid);
  if (c) { openConversation(c.id); return; }
  stopTyping();
  S.current = null;
  S.invite = null;
  S.selVisitor = vid;
  renderThreadFull();
  renderTyping();
  schedule('list', 'visitors', 'chat', 'panel');
  loadVisitor(vid);
}

/** The agent writes first: the composer sends a conversation.invite. */
export function startInvite(vid) {
  const c = openConvFor(vid);
  if (c) { openConversation(c.id); return; }
  stopTyping();
  S.current = null;
  S.invite = vid;
  S.selVisitor = vid;
  noteToggle.checked = false;
  renderInviteThread();
  renderPending();
  renderTyping();
  schedule('list', 'visitors', 'chat', 'panel');
  loadVisitor(vid);
  setTimeout(() => { input.focus(); }, 0);
}

role('cancel-invite', hook('chat-main')).addEventListener('click', () => {
  const vid = S.invite;
  S.invite = null;
  selectVisitor(vid);
});

role('back', hook('chat-main')).addEventListener('click', () => {
  stopTyping();
  S.current = null; S.invite = null; S.selVisitor = null;
  renderThreadFull();
  renderTyping();
  schedule('list', 'visitors', 'chat', 'panel');
});

role('browse-invite', hook('chat-empty')).addEventListener('click', () => { if (S.selVisitor) startInvite(S.selVisitor); });
