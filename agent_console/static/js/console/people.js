/* Who is who: visitor and author names, avatars, flags, places and pages. */
import { h, clear } from '../dom.js';
import { T, t, has, locale } from '../i18n.js';
import { S } from './state.js';
import { icon } from './icons.js';
import { openConvFor } from './model.js';

export function shortId(id) {
  const s = String(id || '').replace(/-/g, '');
  return s.slice(-6).toUpperCase();
}

export function hueOf(id) {
  const s = String(id || '');
  let n = 0;
  for (let i = 0; i < s.length; i++) n = (n * 31 + s.charCodeAt(i)) >>> 0;
  return n % 8;
}

export function initials(name) {
  const parts = String(name || '').trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return '';
  const a = Array.from(parts[0])[0] || '';
  const b = parts.length > 1 ? (Array.from(parts[parts.length - 1])[0] || '') : '';
  return (a + b).toLocaleUpperCase(locale);
}

export function hostOf(url) {
  try { return new URL(url).host; } catch (e) { return ''; }
}

export function pathOf(url) {
  try { const u = new URL(url); return u.host + u.pathname + u.search; } catch (e) { return String(url || ''); }
}

/** The URL if it is http(s), else null (never a javascript: link). */
export function safeHref(url) {
  return /^https?:\/\//i.test(String(url || '')) ? String(url) : null;
}

export function sourceLabel(src) {
  if (!src) return '';
  const k = 'source.' + String(src).toLowerCase();
  if (has(k)) return T[k];
  return String(src).charAt(0).toUpperCase() + String(src).slice(1);
}

// Flags: regional-indicator emoji where the system font draws them, a small code badge elsewhere
// (Windows has no flag glyphs).
const FLAGS_OK = (function () {
  try {
    const c = document.createElement('canvas').getContext('2d');
    if (!c) return false;
    c.font = '16px sans-serif';
    const pair = c.measureText('\uD83C\uDDF9\uD83C\uDDF7').width;
    const one = c.measureText('\uD83C\uDDF9').width;
    return pair > 0 && pair < one * 1.5;
  } catch (e) { return false; }
}());

export function flag(code) {
  code = String(code || '').toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) return null;
  if (FLAGS_OK) {
    const emoji = String.fromCodePoint(0x1F1E6 + code.charCodeAt(0) - 65, 0x1F1E6 + code.charCodeAt(1) - 65);
    return h('span', { class: 'flag', title: code, 'aria-hidden': 'true' }, emoji);
  }
  return h('span', { class: 'flag flag-code', title: code, 'aria-hidden': 'true' }, code);
}

export function visitorOf(id) { return S.details.get(id) || S.visitors.get(id) || null; }

export function visitorName(vid, conv) {
  if (conv && conv.visitor_name) return conv.visitor_name;
  const d = S.details.get(vid);
  if (d && d.name) return d.name;
  const c = openConvFor(vid);
  if (c && c.visitor_name) return c.visitor_name;
  return t('console.visitor_fallback', { id: shortId(vid) });
}

export function convName(c) { return visitorName(c.visitor_id, c); }

export function whereText(v) {
  const g = v && v.geo;
  if (!g) return '';
  const parts = [];
  if (g.city) parts.push(g.city);
  if (g.country) parts.push(g.country);
  else if (g.country_code) parts.push(g.country_code);
  return parts.join(', ');
}

export function authorName(m) {
  const a = m.author || {};
  if (a.kind === 'system') return t('console.system');
  if (a.kind === 'bot') return a.name || t('assistant_chat.bot');
  if (a.kind === 'agent') {
    if (a.id && S.me.id && a.id === S.me.id) return a.name || S.me.name || t('console.you');
    return a.name || t('console.agent_word');
  }
  const c = S.convs.get(m.conversation_id);
  return a.name || (c ? convName(c) : t('console.visitor_word'));
}

/** Fills an avatar: the initials of a named visitor, else a person icon; a dot when online. */
export function avatarFor(el, vid, name, named) {
  el.className = el.className.replace(/\bhue-\d\b/g, '').trim() + ' hue-' + hueOf(vid);
  clear(el);
  if (named) el.appendChild(document.createTextNode(initials(name)));
  else el.appendChild(icon('user', 18));
  const v = S.visitors.get(vid);
  el.classList.toggle('is-online', !!(v && v.online !== false));
}

/** Seconds on the site now: the server's figure plus the time since it came. */
export function liveTimeOnSite(v) {
  const base = Number(v.time_on_site_seconds) || 0;
  if (v.online === false) return base;
  return base + Math.max(0, (Date.now() - (v._at || Date.now())) / 1000);
}

export function arrivalOf(v) { return (v._at || 0) - (Number(v.time_on_site_seconds) || 0) * 1000; }
