/* The SVG charts: SLA compliance over the period (with the volume behind it) and the
 * histogram of first-response times. Plain SVG, no libraries; hover tips come from data-tip. */
import { $, fill, h, strokeIcon, svg } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, num, pct, pctText, shortDate, statDuration as dur, timeOfDay } from '../format.js';
import { KINDS, state } from './state.js';

export function svgText(x, y, text, attrs) {
  return svg('text', Object.assign({ x: x, y: y }, attrs || {}), text);
}

/** "No data" with a hint, in place of a chart. */
export function emptyState(box, title, hint) {
  fill(box, h('div', { class: 'st-empty' },
    strokeIcon('M3 3v18h18M7 15l4-4 3 3 5-6', 28, 1.6),
    h('div', { class: 'st-empty-title' }, title),
    hint ? h('div', { class: 'st-empty-hint' }, hint) : null));
}

/** The round number (1, 2, 2.5, 5 × 10^n) at or above value. */
export function niceMax(value) {
  if (value <= 0) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  const steps = [1, 2, 2.5, 5, 10];
  for (let i = 0; i < steps.length; i++) {
    if (value <= steps[i] * power) return steps[i] * power;
  }
  return 10 * power;
}

export function chartSvg(W, H) {
  return svg('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'st-svg', role: 'img' });
}

export function complianceChart() {
  const box = $('[data-chart="compliance"]');
  const buckets = state.series.buckets;
  const anything = buckets.some((b) => b.conversations || b.first_response.count || b.next_response.count);
  if (!anything) { emptyState(box, t('stats.no_data'), t('stats.no_data_hint')); return; }
  const W = Math.max(box.clientWidth, 320), H = 240;
  const m = { l: 40, r: 14, t: 12, b: 28 };
  const iw = W - m.l - m.r, ih = H - m.t - m.b;
  const n = buckets.length, step = iw / n;
  const maxVolume = niceMax(Math.max.apply(null, buckets.map((b) => b.conversations)));
  const chart = chartSvg(W, H);
  [0, 25, 50, 75, 100].forEach((v) => {
    const y = m.t + ih - (v / 100) * ih;
    chart.appendChild(svg('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: v ? 'st-grid-line' : 'st-axis-line' }));
    chart.appendChild(svgText(m.l - 8, y + 4, v + '%', { class: 'st-axis-label', 'text-anchor': 'end' }));
  });
  buckets.forEach((b, i) => {
    if (!b.conversations) return;
    const bh = (b.conversations / maxVolume) * ih * 0.55;
    const bw = Math.max(2, step * 0.62);
    chart.appendChild(svg('rect', {
      x: m.l + i * step + (step - bw) / 2, y: m.t + ih - bh, width: bw, height: bh, rx: Math.min(3, bw / 3),
      class: 'st-volume-bar'
    }));
  });
  const hourly = state.series.bucket === 'hour';
  const every = Math.ceil(n / Math.max(1, Math.floor(iw / (hourly ? 44 : 52))));
  buckets.forEach((b, i) => {
    if (i % every) return;
    const start = new Date(b.start);
    chart.appendChild(svgText(m.l + i * step + step / 2, H - 8, hourly ? timeOfDay(start) : shortDate(start),
      { class: 'st-axis-label', 'text-anchor': 'middle' }));
  });
  KINDS.forEach((kind) => {
    let path = '', open = false;
    const points = [];
    buckets.forEach((b, i) => {
      const f = b[kind];
      if (!f.count) { open = false; return; }
      const x = m.l + i * step + step / 2, y = m.t + ih - (f.within_sla / f.count) * ih;
      path += (open ? 'L' : 'M') + x.toFixed(1) + ',' + y.toFixed(1);
      open = true;
      points.push(svg('circle', { cx: x, cy: y, r: n > 48 ? 1.8 : 3, class: 'st-point st-point-' + kind }));
    });
    if (path) chart.appendChild(svg('path', { d: path, class: 'st-line st-line-' + kind }));
    points.forEach((point) => { chart.appendChild(point); });
  });
  buckets.forEach((b, i) => {
    const hit = svg('rect', { x: m.l + i * step, y: m.t, width: step, height: ih, class: 'st-hit' });
    const start = new Date(b.start);
    const lines = [hourly ? dateTime(start) : shortDate(start), t('stats.legend_volume') + ': ' + num(b.conversations)];
    KINDS.forEach((kind) => {
      const f = b[kind];
      if (f.count) lines.push(t('stats.' + kind) + ': ' + pctText(pct(f.within_sla, f.count)) + '% · ' + dur(f.mean));
    });
    hit.setAttribute('data-tip', lines.join('\n'));
    chart.appendChild(hit);
  });
  fill(box, chart);
}

export function histogramChart() {
  const box = $('[data-chart="histogram"]');
  const hist = state.overview.first_response_histogram;
  const total = hist.counts.reduce((a, b) => a + b, 0);
  if (!total) { emptyState(box, t('stats.no_data'), t('stats.no_data_hint')); return; }
  const W = Math.max(box.clientWidth, 260), H = 240;
  const m = { l: 34, r: 8, t: 22, b: 46 };
  const iw = W - m.l - m.r, ih = H - m.t - m.b;
  const n = hist.counts.length, step = iw / n, bw = step * 0.72;
  const max = niceMax(Math.max.apply(null, hist.counts));
  const chart = chartSvg(W, H);
  [0, 0.5, 1].forEach((f) => {
    const y = m.t + ih - f * ih;
    chart.appendChild(svg('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: f ? 'st-grid-line' : 'st-axis-line' }));
    chart.appendChild(svgText(m.l - 6, y + 4, num(max * f), { class: 'st-axis-label', 'text-anchor': 'end' }));
  });
  const edges = hist.edges, target = hist.target_seconds;
  hist.counts.forEach((count, i) => {
    const over = i > 0 && edges[i - 1] >= target;
    const bh = (count / max) * ih;
    const x = m.l + i * step + (step - bw) / 2;
    const label = i === 0 ? t('stats.bin_under', { time: dur(edges[0]) })
      : i === n - 1 ? t('stats.bin_over', { time: dur(edges[n - 2]) })
        : t('stats.bin_range', { from: dur(edges[i - 1]), to: dur(edges[i]) });
    chart.appendChild(svg('rect', {
      x: x, y: m.t + ih - bh, width: bw, height: Math.max(bh, count ? 2 : 0), rx: 3,
      class: over ? 'st-hist-bar st-hist-over' : 'st-hist-bar'
    }));
    if (count) {
      chart.appendChild(svgText(x + bw / 2, m.t + ih - bh - 5, num(count), { class: 'st-bar-value', 'text-anchor': 'middle' }));
    }
    const short = i === 0 ? '<' + dur(edges[0]) : i === n - 1 ? '≥' + dur(edges[n - 2]) : dur(edges[i]);
    const tick = svgText(x + bw / 2, H - m.b + 14, short, { class: 'st-axis-label', 'text-anchor': 'end' });
    tick.setAttribute('transform', 'rotate(-35 ' + (x + bw / 2) + ' ' + (H - m.b + 14) + ')');
    chart.appendChild(tick);
    const hit = svg('rect', { x: m.l + i * step, y: m.t, width: step, height: ih, class: 'st-hit' });
    hit.setAttribute('data-tip', label + '\n' + t('stats.waits_n', { n: num(count) }) + ' · ' + pctText(pct(count, total)) + '%');
    chart.appendChild(hit);
  });
  const at = edges.indexOf(target);
  if (at >= 0) {
    const x = m.l + (at + 1) * step;
    chart.appendChild(svg('line', { x1: x, x2: x, y1: m.t - 6, y2: m.t + ih, class: 'st-target-line' }));
    chart.appendChild(svgText(x + 4, m.t - 8, t('stats.target', { time: dur(target) }), { class: 'st-target-label' }));
  }
  fill(box, chart);
}
