/* The visitor panel (right): who they are, where, the conversation's facts, their device,
 * search keywords and the pages they went through. */
import { h, clear, hook } from '../dom.js';
import { t, has } from '../i18n.js';
import { duration, fmtFull, fmtTime, parseTime, timeIn } from '../format.js';
import { S } from './state.js';
import { openConvFor } from './model.js';
import { avatarFor, flag, hostOf, liveTimeOnSite, pathOf, safeHref, sourceLabel, visitorName } from './people.js';
import { icon } from './icons.js';

const side = hook('visitor-panel');
let panelTicks = [];

function section(title, extra) {
  return h('section', { class: 'vp-sec' }, h('h3', { class: 'vp-sec-title' }, title, extra ? h('small', {}, extra) : null));
}

/** A <dl> of [label, value, class?] rows; rows without a value are left out. */
function kvList(rows) {
  const dl = h('dl', { class: 'kv' });
  rows.forEach((r) => {
    if (!r || r[1] === null || r[1] === undefined || r[1] === '') return;
    dl.appendChild(h('dt', {}, r[0]));
    dl.appendChild(h('dd', r[2] ? { class: r[2] } : null, r[1]));
  });
  return dl;
}

function stars(rating) {
  const r = Math.max(0, Math.min(5, Math.round(rating)));
  return h('span', { class: 'stars' }, '\u2605'.repeat(r), h('span', { class: 'off' }, '\u2605'.repeat(5 - r)));
}

export function renderPanel() {
  const vid = S.selVisitor;
  panelTicks = [];
  if (!vid) {
    clear(side);
    side.appendChild(h('div', { class: 'side-empty' }, icon('user', 28), h('span', {}, t('panel.empty'))));
    return;
  }
  const v = S.details.get(vid) || S.visitors.get(vid);
  const live = S.visitors.get(vid);
  const online = !!(live && live.online !== false);
  let conv = S.current ? S.convs.get(S.current) : openConvFor(vid);
  if (conv && conv.visitor_id !== vid) conv = null;
  const scroll = side.scrollTop;
  clear(side);
  side.setAttribute('data-visitor-id', vid);

  const name = visitorName(vid, conv);
  const named = !!(conv && conv.visitor_name);
  const av = h('span', { class: 'avatar avatar-xl' });
  avatarFor(av, vid, name, named);
  const email = conv && conv.visitor_email;
  side.appendChild(h('div', { class: 'vp-head' }, av, h('div', { class: 'vp-head-text' },
    h('div', { class: 'vp-name', 'data-chat': 'visitor-name' }, name),
    email ? h('div', { class: 'vp-email' }, email) : null,
    h('div', { class: 'vp-status' + (online ? '' : ' is-off') }, t(online ? 'panel.online' : 'panel.offline'))
  )));

  if (!v) {
    side.appendChild(h('div', { class: 'side-empty' }, t('panel.loading')));
    return;
  }
  side.appendChild(locationSection(v));
  if (conv) side.appendChild(conversationSection(conv));
  side.appendChild(technologySection(v, vid, live));
  side.appendChild(keywordsSection(v));
  side.appendChild(journeySection(v, online));
  side.scrollTop = scroll;
}

function locationSection(v) {
  const g = v.geo || null;
  const loc = section(t('panel.location'));
  if (g) {
    const place = [g.city, g.region !== g.city ? g.region : null, g.country].filter(Boolean).join(', ');
    loc.appendChild(h('div', { class: 'vp-where' }, flag(g.country_code), h('span', {}, place || g.country_code || t('panel.unknown'))));
    const lt = h('span', { 'data-role': 'local-time' }, timeIn(g.timezone));
    if (lt.textContent) panelTicks.push(() => { lt.textContent = timeIn(g.timezone); });
    loc.appendChild(kvList([
      [t('panel.local_time'), lt.textContent ? lt : null],
      [t('panel.timezone'), g.timezone],
      [t('panel.ip'), v.ip, 'mono']
    ]));
    // DB-IP City Lite is CC BY 4.0: credited wherever a location is shown.
    loc.appendChild(h('a', {
      class: 'vp-geo-credit', href: 'https://db-ip.com', target: '_blank', rel: 'noopener noreferrer',
      title: t('geo.attribution_title')
    }, t('geo.attribution')));
  } else {
    loc.appendChild(kvList([[t('panel.location'), t('panel.unknown')], [t('panel.ip'), v.ip, 'mono']]));
  }
  return loc;
}

function conversationSection(conv) {
  const cs = section(t('panel.conversation'));
  const created = parseTime(conv.created_at);
  const fr = parseTime(conv.first_response_at);
  cs.appendChild(kvList([
    [t('panel.started'), fmtFull(created)],
    [t('panel.first_reply'), isNaN(fr) ? t('panel.not_yet') : fmtTime(fr) + ' · ' + t('panel.after', { time: duration((fr - created) / 1000) })],
    [t('console.rating'), typeof conv.rating === 'number' && conv.rating > 0 ? stars(conv.rating) : null]
  ]));
  return cs;
}

function technologySection(v, vid, live) {
  const ua = v.user_agent || {};
  const tech = section(t('panel.technology'));
  const tos = h('span', { class: 'v-time' }, duration(liveTimeOnSite(live || v)));
  panelTicks.push(() => { tos.textContent = duration(liveTimeOnSite(S.visitors.get(vid) || v)); });
  const device = ua.device ? String(ua.device).toLowerCase() : '';
  const dev = ua.device ? (has('device.' + device) ? t('device.' + device) : ua.device) : null;
  tech.appendChild(kvList([
    [t('panel.browser'), ua.browser],
    [t('panel.os'), ua.os],
    [t('panel.device'), dev],
    [t('panel.visits'), v.visits !== undefined && v.visits !== null ? String(v.visits) : null],
    [t('panel.time_on_site'), tos],
    [t('panel.first_seen'), fmtFull(parseTime(v.first_seen_at))]
  ]));
  return tech;
}

function keywordsSection(v) {
  const kws = v.search_keywords || [];
  const ks = section(t('panel.keywords'));
  if (kws.length) {
    const box = h('div', { class: 'vp-kw', 'data-chat': 'visitor-keywords' });
    kws.forEach((k) => {
      box.appendChild(h('span', { class: 'chip chip-kw', title: fmtFull(parseTime(k.at)) },
        h('span', { class: 'chip-src' }, sourceLabel(k.source)), h('span', { class: 'chip-text' }, k.keyword)));
    });
    ks.appendChild(box);
  } else {
    ks.appendChild(h('div', { class: 'faint' }, t('panel.no_keywords')));
  }
  return ks;
}

function journeySection(v, online) {
  const pages = (v.pages || []).slice();
  pages.sort((a, b) => (parseTime(a.entered_at) || 0) - (parseTime(b.entered_at) || 0));
  const js = section(t('panel.journey'), pages.length ? t(pages.length === 1 ? 'panel.pages_count_one' : 'panel.pages_count', { n: pages.length }) : null);
  if (!pages.length) {
    js.appendChild(h('div', { class: 'faint' }, t('panel.no_pages')));
    return js;
  }
  const refHost = hostOf(pages[0].referrer);
  js.appendChild(h('div', { class: 'j-ref' }, icon('link', 11),
    refHost ? t('panel.came_from', { source: refHost }) : t('panel.direct')));
  const ol = h('ol', { class: 'journey', 'data-chat': 'visitor-journey' });
  pages.forEach((pg, i) => {
    const isLast = i === pages.length - 1;
    const current = isLast && !pg.left_at && online;
    const dwellEl = h('span', { class: 'j-dwell' + (current ? ' is-now' : '') });
    if (current) dwellEl.textContent = t('panel.now');
    else if (typeof pg.dwell_seconds === 'number') dwellEl.textContent = duration(pg.dwell_seconds);
    const href = safeHref(pg.url);
    const urlEl = href
      ? h('a', { class: 'j-url', href: href, target: '_blank', rel: 'noopener noreferrer', title: pg.url }, pathOf(pg.url))
      : h('span', { class: 'j-url' }, String(pg.url || ''));
    ol.appendChild(h('li', { class: current ? 'is-current' : null, 'data-chat': 'journey-page' },
      h('div', { class: 'j-top' }, h('span', { class: 'j-title', title: pg.title || '' }, pg.title || pathOf(pg.url)), dwellEl),
      urlEl,
      h('div', { class: 'j-time' }, fmtTime(parseTime(pg.entered_at)))
    ));
  });
  js.appendChild(ol);
  return js;
}

/** The clock tick: the visitor's local time and time on site. */
export function tickPanel() {
  panelTicks.forEach((fn) => { fn(); });
}
