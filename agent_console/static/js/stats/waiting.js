/* Who is waiting for an answer now (timers tick between polls), and the recent missed chats. */
import { $, $$, fill, h, strokeIcon } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, num, statDuration as dur, timer } from '../format.js';
import { state } from './state.js';
import { visitorAvatar, visitorName } from './people.js';
import { renderKpiWaiting } from './kpis.js';

const CHECK = 'M20 6 9 17l-5-5';

function openLink(conversationId) {
  return h('a', { class: 'btn btn-sm', href: '/console/#' + conversationId }, t('stats.open_chat'));
}

export function renderWaiting() {
  if (!state.waiting) return;
  const list = $('[data-chat="stats-waiting"]');
  const items = state.waiting.waiting;
  $('[data-chat="stats-waiting-count"]').textContent = num(items.length);
  if (!items.length) {
    fill(list, h('li', { class: 'st-list-empty' }, strokeIcon(CHECK, 26, 2), t('stats.nobody_waiting')));
    return;
  }
  fill(list, items.map((item) => h('li', {
    class: 'st-wait', 'data-conversation-id': item.conversation_id, 'data-since': item.waiting_since,
    'data-target': String(item.target_seconds)
  },
    visitorAvatar(item),
    h('span', { class: 'st-wait-main' },
      h('span', { class: 'st-wait-name' }, visitorName(item)),
      h('span', { class: 'st-wait-kind' }, t('stats.' + item.kind) + ' · ' + t('stats.target', { time: dur(item.target_seconds) })),
      h('span', { class: 'st-wait-track' }, h('span', {}))),
    h('span', { class: 'st-wait-timer', 'data-timer': true }, '0:00'),
    openLink(item.conversation_id))));
  tick();
}

/** Timers run locally between polls and turn amber, then red, as the target nears. */
export function tick() {
  $$('.st-wait').forEach((row) => {
    const waited = (Date.now() - state.skew - Date.parse(row.getAttribute('data-since'))) / 1000;
    const target = parseFloat(row.getAttribute('data-target'));
    const fraction = waited / target;
    const level = fraction >= 1 ? 'breached' : fraction >= 0.8 ? 'warning' : 'ok';
    row.setAttribute('data-state', level);
    row.querySelector('[data-timer]').textContent = timer(waited);
    row.querySelector('.st-wait-track span').style.width = Math.min(100, fraction * 100).toFixed(1) + '%';
  });
  renderKpiWaiting();
}

export function renderMissed() {
  const list = $('[data-chat="stats-missed"]');
  const items = state.overview.missed_recent.slice(0, 7);
  $('[data-chat="stats-missed-count"]').textContent = num(state.stats.missed);
  if (!items.length) {
    fill(list, h('li', { class: 'st-list-empty st-list-good' }, strokeIcon(CHECK, 26, 2), t('stats.no_missed')));
    return;
  }
  fill(list, items.map((item) => {
    const created = new Date(item.created_at);
    const after = item.ended_at ? (Date.parse(item.ended_at) - created.getTime()) / 1000 : null;
    return h('li', { class: 'st-missed-row', 'data-conversation-id': item.conversation_id },
      visitorAvatar(item),
      h('span', { class: 'st-wait-main' },
        h('span', { class: 'st-wait-name' }, visitorName(item)),
        h('span', { class: 'st-wait-kind' }, dateTime(created) + (after != null ? ' · ' + t('stats.ended_after', { time: dur(after) }) : ''))),
      openLink(item.conversation_id));
  }));
}
