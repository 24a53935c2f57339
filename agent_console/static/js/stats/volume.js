/* When the chats come: conversations per hour of the day, and per weekday and hour. */
import { $, clear, fill, svg } from '../dom.js';
import { t } from '../i18n.js';
import { num } from '../format.js';
import { state } from './state.js';
import { chartSvg, emptyState, niceMax, svgText } from './charts.js';

function hourLabel(hour) { return (hour < 10 ? '0' : '') + hour + ':00'; }

export function volumeCharts() {
  const volume = state.overview.volume;
  const hoursBox = $('[data-chart="hours"]');
  const heatBox = $('[data-chart="heatmap"]');
  $('[data-chat="stats-volume-hint"]').textContent = t('stats.volume_hint', { tz: state.overview.timezone });
  const total = volume.by_hour.reduce((a, b) => a + b, 0);
  if (!total) { emptyState(hoursBox, t('stats.no_data'), t('stats.no_data_hint')); clear(heatBox); return; }
  const W = Math.max(hoursBox.clientWidth, 320), H = 120, m = { l: 78, r: 8, t: 8, b: 20 };
  const iw = W - m.l - m.r, ih = H - m.t - m.b, step = iw / 24, bw = step * 0.7;
  const max = niceMax(Math.max.apply(null, volume.by_hour));
  const chart = chartSvg(W, H);
  chart.appendChild(svg('line', { x1: m.l, x2: W - m.r, y1: m.t, y2: m.t, class: 'st-grid-line' }));
  chart.appendChild(svg('line', { x1: m.l, x2: W - m.r, y1: m.t + ih / 2, y2: m.t + ih / 2, class: 'st-grid-line' }));
  chart.appendChild(svg('line', { x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih, class: 'st-axis-line' }));
  chart.appendChild(svgText(m.l - 10, m.t + 4, num(max), { class: 'st-axis-label', 'text-anchor': 'end' }));
  chart.appendChild(svgText(m.l - 10, m.t + ih / 2 + 4, num(max / 2), { class: 'st-axis-label', 'text-anchor': 'end' }));
  volume.by_hour.forEach((count, hour) => {
    const bh = (count / max) * ih, x = m.l + hour * step + (step - bw) / 2;
    chart.appendChild(svg('rect', { x: x, y: m.t + ih - bh, width: bw, height: bh, rx: 2, class: 'st-hour-bar' }));
    if (hour % 3 === 0) {
      chart.appendChild(svgText(x + bw / 2, H - 5, hourLabel(hour), { class: 'st-axis-label', 'text-anchor': 'middle' }));
    }
    const hit = svg('rect', { x: m.l + hour * step, y: m.t, width: step, height: ih, class: 'st-hit' });
    hit.setAttribute('data-tip', hourLabel(hour) + '–' + hourLabel(hour + 1) + '\n' + t('stats.chats_n', { n: num(count) }));
    chart.appendChild(hit);
  });
  fill(hoursBox, chart);

  const days = t('stats.weekdays').split(',');
  const HW = Math.max(heatBox.clientWidth, 320), cell = (HW - m.l - m.r) / 24, ch = 22, gap = 4;
  const HH = 7 * (ch + gap) + 4;
  const heatMax = Math.max.apply(null, volume.heatmap.map((row) => Math.max.apply(null, row))) || 1;
  const heat = chartSvg(HW, HH);
  volume.heatmap.forEach((row, day) => {
    const y = day * (ch + gap) + 2;
    heat.appendChild(svgText(0, y + ch / 2 + 4, days[day], { class: 'st-day-label' }));
    heat.appendChild(svgText(m.l - 10, y + ch / 2 + 4, num(volume.by_weekday[day]), { class: 'st-axis-label', 'text-anchor': 'end' }));
    row.forEach((count, hour) => {
      const level = count ? 0.12 + 0.88 * (count / heatMax) : 0;
      const rect = svg('rect', {
        x: m.l + hour * cell + 1, y: y, width: cell - 2, height: ch, rx: 3,
        class: count ? 'st-heat' : 'st-heat st-heat-empty', style: count ? 'fill-opacity:' + level.toFixed(3) : ''
      });
      rect.setAttribute('data-tip', days[day] + ' ' + hourLabel(hour) + '\n' + t('stats.chats_n', { n: num(count) }));
      heat.appendChild(rect);
    });
  });
  fill(heatBox, heat);
}
