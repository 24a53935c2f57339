/* Kervan Chat response-time dashboard.
 *
 * Every number comes from the stats API (/api/v1/stats/...), the same figures as the JSON
 * and the CSV. Charts are plain SVG drawn here; no libraries, no build step. The waiting
 * list polls every few seconds and its timers tick every second; the figures refresh
 * every minute.
 *
 *   state.js   configuration, loaded data, the period      kpis.js    header and KPI cards
 *   tables.js  summary and per-agent tables                charts.js  compliance and histogram
 *   volume.js  chats per hour and weekday                  waiting.js waiting now, missed
 */
import { hook } from '../dom.js';
import { t } from '../i18n.js';
import { timeWithSeconds } from '../format.js';
import { bearer } from '../api.js';
import {
  REFRESH_MS, TOKEN, WAITING_MS, ZONE, addDays, api, query, range, readUrl, siteId, state, writeUrl
} from './state.js';
import { renderHead, renderKpiWaiting, renderKpis } from './kpis.js';
import { renderAgents, renderSummary } from './tables.js';
import { complianceChart, histogramChart } from './charts.js';
import { volumeCharts } from './volume.js';
import { renderMissed, renderWaiting, tick } from './waiting.js';

const root = hook('stats');
const tip = hook('stats-tip');

function waitingPath() {
  const site = siteId();
  return '/stats/waiting' + (site ? '?site_id=' + encodeURIComponent(site) : '');
}

function loadAll() {
  const r = range();
  root.setAttribute('aria-busy', 'true');
  hook('stats-csv').href = '/api/v1/stats/response-times.csv?' + query();
  return Promise.all([
    api('/stats/response-times?' + query()),
    api('/stats/series?' + query({ bucket: r.bucket })),
    api('/stats/overview?' + query({ tz: ZONE })),
    api(waitingPath())
  ]).then((results) => {
    state.stats = results[0];
    state.series = results[1];
    state.overview = results[2];
    takeWaiting(results[3]);
    state.loadedAt = new Date();
    state.failed = false;
    renderAll();
    root.setAttribute('aria-busy', 'false');
    root.setAttribute('data-loaded', 'true');
  }).catch(() => {
    state.failed = true;
    renderLive();
  });
}

function loadWaiting() {
  return api(waitingPath())
    .then((data) => { takeWaiting(data); state.failed = false; renderWaiting(); renderKpiWaiting(); renderLive(); })
    .catch(() => { state.failed = true; renderLive(); });
}

/** Keeps the waiting list and how far the server's clock is from ours. */
function takeWaiting(data) {
  state.waiting = data;
  state.skew = Date.now() - Date.parse(data.now);
}

function renderLive() {
  const live = hook('stats-live');
  const label = live.querySelector('.st-live-label');
  if (state.failed) {
    live.setAttribute('data-state', 'offline');
    label.textContent = t('stats.offline');
  } else if (state.loadedAt) {
    live.setAttribute('data-state', 'live');
    label.textContent = t('stats.live') + ' · ' + timeWithSeconds(state.loadedAt);
  }
}

function renderAll() {
  if (!state.stats) return;
  renderHead();
  renderKpis();
  renderSummary();
  renderAgents();
  complianceChart();
  histogramChart();
  volumeCharts();
  renderWaiting();
  renderMissed();
  renderLive();
}

// ---------- interaction ----------

function showTip(event) {
  const target = event.target.closest ? event.target.closest('[data-tip]') : null;
  if (!target) { tip.hidden = true; return; }
  tip.textContent = '';
  target.getAttribute('data-tip').split('\n').forEach((line, i) => {
    const div = document.createElement('div');
    if (i === 0) div.className = 'st-tip-title';
    div.textContent = line;
    tip.appendChild(div);
  });
  tip.hidden = false;
  let x = event.clientX + 14, y = event.clientY + 14;
  const rect = tip.getBoundingClientRect();
  if (x + rect.width > window.innerWidth - 8) x = event.clientX - rect.width - 14;
  if (y + rect.height > window.innerHeight - 8) y = event.clientY - rect.height - 14;
  tip.style.left = x + 'px';
  tip.style.top = y + 'px';
}

/** yyyy-mm-dd of the local date, for <input type="date">. */
function inputDate(date) {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

/** The API wants the Bearer token, which a plain link cannot send: fetch, then save. */
function downloadCsv(event) {
  event.preventDefault();
  const link = event.currentTarget;
  link.classList.add('is-busy');
  fetch(link.getAttribute('href'), { headers: { Authorization: bearer(TOKEN) } })
    .then((response) => {
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '');
      return response.blob().then((blob) => ({ blob: blob, name: name ? name[1] : 'response-times.csv' }));
    })
    .then((file) => {
      const url = URL.createObjectURL(file.blob);
      const save = document.createElement('a');
      save.href = url;
      save.download = file.name;
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(() => { URL.revokeObjectURL(url); }, 10000);
    })
    .catch(() => { state.failed = true; renderLive(); })
    .then(() => { link.classList.remove('is-busy'); });
}

function bind() {
  const custom = hook('stats-custom');
  hook('stats-period').addEventListener('click', (event) => {
    const button = event.target.closest('[data-period]');
    if (!button) return;
    const period = button.getAttribute('data-period');
    if (period === 'custom') {
      const r = range();
      custom.hidden = false;
      custom.elements.from.value = inputDate(r.since);
      custom.elements.to.value = inputDate(r.until);
      custom.elements.from.focus();
      return;
    }
    custom.hidden = true;
    state.period = period;
    state.custom = null;
    writeUrl();
    loadAll();
  });
  custom.addEventListener('submit', (event) => {
    event.preventDefault();
    const from = custom.elements.from.value, to = custom.elements.to.value;
    if (!from || !to) return;
    const since = new Date(from + 'T00:00:00'), until = addDays(new Date(to + 'T00:00:00'), 1);
    if (until <= since) return;
    state.period = 'custom';
    state.custom = { since: since, until: until };
    custom.hidden = true;
    writeUrl();
    loadAll();
  });
  hook('stats-clock').addEventListener('click', (event) => {
    const button = event.target.closest('[data-clock]');
    if (!button) return;
    state.clock = button.getAttribute('data-clock');
    renderAll();
  });
  hook('stats-csv').addEventListener('click', downloadCsv);
  root.addEventListener('mousemove', showTip);
  root.addEventListener('mouseleave', () => { tip.hidden = true; });
  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => {
      if (state.stats) { complianceChart(); histogramChart(); volumeCharts(); }
    }, 150);
  });
}

readUrl();
bind();
loadAll();
setInterval(tick, 1000);
setInterval(() => { if (!document.hidden) loadWaiting(); }, WAITING_MS);
setInterval(() => {
  // A fixed custom period does not change; the rolling ones move with the clock.
  if (!document.hidden && state.period !== 'custom') loadAll();
}, REFRESH_MS);
