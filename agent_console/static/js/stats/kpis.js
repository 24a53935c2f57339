/* The header (targets, period and clock buttons) and the six KPI cards. */
import { $, $$, fill, h, svg } from '../dom.js';
import { t } from '../i18n.js';
import { num, pct, pctText, statDuration as dur, timer } from '../format.js';
import { figures, state } from './state.js';

export function renderHead() {
  const s = state.stats;
  $('[data-chat="stats-targets"]').textContent = t('stats.targets', {
    first: dur(s.sla.first_response_seconds), next: dur(s.sla.next_response_seconds)
  });
  const business = !!s.business;
  $('[data-chat="stats-business"]').hidden = !business;
  $('[data-chat="stats-clock"]').hidden = !business;
  if (!business) state.clock = 'wall';
  $$('[data-period]').forEach((button) => {
    const on = button.getAttribute('data-period') === state.period;
    button.classList.toggle('is-active', on);
    button.setAttribute('aria-pressed', on ? 'true' : 'false');
  });
  $$('[data-clock]').forEach((button) => {
    button.classList.toggle('is-active', button.getAttribute('data-clock') === state.clock);
  });
}

function kpi(key) {
  const card = $('[data-kpi="' + key + '"]');
  return {
    card: card,
    value: card.querySelector('[data-kpi-value]'),
    sub: card.querySelector('[data-kpi-sub]'),
    foot: card.querySelector('[data-kpi-foot]'),
    chip: card.querySelector('[data-kpi-chip]')
  };
}

/** good (≥ 90 % within target), fair (≥ 75 %), poor; '' without answers. */
export function tone(within, count) {
  const share = pct(within, count);
  if (share == null) return '';
  return share >= 90 ? 'good' : share >= 75 ? 'fair' : 'poor';
}

/** A bar filled to `share` percent. */
export function meter(toneName, share) {
  return h('div', { class: 'st-meter st-meter-' + toneName },
    h('span', { style: 'width:' + (share == null ? 0 : share.toFixed(2)) + '%' }));
}

function none() { return h('span', { class: 'st-kpi-none' }, '–'); }

function renderResponseKpi(key, kind, target) {
  const box = kpi(key), f = figures(kind);
  if (f.p50 == null) fill(box.value, none());
  else fill(box.value, dur(f.p50), h('small', {}, t('stats.median')));
  box.value.setAttribute('data-value', f.p50 == null ? '' : f.p50);
  fill(box.sub,
    h('span', {}, t('stats.p90_short', { value: dur(f.p90) })),
    h('span', {}, t('stats.mean_short', { value: dur(f.mean) })));
  box.card.title = t('stats.target', { time: dur(target) });
  const share = pct(f.within_sla, f.count);
  if (f.count) {
    fill(box.foot,
      h('span', { class: 'st-pill st-pill-' + tone(f.within_sla, f.count) }, t('stats.within_pct', { pct: pctText(share) })),
      h('span', {}, t('stats.answered_n', { n: num(f.count) })));
  } else {
    fill(box.foot, h('span', {}, t('stats.answered_n', { n: 0 })));
  }
}

export function renderKpis() {
  const s = state.stats;
  renderResponseKpi('first', 'first_response', s.sla.first_response_seconds);
  renderResponseKpi('next', 'next_response', s.sla.next_response_seconds);

  const first = figures('first_response'), next = figures('next_response');
  const answered = first.count + next.count, within = first.within_sla + next.within_sla;
  const share = pct(within, answered);
  let box = kpi('compliance');
  if (share == null) fill(box.value, none());
  else fill(box.value, pctText(share), h('small', {}, '%'));
  box.value.setAttribute('data-value', share == null ? '' : share);
  fill(box.sub, meter(tone(within, answered), share));
  fill(box.foot,
    h('span', {}, t('stats.waits_answered', { n: num(answered) })),
    h('span', { class: 'st-bad' }, t('stats.breached_n', { n: num(first.breached + next.breached) })));

  box = kpi('conversations');
  box.value.textContent = num(s.conversations);
  box.value.setAttribute('data-value', s.conversations);
  const missedShare = pct(s.missed, s.conversations);
  fill(box.sub,
    h('span', { class: s.missed ? 'st-bad' : '' }, t('stats.missed_n', { n: num(s.missed) })),
    missedShare != null ? h('span', {}, t('stats.missed_pct', { pct: pctText(missedShare) })) : null);
  fill(box.foot, sparkline());

  const rating = state.overview.rating;
  box = kpi('rating');
  if (rating.average == null) fill(box.value, none());
  else fill(box.value, num(rating.average, 1), h('small', { class: 'st-star' }, '★'));
  box.value.setAttribute('data-value', rating.average == null ? '' : rating.average);
  box.sub.textContent = rating.count ? t('stats.ratings_n', { n: num(rating.count) }) : t('stats.no_ratings');
  const most = Math.max.apply(null, [1, 2, 3, 4, 5].map((n) => rating.distribution[n] || 0)) || 1;
  fill(box.foot, h('div', { class: 'st-stars' }, [5, 4, 3, 2, 1].map((score) => {
    const n = rating.distribution[score] || 0;
    return h('div', { class: 'st-star-row', title: score + '★ · ' + n },
      h('span', {}, String(score)),
      h('i', { style: 'width:' + (100 * n / most).toFixed(1) + '%' + (n ? '' : ';min-width:0') }));
  })));
  renderKpiWaiting();
}

/** The conversations per bucket of the period, as a line (null with fewer than two). */
function sparkline() {
  const buckets = state.series ? state.series.buckets : [];
  if (buckets.length < 2) return null;
  const values = buckets.map((b) => b.conversations);
  const max = Math.max.apply(null, values);
  if (!max) return null;
  const w = 120, ht = 26;
  const points = values.map((v, i) => (i * w / (values.length - 1)).toFixed(1) + ',' + (ht - 2 - (v / max) * (ht - 4)).toFixed(1));
  return svg('svg', { class: 'st-spark', viewBox: '0 0 ' + w + ' ' + ht, preserveAspectRatio: 'none', 'aria-hidden': 'true' },
    svg('polyline', { points: points.join(' '), fill: 'none', stroke: 'currentColor', 'stroke-width': '1.6', 'stroke-linejoin': 'round' }));
}

/** Seconds a waiting visitor has waited by the server's clock. */
export function waitedNow(item) {
  return (Date.now() - state.skew - Date.parse(item.waiting_since)) / 1000;
}

export function renderKpiWaiting() {
  if (!state.waiting) return;
  const list = state.waiting.waiting, box = kpi('waiting');
  box.value.textContent = num(list.length);
  box.value.setAttribute('data-value', list.length);
  box.card.classList.toggle('st-kpi-alert', list.some((w) => waitedNow(w) >= w.target_seconds));
  const longest = list.length ? Math.max.apply(null, list.map(waitedNow)) : null;
  box.sub.textContent = longest == null ? t('stats.nobody_waiting') : t('stats.longest', { time: timer(longest) });
  fill(box.foot);
}
