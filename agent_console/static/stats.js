/* Kervan Chat response-time dashboard.
 *
 * Every number comes from the stats API (/api/v1/stats/...), the same figures
 * as the JSON and the CSV. Charts are plain SVG drawn here; no libraries.
 * The waiting list polls every few seconds and its timers tick every second;
 * the figures refresh every minute.
 */
(function () {
  'use strict';

  var CFG = JSON.parse(document.getElementById('stats-config').textContent);
  var T = JSON.parse(document.getElementById('stats-i18n').textContent);
  var LANG = CFG.lang || 'en';
  var TOKEN = CFG.api_token || '';
  var ZONE = (Intl.DateTimeFormat().resolvedOptions().timeZone) || 'UTC';
  var SVGNS = 'http://www.w3.org/2000/svg';
  var KINDS = ['first_response', 'next_response'];
  var REFRESH_MS = 60000;
  var WAITING_MS = 4000;

  var root = document.querySelector('[data-chat="stats"]');
  var tip = document.querySelector('[data-chat="stats-tip"]');
  var state = {
    period: 'today', custom: null, clock: 'wall',
    stats: null, series: null, overview: null, waiting: null,
    skew: 0, loadedAt: null, failed: false
  };

  // ---------- text ----------

  function t(key, vars) {
    var text = T[key];
    if (text == null) return key;
    if (vars) {
      Object.keys(vars).forEach(function (name) {
        text = text.split('{' + name + '}').join(String(vars[name]));
      });
    }
    return text;
  }

  function esc(value) {
    return String(value == null ? '' : value)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  }

  function num(value, digits) {
    if (value == null) return '–';
    return new Intl.NumberFormat(LANG, {
      minimumFractionDigits: digits || 0, maximumFractionDigits: digits || 0
    }).format(value);
  }

  function pct(part, whole) {
    if (!whole) return null;
    return (100 * part) / whole;
  }

  function pctText(value) {
    if (value == null) return '–';
    return num(value, value >= 99.95 || value === 0 ? 0 : 1);
  }

  /** 2.4 s, 38 s, 4 min 05 s, 1 h 12 min */
  function dur(seconds) {
    if (seconds == null || isNaN(seconds)) return '–';
    var s = t('stats.unit_s'), m = t('stats.unit_min'), h = t('stats.unit_h');
    if (seconds < 10) return num(seconds, 1) + ' ' + s;
    if (seconds < 60) return num(Math.round(seconds)) + ' ' + s;
    var total = Math.round(seconds);
    if (total < 3600) {
      var secs = total % 60;
      return Math.floor(total / 60) + ' ' + m + (secs ? ' ' + (secs < 10 ? '0' : '') + secs + ' ' + s : '');
    }
    var mins = Math.floor(total / 60) % 60;
    return Math.floor(total / 3600) + ' ' + h + (mins ? ' ' + mins + ' ' + m : '');
  }

  /** 0:07, 1:23, 1:02:03 for live timers */
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var mm = h ? (m < 10 ? '0' : '') + m : String(m);
    return (h ? h + ':' : '') + mm + ':' + (s < 10 ? '0' : '') + s;
  }

  function timeOfDay(date) {
    return date.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit' });
  }

  function shortDate(date) {
    return date.toLocaleDateString(LANG, { day: 'numeric', month: 'short' });
  }

  function dateTime(date) {
    return date.toLocaleString(LANG, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  }

  // ---------- the period ----------

  function midnight(date) {
    var d = new Date(date.getTime());
    d.setHours(0, 0, 0, 0);
    return d;
  }

  function addDays(date, days) {
    var d = new Date(date.getTime());
    d.setDate(d.getDate() + days);
    return d;
  }

  function range() {
    var now = new Date();
    var since, until;
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
    var hours = (until - since) / 3600000;
    return { since: since, until: until, bucket: hours <= 48 ? 'hour' : 'day' };
  }

  function query(extra) {
    var r = range();
    var params = new URLSearchParams();
    params.set('since', r.since.toISOString());
    params.set('until', r.until.toISOString());
    var site = new URLSearchParams(location.search).get('site_id');
    if (site) params.set('site_id', site);
    Object.keys(extra || {}).forEach(function (key) { params.set(key, extra[key]); });
    return params.toString();
  }

  function readUrl() {
    var params = new URLSearchParams(location.search);
    var since = params.get('since'), until = params.get('until');
    if (since && until && !isNaN(Date.parse(since)) && !isNaN(Date.parse(until))) {
      state.period = 'custom';
      state.custom = { since: new Date(since), until: new Date(until) };
    } else if (['today', '7d', '30d'].indexOf(params.get('period')) >= 0) {
      state.period = params.get('period');
    }
  }

  function writeUrl() {
    var params = new URLSearchParams(location.search);
    params.delete('since'); params.delete('until'); params.delete('period');
    if (state.period === 'custom' && state.custom) {
      params.set('since', state.custom.since.toISOString());
      params.set('until', state.custom.until.toISOString());
    } else if (state.period !== 'today') {
      params.set('period', state.period);
    }
    var search = params.toString();
    history.replaceState(null, '', location.pathname + (search ? '?' + search : ''));
  }

  // ---------- API ----------

  function api(path) {
    return fetch('/api/v1' + path, {
      headers: { Authorization: 'Bearer ' + TOKEN, Accept: 'application/json' },
      credentials: 'same-origin'
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        location.href = '/console/login?next=' + encodeURIComponent(location.pathname + location.search);
        throw new Error('signed out');
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      return response.json();
    });
  }

  function loadAll() {
    var r = range();
    root.setAttribute('aria-busy', 'true');
    var csv = document.querySelector('[data-chat="stats-csv"]');
    csv.href = '/api/v1/stats/response-times.csv?' + query();
    return Promise.all([
      api('/stats/response-times?' + query()),
      api('/stats/series?' + query({ bucket: r.bucket })),
      api('/stats/overview?' + query({ tz: ZONE })),
      api('/stats/waiting' + (new URLSearchParams(location.search).get('site_id')
        ? '?site_id=' + encodeURIComponent(new URLSearchParams(location.search).get('site_id')) : ''))
    ]).then(function (results) {
      state.stats = results[0];
      state.series = results[1];
      state.overview = results[2];
      takeWaiting(results[3]);
      state.loadedAt = new Date();
      state.failed = false;
      renderAll();
      root.setAttribute('aria-busy', 'false');
      root.setAttribute('data-loaded', 'true');
    }).catch(function () {
      state.failed = true;
      renderLive();
    });
  }

  function loadWaiting() {
    var site = new URLSearchParams(location.search).get('site_id');
    return api('/stats/waiting' + (site ? '?site_id=' + encodeURIComponent(site) : ''))
      .then(function (data) { takeWaiting(data); state.failed = false; renderWaiting(); renderKpiWaiting(); renderLive(); })
      .catch(function () { state.failed = true; renderLive(); });
  }

  function takeWaiting(data) {
    state.waiting = data;
    state.skew = Date.now() - Date.parse(data.now);
  }

  // ---------- rendering helpers ----------

  function el(tag, attrs, children) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function svgText(x, y, text, attrs) {
    var node = el('text', Object.assign({ x: x, y: y }, attrs || {}));
    node.textContent = text;
    return node;
  }

  function emptyState(box, title, hint) {
    box.innerHTML = '<div class="st-empty"><svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true">' +
      '<path d="M3 3v18h18M7 15l4-4 3 3 5-6" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/></svg>' +
      '<div class="st-empty-title">' + esc(title) + '</div>' +
      (hint ? '<div class="st-empty-hint">' + esc(hint) + '</div>' : '') + '</div>';
  }

  function niceMax(value) {
    if (value <= 0) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (value <= steps[i] * power) return steps[i] * power;
    }
    return 10 * power;
  }

  function setStat(node, value, text) {
    if (!node) return;
    node.setAttribute('data-value', value == null ? '' : String(value));
    node.textContent = text;
  }

  function figures(kind) {
    var s = state.stats;
    if (!s) return null;
    if (state.clock === 'business' && s.business) return s.business[kind];
    return s[kind];
  }

  // ---------- header, KPIs ----------

  function renderHead() {
    var s = state.stats;
    var targets = document.querySelector('[data-chat="stats-targets"]');
    targets.textContent = t('stats.targets', {
      first: dur(s.sla.first_response_seconds), next: dur(s.sla.next_response_seconds)
    });
    var business = !!s.business;
    document.querySelector('[data-chat="stats-business"]').hidden = !business;
    document.querySelector('[data-chat="stats-clock"]').hidden = !business;
    if (!business) state.clock = 'wall';
    Array.prototype.forEach.call(document.querySelectorAll('[data-period]'), function (button) {
      var on = button.getAttribute('data-period') === state.period;
      button.classList.toggle('is-active', on);
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-clock]'), function (button) {
      button.classList.toggle('is-active', button.getAttribute('data-clock') === state.clock);
    });
  }

  function kpi(key) {
    var card = document.querySelector('[data-kpi="' + key + '"]');
    return {
      card: card,
      value: card.querySelector('[data-kpi-value]'),
      sub: card.querySelector('[data-kpi-sub]'),
      foot: card.querySelector('[data-kpi-foot]'),
      chip: card.querySelector('[data-kpi-chip]')
    };
  }

  function tone(within, count) {
    var share = pct(within, count);
    if (share == null) return '';
    return share >= 90 ? 'good' : share >= 75 ? 'fair' : 'poor';
  }

  function renderResponseKpi(key, kind, target) {
    var box = kpi(key), f = figures(kind);
    box.value.innerHTML = f.p50 == null ? '<span class="st-kpi-none">–</span>'
      : esc(dur(f.p50)) + '<small>' + esc(t('stats.median')) + '</small>';
    box.value.setAttribute('data-value', f.p50 == null ? '' : f.p50);
    box.sub.innerHTML = '<span>' + esc(t('stats.p90_short', { value: dur(f.p90) })) + '</span>' +
      '<span>' + esc(t('stats.mean_short', { value: dur(f.mean) })) + '</span>';
    box.card.title = t('stats.target', { time: dur(target) });
    var share = pct(f.within_sla, f.count);
    box.foot.innerHTML = f.count
      ? '<span class="st-pill st-pill-' + tone(f.within_sla, f.count) + '">' +
        esc(t('stats.within_pct', { pct: pctText(share) })) + '</span><span>' +
        esc(t('stats.answered_n', { n: num(f.count) })) + '</span>'
      : '<span>' + esc(t('stats.answered_n', { n: 0 })) + '</span>';
  }

  function renderKpis() {
    var s = state.stats;
    renderResponseKpi('first', 'first_response', s.sla.first_response_seconds);
    renderResponseKpi('next', 'next_response', s.sla.next_response_seconds);

    var first = figures('first_response'), next = figures('next_response');
    var answered = first.count + next.count, within = first.within_sla + next.within_sla;
    var share = pct(within, answered);
    var box = kpi('compliance');
    box.value.innerHTML = share == null ? '<span class="st-kpi-none">–</span>'
      : esc(pctText(share)) + '<small>%</small>';
    box.value.setAttribute('data-value', share == null ? '' : share);
    box.sub.innerHTML = '<div class="st-meter st-meter-' + tone(within, answered) + '"><span style="width:' +
      (share == null ? 0 : share.toFixed(2)) + '%"></span></div>';
    box.foot.innerHTML = '<span>' + esc(t('stats.waits_answered', { n: num(answered) })) + '</span>' +
      '<span class="st-bad">' + esc(t('stats.breached_n', { n: num(first.breached + next.breached) })) + '</span>';

    box = kpi('conversations');
    box.value.textContent = num(s.conversations);
    box.value.setAttribute('data-value', s.conversations);
    var missedShare = pct(s.missed, s.conversations);
    box.sub.innerHTML = '<span class="' + (s.missed ? 'st-bad' : '') + '">' + esc(t('stats.missed_n', { n: num(s.missed) })) +
      '</span>' + (missedShare != null ? '<span>' + esc(t('stats.missed_pct', { pct: pctText(missedShare) })) + '</span>' : '');
    box.foot.innerHTML = sparkline();

    var rating = state.overview.rating;
    box = kpi('rating');
    box.value.innerHTML = rating.average == null ? '<span class="st-kpi-none">–</span>'
      : esc(num(rating.average, 1)) + '<small class="st-star">★</small>';
    box.value.setAttribute('data-value', rating.average == null ? '' : rating.average);
    box.sub.textContent = rating.count ? t('stats.ratings_n', { n: num(rating.count) }) : t('stats.no_ratings');
    var most = Math.max.apply(null, [1, 2, 3, 4, 5].map(function (n) { return rating.distribution[n] || 0; })) || 1;
    box.foot.innerHTML = '<div class="st-stars">' + [5, 4, 3, 2, 1].map(function (score) {
      var n = rating.distribution[score] || 0;
      return '<div class="st-star-row" title="' + score + '★ · ' + n + '"><span>' + score + '</span><i style="width:' +
        (100 * n / most).toFixed(1) + '%' + (n ? '' : ';min-width:0') + '"></i></div>';
    }).join('') + '</div>';
    renderKpiWaiting();
  }

  function sparkline() {
    var buckets = state.series ? state.series.buckets : [];
    if (buckets.length < 2) return '';
    var values = buckets.map(function (b) { return b.conversations; });
    var max = Math.max.apply(null, values);
    if (!max) return '';
    var w = 120, h = 26;
    var points = values.map(function (v, i) {
      return (i * w / (values.length - 1)).toFixed(1) + ',' + (h - 2 - (v / max) * (h - 4)).toFixed(1);
    });
    return '<svg class="st-spark" viewBox="0 0 ' + w + ' ' + h + '" preserveAspectRatio="none" aria-hidden="true">' +
      '<polyline points="' + points.join(' ') + '" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round"/></svg>';
  }

  function waitedNow(item) {
    return (Date.now() - state.skew - Date.parse(item.waiting_since)) / 1000;
  }

  function renderKpiWaiting() {
    if (!state.waiting) return;
    var list = state.waiting.waiting, box = kpi('waiting');
    box.value.textContent = num(list.length);
    box.value.setAttribute('data-value', list.length);
    box.card.classList.toggle('st-kpi-alert', list.some(function (w) { return waitedNow(w) >= w.target_seconds; }));
    var longest = list.length ? Math.max.apply(null, list.map(waitedNow)) : null;
    box.sub.textContent = longest == null ? t('stats.nobody_waiting') : t('stats.longest', { time: clock(longest) });
    box.foot.innerHTML = '';
  }

  // ---------- summary and agents ----------

  function renderSummary() {
    KINDS.forEach(function (kind) {
      var f = figures(kind);
      ['count', 'within_sla', 'breached'].forEach(function (field) {
        setStat(document.querySelector('[data-stat="' + kind + '.' + field + '"]'), f[field], num(f[field]));
      });
      ['mean', 'p50', 'p90', 'max'].forEach(function (field) {
        setStat(document.querySelector('[data-stat="' + kind + '.' + field + '"]'), f[field], dur(f[field]));
      });
    });
    var breached = figures('first_response').breached + figures('next_response').breached;
    setStat(document.querySelector('.st-mini [data-stat="breached"]'), breached, num(breached));
    KINDS.forEach(function (kind) {
      var f = figures(kind), row = document.querySelector('.st-kind-bar[data-kind="' + kind + '"]');
      var answered = f.count || 0, within = pct(f.within_sla, answered);
      row.querySelector('.st-stack-within').style.width = (within == null ? 0 : within).toFixed(2) + '%';
      row.querySelector('.st-stack-breached').style.width = (within == null ? 0 : 100 - within).toFixed(2) + '%';
      row.querySelector('[data-kind-pct]').textContent = within == null ? '–' : t('stats.within_pct', { pct: pctText(within) });
    });
    setStat(document.querySelector('[data-stat="conversations"]'), state.stats.conversations, num(state.stats.conversations));
    setStat(document.querySelector('[data-stat="missed"]'), state.stats.missed, num(state.stats.missed));
  }

  function initials(name) {
    return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map(function (part) {
      return part.charAt(0).toUpperCase();
    }).join('');
  }

  function hue(text) {
    var h = 0;
    for (var i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) % 360;
    return h;
  }

  function renderAgents() {
    var body = document.querySelector('[data-chat="stats-agents"] tbody');
    var agents = state.stats.per_agent;
    if (!agents.length) {
      body.innerHTML = '<tr class="st-empty-row"><td colspan="7">' + esc(t('stats.no_agents')) + '</td></tr>';
      return;
    }
    var most = Math.max.apply(null, agents.map(function (a) { return a.first_response.count + a.next_response.count; })) || 1;
    body.innerHTML = agents.map(function (a) {
      var f = a.first_response, n = a.next_response;
      var answers = f.count + n.count, within = f.within_sla + n.within_sla;
      var share = pct(within, answers);
      var name = a.name || a.agent_id;
      return '<tr data-agent-id="' + esc(a.agent_id) + '">' +
        '<th scope="row"><span class="st-agent"><span class="st-avatar" style="--h:' + hue(a.agent_id) + '">' +
        esc(initials(name)) + '</span><span class="st-agent-name">' + esc(name) + '</span></span></th>' +
        '<td class="num"><span class="st-inline-bar"><i style="width:' + (100 * answers / most).toFixed(1) + '%"></i></span>' +
        '<span data-stat="answers" data-value="' + answers + '">' + esc(num(answers)) + '</span></td>' +
        '<td class="num" data-stat="first_response.p50" data-value="' + (f.p50 == null ? '' : f.p50) + '">' + esc(dur(f.p50)) + '</td>' +
        '<td class="num" data-stat="first_response.p90" data-value="' + (f.p90 == null ? '' : f.p90) + '">' + esc(dur(f.p90)) + '</td>' +
        '<td class="num" data-stat="next_response.p50" data-value="' + (n.p50 == null ? '' : n.p50) + '">' + esc(dur(n.p50)) + '</td>' +
        '<td class="num' + (f.breached + n.breached ? ' st-bad' : '') + '" data-stat="breached" data-value="' +
        (f.breached + n.breached) + '">' + esc(num(f.breached + n.breached)) + '</td>' +
        '<td class="st-col-bar"><div class="st-bar-cell"><div class="st-meter st-meter-' + tone(within, answers) +
        '"><span style="width:' + (share == null ? 0 : share.toFixed(2)) + '%"></span></div><span class="st-bar-label">' +
        esc(share == null ? '–' : pctText(share) + '%') + '</span></div></td>' +
        '</tr>';
    }).join('');
  }

  // ---------- charts ----------

  function complianceChart() {
    var box = document.querySelector('[data-chart="compliance"]');
    var buckets = state.series.buckets;
    var anything = buckets.some(function (b) {
      return b.conversations || b.first_response.count || b.next_response.count;
    });
    if (!anything) { emptyState(box, t('stats.no_data'), t('stats.no_data_hint')); return; }
    var W = Math.max(box.clientWidth, 320), H = 240;
    var m = { l: 40, r: 14, t: 12, b: 28 };
    var iw = W - m.l - m.r, ih = H - m.t - m.b;
    var n = buckets.length, step = iw / n;
    var maxVolume = niceMax(Math.max.apply(null, buckets.map(function (b) { return b.conversations; })));
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'st-svg', role: 'img' });
    [0, 25, 50, 75, 100].forEach(function (v) {
      var y = m.t + ih - (v / 100) * ih;
      svg.appendChild(el('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: v ? 'st-grid-line' : 'st-axis-line' }));
      svg.appendChild(svgText(m.l - 8, y + 4, v + '%', { class: 'st-axis-label', 'text-anchor': 'end' }));
    });
    buckets.forEach(function (b, i) {
      if (!b.conversations) return;
      var h = (b.conversations / maxVolume) * ih * 0.55;
      var bw = Math.max(2, step * 0.62);
      svg.appendChild(el('rect', {
        x: m.l + i * step + (step - bw) / 2, y: m.t + ih - h, width: bw, height: h, rx: Math.min(3, bw / 3),
        class: 'st-volume-bar'
      }));
    });
    var hourly = state.series.bucket === 'hour';
    var every = Math.ceil(n / Math.max(1, Math.floor(iw / (hourly ? 44 : 52))));
    buckets.forEach(function (b, i) {
      if (i % every) return;
      var start = new Date(b.start);
      svg.appendChild(svgText(m.l + i * step + step / 2, H - 8, hourly ? timeOfDay(start) : shortDate(start),
        { class: 'st-axis-label', 'text-anchor': 'middle' }));
    });
    KINDS.forEach(function (kind) {
      var path = '', open = false, points = [];
      buckets.forEach(function (b, i) {
        var f = b[kind];
        if (!f.count) { open = false; return; }
        var x = m.l + i * step + step / 2, y = m.t + ih - (f.within_sla / f.count) * ih;
        path += (open ? 'L' : 'M') + x.toFixed(1) + ',' + y.toFixed(1);
        open = true;
        points.push(el('circle', { cx: x, cy: y, r: n > 48 ? 1.8 : 3, class: 'st-point st-point-' + kind }));
      });
      if (path) svg.appendChild(el('path', { d: path, class: 'st-line st-line-' + kind }));
      points.forEach(function (point) { svg.appendChild(point); });
    });
    buckets.forEach(function (b, i) {
      var hit = el('rect', { x: m.l + i * step, y: m.t, width: step, height: ih, class: 'st-hit' });
      var start = new Date(b.start);
      var lines = [hourly ? dateTime(start) : shortDate(start),
        t('stats.legend_volume') + ': ' + num(b.conversations)];
      KINDS.forEach(function (kind) {
        var f = b[kind];
        if (f.count) {
          lines.push(t('stats.' + kind) + ': ' + pctText(pct(f.within_sla, f.count)) + '% · ' + dur(f.mean));
        }
      });
      hit.setAttribute('data-tip', lines.join('\n'));
      svg.appendChild(hit);
    });
    box.innerHTML = '';
    box.appendChild(svg);
  }

  function histogramChart() {
    var box = document.querySelector('[data-chart="histogram"]');
    var hist = state.overview.first_response_histogram;
    var total = hist.counts.reduce(function (a, b) { return a + b; }, 0);
    if (!total) { emptyState(box, t('stats.no_data'), t('stats.no_data_hint')); return; }
    var W = Math.max(box.clientWidth, 260), H = 240;
    var m = { l: 34, r: 8, t: 22, b: 46 };
    var iw = W - m.l - m.r, ih = H - m.t - m.b;
    var n = hist.counts.length, step = iw / n, bw = step * 0.72;
    var max = niceMax(Math.max.apply(null, hist.counts));
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'st-svg', role: 'img' });
    [0, 0.5, 1].forEach(function (f) {
      var y = m.t + ih - f * ih;
      svg.appendChild(el('line', { x1: m.l, x2: W - m.r, y1: y, y2: y, class: f ? 'st-grid-line' : 'st-axis-line' }));
      svg.appendChild(svgText(m.l - 6, y + 4, num(max * f), { class: 'st-axis-label', 'text-anchor': 'end' }));
    });
    var edges = hist.edges, target = hist.target_seconds;
    hist.counts.forEach(function (count, i) {
      var over = i > 0 && edges[i - 1] >= target;
      var h = (count / max) * ih;
      var x = m.l + i * step + (step - bw) / 2;
      var label = i === 0 ? t('stats.bin_under', { time: dur(edges[0]) })
        : i === n - 1 ? t('stats.bin_over', { time: dur(edges[n - 2]) })
          : t('stats.bin_range', { from: dur(edges[i - 1]), to: dur(edges[i]) });
      svg.appendChild(el('rect', {
        x: x, y: m.t + ih - h, width: bw, height: Math.max(h, count ? 2 : 0), rx: 3,
        class: over ? 'st-hist-bar st-hist-over' : 'st-hist-bar'
      }));
      if (count) {
        svg.appendChild(svgText(x + bw / 2, m.t + ih - h - 5, num(count), { class: 'st-bar-value', 'text-anchor': 'middle' }));
      }
      var short = i === 0 ? '<' + dur(edges[0]) : i === n - 1 ? '≥' + dur(edges[n - 2]) : dur(edges[i]);
      var tick = svgText(x + bw / 2, H - m.b + 14, short, { class: 'st-axis-label', 'text-anchor': 'end' });
      tick.setAttribute('transform', 'rotate(-35 ' + (x + bw / 2) + ' ' + (H - m.b + 14) + ')');
      svg.appendChild(tick);
      var hit = el('rect', { x: m.l + i * step, y: m.t, width: step, height: ih, class: 'st-hit' });
      hit.setAttribute('data-tip', label + '\n' + t('stats.waits_n', { n: num(count) }) + ' · ' +
        pctText(pct(count, total)) + '%');
      svg.appendChild(hit);
    });
    var at = edges.indexOf(target);
    if (at >= 0) {
      var x = m.l + (at + 1) * step;
      svg.appendChild(el('line', { x1: x, x2: x, y1: m.t - 6, y2: m.t + ih, class: 'st-target-line' }));
      svg.appendChild(svgText(x + 4, m.t - 8, t('stats.target', { time: dur(target) }), { class: 'st-target-label' }));
    }
    box.innerHTML = '';
    box.appendChild(svg);
  }

  function volumeCharts() {
    var volume = state.overview.volume;
    var hoursBox = document.querySelector('[data-chart="hours"]');
    var heatBox = document.querySelector('[data-chart="heatmap"]');
    document.querySelector('[data-chat="stats-volume-hint"]').textContent =
      t('stats.volume_hint', { tz: state.overview.timezone });
    var total = volume.by_hour.reduce(function (a, b) { return a + b; }, 0);
    if (!total) { emptyState(hoursBox, t('stats.no_data'), t('stats.no_data_hint')); heatBox.innerHTML = ''; return; }
    var W = Math.max(hoursBox.clientWidth, 320), H = 120, m = { l: 78, r: 8, t: 8, b: 20 };
    var iw = W - m.l - m.r, ih = H - m.t - m.b, step = iw / 24, bw = step * 0.7;
    var max = niceMax(Math.max.apply(null, volume.by_hour));
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, class: 'st-svg', role: 'img' });
    svg.appendChild(el('line', { x1: m.l, x2: W - m.r, y1: m.t, y2: m.t, class: 'st-grid-line' }));
    svg.appendChild(el('line', { x1: m.l, x2: W - m.r, y1: m.t + ih / 2, y2: m.t + ih / 2, class: 'st-grid-line' }));
    svg.appendChild(el('line', { x1: m.l, x2: W - m.r, y1: m.t + ih, y2: m.t + ih, class: 'st-axis-line' }));
    svg.appendChild(svgText(m.l - 10, m.t + 4, num(max), { class: 'st-axis-label', 'text-anchor': 'end' }));
    svg.appendChild(svgText(m.l - 10, m.t + ih / 2 + 4, num(max / 2), { class: 'st-axis-label', 'text-anchor': 'end' }));
    volume.by_hour.forEach(function (count, hour) {
      var h = (count / max) * ih, x = m.l + hour * step + (step - bw) / 2;
      svg.appendChild(el('rect', { x: x, y: m.t + ih - h, width: bw, height: h, rx: 2, class: 'st-hour-bar' }));
      if (hour % 3 === 0) {
        svg.appendChild(svgText(x + bw / 2, H - 5, (hour < 10 ? '0' : '') + hour + ':00', { class: 'st-axis-label', 'text-anchor': 'middle' }));
      }
      var hit = el('rect', { x: m.l + hour * step, y: m.t, width: step, height: ih, class: 'st-hit' });
      hit.setAttribute('data-tip', (hour < 10 ? '0' : '') + hour + ':00–' + (hour < 9 ? '0' : '') + (hour + 1) + ':00\n' +
        t('stats.chats_n', { n: num(count) }));
      svg.appendChild(hit);
    });
    hoursBox.innerHTML = '';
    hoursBox.appendChild(svg);

    var days = t('stats.weekdays').split(',');
    var HW = Math.max(heatBox.clientWidth, 320), cell = (HW - m.l - m.r) / 24, ch = 22, gap = 4;
    var HH = 7 * (ch + gap) + 4;
    var heatMax = Math.max.apply(null, volume.heatmap.map(function (row) { return Math.max.apply(null, row); })) || 1;
    var heat = el('svg', { viewBox: '0 0 ' + HW + ' ' + HH, width: HW, height: HH, class: 'st-svg', role: 'img' });
    volume.heatmap.forEach(function (row, day) {
      var y = day * (ch + gap) + 2;
      heat.appendChild(svgText(0, y + ch / 2 + 4, days[day], { class: 'st-day-label' }));
      heat.appendChild(svgText(m.l - 10, y + ch / 2 + 4, num(volume.by_weekday[day]), { class: 'st-axis-label', 'text-anchor': 'end' }));
      row.forEach(function (count, hour) {
        var level = count ? 0.12 + 0.88 * (count / heatMax) : 0;
        var rect = el('rect', {
          x: m.l + hour * cell + 1, y: y, width: cell - 2, height: ch, rx: 3,
          class: count ? 'st-heat' : 'st-heat st-heat-empty', style: count ? 'fill-opacity:' + level.toFixed(3) : ''
        });
        rect.setAttribute('data-tip', days[day] + ' ' + (hour < 10 ? '0' : '') + hour + ':00\n' + t('stats.chats_n', { n: num(count) }));
        heat.appendChild(rect);
      });
    });
    heatBox.innerHTML = '';
    heatBox.appendChild(heat);
  }

  // ---------- lists ----------

  var PERSON = '<svg viewBox="0 0 24 24" width="15" height="15" aria-hidden="true"><circle cx="12" cy="8" r="4" fill="currentColor"/>' +
    '<path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" fill="currentColor"/></svg>';

  function visitorAvatar(item) {
    return '<span class="st-avatar st-avatar-visitor" style="--h:' + hue(String(item.visitor_id)) + '">' +
      (item.visitor_name ? esc(initials(item.visitor_name)) : PERSON) + '</span>';
  }

  function visitorName(item) {
    return item.visitor_name || t('stats.visitor', { id: '#' + String(item.visitor_id).slice(0, 6) });
  }

  function renderWaiting() {
    if (!state.waiting) return;
    var list = document.querySelector('[data-chat="stats-waiting"]');
    var items = state.waiting.waiting;
    document.querySelector('[data-chat="stats-waiting-count"]').textContent = num(items.length);
    if (!items.length) {
      list.innerHTML = '<li class="st-list-empty"><svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">' +
        '<path d="M20 6 9 17l-5-5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>' +
        esc(t('stats.nobody_waiting')) + '</li>';
      return;
    }
    list.innerHTML = items.map(function (item) {
      var name = visitorName(item);
      return '<li class="st-wait" data-conversation-id="' + esc(item.conversation_id) + '" data-since="' +
        esc(item.waiting_since) + '" data-target="' + item.target_seconds + '">' +
        visitorAvatar(item) +
        '<span class="st-wait-main"><span class="st-wait-name">' + esc(name) + '</span>' +
        '<span class="st-wait-kind">' + esc(t('stats.' + item.kind)) + ' · ' + esc(t('stats.target', { time: dur(item.target_seconds) })) + '</span>' +
        '<span class="st-wait-track"><span></span></span></span>' +
        '<span class="st-wait-timer" data-timer>0:00</span>' +
        '<a class="btn btn-sm" href="/console/#' + esc(item.conversation_id) + '">' + esc(t('stats.open_chat')) + '</a></li>';
    }).join('');
    tick();
  }

  /** Timers run locally between polls and turn amber, then red, as the target nears. */
  function tick() {
    Array.prototype.forEach.call(document.querySelectorAll('.st-wait'), function (row) {
      var waited = (Date.now() - state.skew - Date.parse(row.getAttribute('data-since'))) / 1000;
      var target = parseFloat(row.getAttribute('data-target'));
      var fraction = waited / target;
      var level = fraction >= 1 ? 'breached' : fraction >= 0.8 ? 'warning' : 'ok';
      row.setAttribute('data-state', level);
      row.querySelector('[data-timer]').textContent = clock(waited);
      row.querySelector('.st-wait-track span').style.width = Math.min(100, fraction * 100).toFixed(1) + '%';
    });
    renderKpiWaiting();
  }

  function renderMissed() {
    var list = document.querySelector('[data-chat="stats-missed"]');
    var items = state.overview.missed_recent.slice(0, 7);
    document.querySelector('[data-chat="stats-missed-count"]').textContent = num(state.stats.missed);
    if (!items.length) {
      list.innerHTML = '<li class="st-list-empty st-list-good"><svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true">' +
        '<path d="M20 6 9 17l-5-5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>' +
        esc(t('stats.no_missed')) + '</li>';
      return;
    }
    list.innerHTML = items.map(function (item) {
      var created = new Date(item.created_at);
      var after = item.ended_at ? (Date.parse(item.ended_at) - created.getTime()) / 1000 : null;
      var name = visitorName(item);
      return '<li class="st-missed-row" data-conversation-id="' + esc(item.conversation_id) + '">' +
        visitorAvatar(item) +
        '<span class="st-wait-main"><span class="st-wait-name">' + esc(name) + '</span>' +
        '<span class="st-wait-kind">' + esc(dateTime(created)) + (after != null ? ' · ' + esc(t('stats.ended_after', { time: dur(after) })) : '') +
        '</span></span><a class="btn btn-sm" href="/console/#' + esc(item.conversation_id) + '">' + esc(t('stats.open_chat')) + '</a></li>';
    }).join('');
  }

  function renderLive() {
    var live = document.querySelector('[data-chat="stats-live"]');
    var label = live.querySelector('.st-live-label');
    if (state.failed) {
      live.setAttribute('data-state', 'offline');
      label.textContent = t('stats.offline');
    } else if (state.loadedAt) {
      live.setAttribute('data-state', 'live');
      label.textContent = t('stats.live') + ' · ' + state.loadedAt.toLocaleTimeString(LANG, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
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
    var target = event.target.closest ? event.target.closest('[data-tip]') : null;
    if (!target) { tip.hidden = true; return; }
    tip.textContent = '';
    target.getAttribute('data-tip').split('\n').forEach(function (line, i) {
      var div = document.createElement('div');
      if (i === 0) div.className = 'st-tip-title';
      div.textContent = line;
      tip.appendChild(div);
    });
    tip.hidden = false;
    var x = event.clientX + 14, y = event.clientY + 14;
    var rect = tip.getBoundingClientRect();
    if (x + rect.width > window.innerWidth - 8) x = event.clientX - rect.width - 14;
    if (y + rect.height > window.innerHeight - 8) y = event.clientY - rect.height - 14;
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }

  function inputDate(date) {
    var local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function bind() {
    var custom = document.querySelector('[data-chat="stats-custom"]');
    document.querySelector('[data-chat="stats-period"]').addEventListener('click', function (event) {
      var button = event.target.closest('[data-period]');
      if (!button) return;
      var period = button.getAttribute('data-period');
      if (period === 'custom') {
        var r = range();
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
    custom.addEventListener('submit', function (event) {
      event.preventDefault();
      var from = custom.elements.from.value, to = custom.elements.to.value;
      if (!from || !to) return;
      var since = new Date(from + 'T00:00:00'), until = addDays(new Date(to + 'T00:00:00'), 1);
      if (until <= since) return;
      state.period = 'custom';
      state.custom = { since: since, until: until };
      custom.hidden = true;
      writeUrl();
      loadAll();
    });
    document.querySelector('[data-chat="stats-clock"]').addEventListener('click', function (event) {
      var button = event.target.closest('[data-clock]');
      if (!button) return;
      state.clock = button.getAttribute('data-clock');
      renderAll();
    });
    // The API wants the Bearer token, which a plain link cannot send: fetch, then save.
    document.querySelector('[data-chat="stats-csv"]').addEventListener('click', function (event) {
      event.preventDefault();
      var link = event.currentTarget;
      link.classList.add('is-busy');
      fetch(link.getAttribute('href'), { headers: { Authorization: 'Bearer ' + TOKEN } })
        .then(function (response) {
          if (!response.ok) throw new Error('HTTP ' + response.status);
          var name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '');
          return response.blob().then(function (blob) { return { blob: blob, name: name ? name[1] : 'response-times.csv' }; });
        })
        .then(function (file) {
          var url = URL.createObjectURL(file.blob);
          var save = document.createElement('a');
          save.href = url;
          save.download = file.name;
          document.body.appendChild(save);
          save.click();
          save.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
        })
        .catch(function () { state.failed = true; renderLive(); })
        .then(function () { link.classList.remove('is-busy'); });
    });
    root.addEventListener('mousemove', showTip);
    root.addEventListener('mouseleave', function () { tip.hidden = true; });
    var resizing = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () {
        if (state.stats) { complianceChart(); histogramChart(); volumeCharts(); }
      }, 150);
    });
  }

  readUrl();
  bind();
  loadAll();
  setInterval(tick, 1000);
  setInterval(function () { if (!document.hidden) loadWaiting(); }, WAITING_MS);
  setInterval(function () {
    // A fixed custom period does not change; the rolling ones move with the clock.
    if (!document.hidden && state.period !== 'custom') loadAll();
  }, REFRESH_MS);
})();
