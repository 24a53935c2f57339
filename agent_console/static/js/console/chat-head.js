/* The middle pane's frame: the empty state, and the open conversation's head (name, status,
 * wait, page, banner, Resolve). */
import { hook, role } from '../dom.js';
import { t } from '../i18n.js';
import { clock, duration } from '../format.js';
import { S } from './state.js';
import { openConvFor, waitInfo } from './model.js';
import { avatarFor, convName, pathOf, visitorName, visitorOf } from './people.js';
import { updateComposerMode } from './composer.js';
import { send } from './socket.js';
import { toast } from './toasts.js';
import { schedule } from './schedule.js';

const chatEmpty = hook('chat-empty');
const chatMain = hook('chat-main');
const resolveBtn = hook('resolve');

function showMiddle() {
  const active = !!(S.current || S.invite);
  chatMain.hidden = !active;
  chatEmpty.hidden = active;
  document.body.classList.toggle('has-chat', active);
  if (!active) {
    const v = S.selVisitor ? visitorOf(S.selVisitor) : null;
    const btn = role('browse-invite', chatEmpty);
    if (v) {
      const name = visitorName(v.id);
      const online = v.online !== false && S.visitors.has(v.id);
      role('title', chatEmpty).textContent = t(online ? 'console.browsing_title' : 'console.left_title', { name: name });
      role('hint', chatEmpty).textContent = online ? t('console.browsing_hint') : '';
      btn.hidden = !online || !!openConvFor(v.id);
    } else {
      role('title', chatEmpty).textContent = t('console.select_title');
      role('hint', chatEmpty).textContent = t('console.select_hint');
      btn.hidden = true;
    }
  }
}

export function renderChatHead() {
  showMiddle();
  if (!S.current && !S.invite) return;
  const title = hook('conversation-title');
  const status = hook('conversation-status');
  const avatar = role('avatar', chatMain);
  const page = role('page', chatMain);
  const banner = role('banner', chatMain);
  const cancel = role('cancel-invite', chatMain);
  let vid, name;
  if (S.invite) {
    vid = S.invite;
    name = visitorName(vid);
    title.textContent = t('console.new_chat_with', { name: name });
    avatarFor(avatar, vid, name, false);
    status.textContent = t('console.status_new');
    status.setAttribute('data-status', 'new');
    status.className = 'pill';
    resolveBtn.hidden = true;
    cancel.hidden = false;
    banner.hidden = true;
  } else {
    const c = S.convs.get(S.current);
    if (!c) { title.textContent = t('console.loading'); resolveBtn.hidden = true; cancel.hidden = true; return; }
    vid = c.visitor_id;
    name = convName(c);
    title.textContent = name;
    avatarFor(avatar, vid, name, !!c.visitor_name);
    const resolved = c.status === 'resolved';
    resolveBtn.hidden = resolved;
    resolveBtn.disabled = !!S.resolving && S.resolving === c.id;
    cancel.hidden = true;
    status.setAttribute('data-status', resolved ? 'resolved' : 'open');
    status.className = 'pill';
    status.textContent = t(resolved ? 'console.status_resolved' : 'console.status_open');
    const v0 = S.visitors.get(vid);
    if (resolved) { banner.hidden = false; banner.textContent = t('console.resolved_banner'); }
    else if (!v0 || v0.online === false) {
      banner.hidden = !S.welcomed;
      banner.textContent = t('console.visitor_left_banner');
    } else banner.hidden = true;
  }
  const v = S.visitors.get(vid) || S.details.get(vid);
  const cp = v && v.online !== false ? v.current_page : null;
  page.textContent = cp ? t('console.on_page', { page: cp.title || pathOf(cp.url) }) : '';
  page.title = cp ? String(cp.url || '') : '';
  tickChatHead();
  updateComposerMode();
}

/** The clock tick: "Waiting 01:23" and the wait's target. */
export function tickChatHead() {
  const waitEl = role('wait', chatMain);
  const status = hook('conversation-status');
  const c = S.current ? S.convs.get(S.current) : null;
  const w = c && !S.invite ? waitInfo(c) : null;
  if (w) {
    status.setAttribute('data-status', 'waiting');
    status.className = 'pill sla-' + w.level;
    status.textContent = t('console.status_waiting') + ' ' + clock(w.waited);
    waitEl.textContent = t(c.wait_kind === 'next_response' ? 'console.next_response' : 'console.first_response') +
      ' · ' + t('console.target', { time: duration(w.target) });
  } else {
    waitEl.textContent = '';
    if (c && !S.invite && status.getAttribute('data-status') === 'waiting') {
      status.setAttribute('data-status', 'open');
      status.className = 'pill';
      status.textContent = t('console.status_open');
    }
  }
}

resolveBtn.addEventListener('click', () => {
  if (!S.current) return;
  const id = S.current;
  if (send({ type: 'conversation.resolve', conversation_id: id })) {
    S.resolving = id;
    resolveBtn.disabled = true;
    setTimeout(() => { if (S.resolving === id) { S.resolving = null; schedule('chat'); } }, 6000);
  } else {
    toast(t('error.network'), 'error');
  }
});
