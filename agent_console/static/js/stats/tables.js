/* The summary table (first and next response), its bars, and the per-agent table. */
import { $, fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { num, pct, pctText, statDuration as dur } from '../format.js';
import { KINDS, figures, state } from './state.js';
import { hue, initials } from './people.js';
import { meter, tone } from './kpis.js';

/** Shows a figure; its exact value goes in data-value (what the tests compare with the JSON). */
function setStat(node, value, text) {
  if (!node) return;
  node.setAttribute('data-value', value == null ? '' : String(value));
  node.textContent = text;
}

export function renderSummary() {
  KINDS.forEach((kind) => {
    const f = figures(kind);
    ['count', 'within_sla', 'breached'].forEach((field) => {
      setStat($('[data-stat="' + kind + '.' + field + '"]'), f[field], num(f[field]));
    });
    ['mean', 'p50', 'p90', 'max'].forEach((field) => {
      setStat($('[data-stat="' + kind + '.' + field + '"]'), f[field], dur(f[field]));
    });
  });
  const breached = figures('first_response').breached + figures('next_response').breached;
  setStat($('.st-mini [data-stat="breached"]'), breached, num(breached));
  KINDS.forEach((kind) => {
    const f = figures(kind), row = $('.st-kind-bar[data-kind="' + kind + '"]');
    const answered = f.count || 0, within = pct(f.within_sla, answered);
    row.querySelector('.st-stack-within').style.width = (within == null ? 0 : within).toFixed(2) + '%';
    row.querySelector('.st-stack-breached').style.width = (within == null ? 0 : 100 - within).toFixed(2) + '%';
    row.querySelector('[data-kind-pct]').textContent = within == null ? '–' : t('stats.within_pct', { pct: pctText(within) });
  });
  setStat($('[data-stat="conversations"]'), state.stats.conversations, num(state.stats.conversations));
  setStat($('[data-stat="missed"]'), state.stats.missed, num(state.stats.missed));
  const bot = state.stats.assistant || {};
  ['answered', 'handed_over', 'resolved_without_agent'].forEach((field) => {
    setStat($('[data-stat="assistant.' + field + '"]'), bot[field], num(bot[field] || 0));
  });
}

function agentRow(a, most) {
  const f = a.first_response, n = a.next_response;
  const answers = f.count + n.count, within = f.within_sla + n.within_sla;
  const breached = f.breached + n.breached;
  const share = pct(within, answers);
  const name = a.name || a.agent_id;
  const figure = (stat, value) => h('td', { class: 'num', 'data-stat': stat, 'data-value': value == null ? '' : value }, dur(value));
  return h('tr', { 'data-agent-id': a.agent_id },
    h('th', { scope: 'row' }, h('span', { class: 'st-agent' },
      h('span', { class: 'st-avatar', style: '--h:' + hue(a.agent_id) }, initials(name)),
      h('span', { class: 'st-agent-name' }, name))),
    h('td', { class: 'num' },
      h('span', { class: 'st-inline-bar' }, h('i', { style: 'width:' + (100 * answers / most).toFixed(1) + '%' })),
      h('span', { 'data-stat': 'answers', 'data-value': answers }, num(answers))),
    figure('first_response.p50', f.p50),
    figure('first_response.p90', f.p90),
    figure('next_response.p50', n.p50),
    h('td', { class: 'num' + (breached ? ' st-bad' : ''), 'data-stat': 'breached', 'data-value': breached }, num(breached)),
    h('td', { class: 'st-col-bar' }, h('div', { class: 'st-bar-cell' },
      meter(tone(within, answers), share),
      h('span', { class: 'st-bar-label' }, share == null ? '–' : pctText(share) + '%'))));
}

export function renderAgents() {
  const body = $('[data-chat="stats-agents"] tbody');
  const agents = state.stats.per_agent;
  if (!agents.length) {
    fill(body, h('tr', { class: 'st-empty-row' }, h('td', { colspan: '7' }, t('stats.no_agents'))));
    return;
  }
  const most = Math.max.apply(null, agents.map((a) => a.first_response.count + a.next_response.count)) || 1;
  fill(body, agents.map((a) => agentRow(a, most)));
}
