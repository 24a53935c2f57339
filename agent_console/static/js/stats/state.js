/* The dashboard's configuration (from the page), what it loaded, and the period it shows. */
import { readJSON } from '../i18n.js';
import { createApi } from '../api.js';

export const CFG = readJSON('stats-config') || {};
export const TOKEN = CFG.api_token || '';
export const ZONE = (Intl.DateTimeFormat().resolvedOptions().timeZone) || 'UTC';
export const KINDS = ['first_response', 'next_response'];
export const REFRESH_MS = 60000;
export const WAITING_MS = 4000;

export const state = {
  period: 'today', custom: null, clock: 'wall',
  stats: null, series: null, overview: null, waiting: null,
  skew: 0, loadedAt: null, failed: false
};

/** GET /api/v1<path>; signed out (401) or not a manager (403) goes to the login page. */
export const api = createApi({
  token: TOKEN,
  prefix: '/api/v1',
  signedOut: [401, 403],
  onSignedOut: () => {
    location.href = '/console/login?next=' + encodeURIComponent(location.pathname + location.search);
  }
});

/** The response-time figures of a kind, on the wall clock or in business hours. */
export function figures(kind) {
  const s = state.stats;
  if (!s) return null;
  if (state.clock === 'business' && s.business) return s.business[kind];
  return s[kind];
}

// ---------- the period ----------

export function midnight(date) {
  const d = new Date(date.getTime());
  d.setHours(0, 0, 0, 0);
  return d;
}

export function addDays(date, days) {
  const d = new Date(date.getTime());
  d.setDate(d.getDate() + days);
  return d;
}

/** {since, until, bucket}: today, the last 7 or 30 days (from midnight), or the custom dates. */
export function range() {
  const now = new Date();
  let since, until;
  if (state.period === 'custom' && state.custom) {
    since = state.custom.since;
    until = state.custom.until;
  } else if (state.period === '7d') {
    since = addDays(midnight(now), -6); until = now;
  } else if (state.period === '30d') {
    since = addDays(midnight(now), -29); until = now;
  } else {
    since = midnight(now); until = now;
  }
  const hours = (until - since) / 3600000;
  return { since: since, until: until, bucket: hours <= 48 ? 'hour' : 'day' };
}

/** The site the page was opened for (?site_id=), if any. */
export function siteId() {
  return new URLSearchParams(location.search).get('site_id');
}

/** The query string of the period (and the site), plus `extra`. */
export function query(extra) {
  const r = range();
  const params = new URLSearchParams();
  params.set('since', r.since.toISOString());
  params.set('until', r.until.toISOString());
  const site = siteId();
  if (site) params.set('site_id', site);
  Object.keys(extra || {}).forEach((key) => { params.set(key, extra[key]); });
  return params.toString();
}

export function readUrl() {
  const params = new URLSearchParams(location.search);
  const since = params.get('since'), until = params.get('until');
  if (since && until && !isNaN(Date.parse(since)) && !isNaN(Date.parse(until))) {
    state.period = 'custom';
    state.custom = { since: new Date(since), until: new Date(until) };
  } else if (['today', '7d', '30d'].indexOf(params.get('period')) >= 0) {
    state.period = params.get('period');
  }
}

export function writeUrl() {
  const params = new URLSearchParams(location.search);
  params.delete('since'); params.delete('until'); params.delete('period');
  if (state.period === 'custom' && state.custom) {
    params.set('since', state.custom.since.toISOString());
    params.set('until', state.custom.until.toISOString());
  } else if (state.period !== 'today') {
    params.set('period', state.period);
  }
  const search = params.toString();
  history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
}
