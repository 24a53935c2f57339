/* Kervan Chat agent console.
 *
 * Plain JavaScript, no framework, no external assets. Talks to /ws/agent (live
 * frames) and /api/v1 (history, visitor details). Every piece of data that came
 * from a visitor or the server is put on the page with textContent or text
 * nodes, never parsed as HTML.
 */
(function () {
  'use strict';

  // ------------------------------------------------------------------ config
  function readJSON(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent || 'null'); } catch (e) { return null; }
  }
  var T = readJSON('i18n') || {};
  var CFG = readJSON('console-config') || {};
  var ME = CFG.agent || { id: null, name: '', role: 'agent' };
  var TOKEN = CFG.api_token || '';
  var LANG = CFG.lang === 'tr' ? 'tr' : 'en';
  var LOCALE = LANG === 'tr' ? 'tr-TR' : 'en-GB';
  var SLA = normaliseSla(CFG.sla);

  var RECONNECT_MIN = 500;
  var RECONNECT_MAX = 10000;
  var TYPING_SEND_EVERY = 3000;
  var TYPING_IDLE = 4000;
  var TYPING_SHOW_FOR = 7000;
  var MAX_TEXT = 5000;

  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(T, key) ? String(T[key]) : key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, function (m, k) {
        return Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m;
      });
    }
    return s;
  }

  function normaliseSla(s) {
    s = s || {};
    var first = Number(s.first_response_seconds);
    var next = Number(s.next_response_seconds);
    var frac = Number(s.warning_fraction);
    return {
      first_response_seconds: first > 0 ? first : 60,
      next_response_seconds: next > 0 ? next : 120,
      warning_fraction: frac > 0 && frac < 1 ? frac : 0.8
    };
  }

  // ------------------------------------------------------------------ state
  var S = {
    convs: new Map(),        // id -> Conversation (open and resolved we know of)
    msgs: new Map(),         // conversation id -> Map(seq -> Message)
    loaded: new Set(),       // conversation ids whose history came from REST
    pending: new Map(),      // client_id -> {kind, conversation_id, visitor_id, text, internal, failed, frame, at}
    visitors: new Map(),     // id -> Visitor (online list), with _at = Date.now() when received
    details: new Map(),      // id -> Visitor from REST (full pages)
    unread: new Set(),
    typing: new Map(),       // conversation id -> {author, until}
    current: null,           // open conversation id
    selVisitor: null,        // visitor shown in the side panel
    invite: null,            // visitor id while composing an invitation
    tab: 'open',
    resolvedLoaded: false,
    agentsOnline: null,
    welcomed: false,
    seen: loadSeen()
  };

  // ------------------------------------------------------------------ dom helpers
  var SVGNS = 'http://www.w3.org/2000/svg';
  var ICONS = {
    page: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6',
    clock: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2',
    search: 'M11 19a8 8 0 1 0 0-16 8 8 0 0 0 0 16zM21 21l-4.35-4.35',
    monitor: 'M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zM8 21h8M12 17v4',
    phone: 'M7 2h10a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2zM12 18h.01',
    lock: 'M7 11V7a5 5 0 0 1 10 0v4M5 11h14v10H5z',
    user: 'M20 21a8 8 0 0 0-16 0M12 13a5 5 0 1 0 0-10 5 5 0 0 0 0 10z',
    link: 'M10 13a5 5 0 0 0 7.54.54l3-3a5 5 0 0 0-7.07-7.07l-1.72 1.71M14 11a5 5 0 0 0-7.54-.54l-3 3a5 5 0 0 0 7.07 7.07l1.71-1.71',
    chat: 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z',
    pin: 'M12 22s7-6.1 7-12a7 7 0 0 0-14 0c0 5.9 7 12 7 12zM12 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z'
  };

  function icon(name, size) {
    var svg = document.createElementNS(SVGNS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('width', String(size || 13));
    svg.setAttribute('height', String(size || 13));
    svg.setAttribute('aria-hidden', 'true');
    var p = document.createElementNS(SVGNS, 'path');
    p.setAttribute('d', ICONS[name] || '');
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke', 'currentColor');
    p.setAttribute('stroke-width', '2');
    p.setAttribute('stroke-linecap', 'round');
    p.setAttribute('stroke-linejoin', 'round');
    svg.appendChild(p);
    return svg;
  }

  /** h('div', {class: 'x', 'data-a': 1}, child, 'text', ...): strings become text nodes. */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
        var v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = String(v);
        else if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function hook(name, root) { return $('[data-chat="' + name + '"]', root); }
  function role(name, root) { return $('[data-role="' + name + '"]', root); }

  // ------------------------------------------------------------------ formatting
  function parseTime(s) {
    if (!s) return NaN;
    var n = Date.parse(s);
    return isNaN(n) ? NaN : n;
  }
  function clock(sec) {
    sec = Math.max(0, Math.floor(sec));
    var hh = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
    var mm = (hh ? String(m).padStart(2, '0') : String(m).padStart(2, '0'));
    return (hh ? hh + ':' : '') + mm + ':' + String(s).padStart(2, '0');
  }
  function duration(sec) {
    if (sec === null || sec === undefined || isNaN(sec)) return '';
    sec = Math.max(0, Math.round(sec));
    if (sec < 60) return t('time.s', { n: sec });
    var m = Math.floor(sec / 60), s = sec % 60;
    if (m < 60) return t('time.m', { n: m }) + (s ? ' ' + t('time.s', { n: s }) : '');
    var hh = Math.floor(m / 60); m = m % 60;
    if (hh < 24) return t('time.h', { n: hh }) + (m ? ' ' + t('time.m', { n: m }) : '');
    var d = Math.floor(hh / 24);
    return t('time.d', { n: d }) + (hh % 24 ? ' ' + t('time.h', { n: hh % 24 }) : '');
  }
  var fmtTime = safeFormat({ hour: '2-digit', minute: '2-digit' });
  var fmtDay = safeFormat({ day: 'numeric', month: 'long', year: 'numeric' });
  var fmtShortDay = safeFormat({ day: 'numeric', month: 'short' });
  var fmtFull = safeFormat({ day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
  function safeFormat(opts, tz) {
    var f = null;
    try { f = new Intl.DateTimeFormat(LOCALE, tz ? Object.assign({ timeZone: tz }, opts) : opts); } catch (e) { f = null; }
    return function (ms) {
      if (isNaN(ms)) return '';
      try { return f ? f.format(new Date(ms)) : new Date(ms).toISOString(); } catch (e) { return ''; }
    };
  }
  var tzFormatters = new Map();
  function timeIn(tz) {
    if (!tz) return '';
    if (!tzFormatters.has(tz)) {
      var f = null;
      try { f = new Intl.DateTimeFormat(LOCALE, { timeZone: tz, hour: '2-digit', minute: '2-digit', weekday: 'short' }); } catch (e) { f = null; }
      tzFormatters.set(tz, f);
    }
    var fm = tzFormatters.get(tz);
    return fm ? fm.format(new Date()) : '';
  }
  function dayKey(ms) { var d = new Date(ms); return d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate(); }
  function dayLabel(ms) {
    var now = new Date();
    var today = dayKey(now.getTime());
    var yest = dayKey(now.getTime() - 86400000);
    var k = dayKey(ms);
    if (k === today) return t('console.today');
    if (k === yest) return t('console.yesterday');
    return fmtDay(ms);
  }
  function shortWhen(ms) {
    if (isNaN(ms)) return '';
    return dayKey(ms) === dayKey(Date.now()) ? fmtTime(ms) : fmtShortDay(ms);
  }
  function shortId(id) {
    var s = String(id || '').replace(/-/g, '');
    return s.slice(-6).toUpperCase();
  }
  function hueOf(id) {
    var s = String(id || ''), n = 0;
    for (var i = 0; i < s.length; i++) n = (n * 31 + s.charCodeAt(i)) >>> 0;
    return n % 8;
  }
  function initials(name) {
    var parts = String(name || '').trim().split(/\s+/).filter(Boolean);
    if (!parts.length) return '';
    var a = Array.from(parts[0])[0] || '';
    var b = parts.length > 1 ? (Array.from(parts[parts.length - 1])[0] || '') : '';
    return (a + b).toLocaleUpperCase(LOCALE);
  }
  function hostOf(url) {
    try { return new URL(url).host; } catch (e) { return ''; }
  }
  function pathOf(url) {
    try { var u = new URL(url); return u.host + u.pathname + u.search; } catch (e) { return String(url || ''); }
  }
  function safeHref(url) {
    return /^https?:\/\//i.test(String(url || '')) ? String(url) : null;
  }
  function sourceLabel(src) {
    if (!src) return '';
    var k = 'source.' + String(src).toLowerCase();
    if (Object.prototype.hasOwnProperty.call(T, k)) return T[k];
    return String(src).charAt(0).toUpperCase() + String(src).slice(1);
  }

  // Flags: regional-indicator emoji where the system font draws them, a small code badge elsewhere
  // (Windows has no flag glyphs).
  var FLAGS_OK = (function () {
    try {
      var c = document.createElement('canvas').getContext('2d');
      if (!c) return false;
      c.font = '16px sans-serif';
      var pair = c.measureText('\uD83C\uDDF9\uD83C\uDDF7').width;
      var one = c.measureText('\uD83C\uDDF9').width;
      return pair > 0 && pair < one * 1.5;
    } catch (e) { return false; }
  }());
  function flag(code) {
    code = String(code || '').toUpperCase();
    if (!/^[A-Z]{2}$/.test(code)) return null;
    if (FLAGS_OK) {
      var emoji = String.fromCodePoint(0x1F1E6 + code.charCodeAt(0) - 65, 0x1F1E6 + code.charCodeAt(1) - 65);
      return h('span', { class: 'flag', title: code, 'aria-hidden': 'true' }, emoji);
    }
    return h('span', { class: 'flag flag-code', title: code, 'aria-hidden': 'true' }, code);
  }

  // ------------------------------------------------------------------ names
  function visitorOf(id) { return S.details.get(id) || S.visitors.get(id) || null; }
  function visitorName(vid, conv) {
    if (conv && conv.visitor_name) return conv.visitor_name;
    var d = S.details.get(vid);
    if (d && d.name) return d.name;
    var c = openConvFor(vid);
    if (c && c.visitor_name) return c.visitor_name;
    return t('console.visitor_fallback', { id: shortId(vid) });
  }
  function convName(c) { return visitorName(c.visitor_id, c); }
  function whereText(v) {
    var g = v && v.geo;
    if (!g) return '';
    var parts = [];
    if (g.city) parts.push(g.city);
    if (g.country) parts.push(g.country);
    else if (g.country_code) parts.push(g.country_code);
    return parts.join(', ');
  }
  function authorName(m) {
    var a = m.author || {};
    if (a.kind === 'system') return t('console.system');
    if (a.kind === 'agent') {
      if (a.id && ME.id && a.id === ME.id) return a.name || ME.name || t('console.you');
      return a.name || t('console.agent_word');
    }
    var c = S.convs.get(m.conversation_id);
    return a.name || (c ? convName(c) : t('console.visitor_word'));
  }
  function avatarFor(el, vid, name, named) {
    el.className = el.className.replace(/\bhue-\d\b/g, '').trim() + ' hue-' + hueOf(vid);
    clear(el);
    if (named) el.appendChild(document.createTextNode(initials(name)));
    else el.appendChild(icon('user', 18));
    var v = S.visitors.get(vid);
    el.classList.toggle('is-online', !!(v && v.online !== false));
  }

  // ------------------------------------------------------------------ persistence
  function storageKey() { return 'kervan.console.' + (ME.id || 'anon'); }
  function loadSeen() {
    try { return JSON.parse(window.localStorage.getItem('kervan.console.' + ((CFG.agent || {}).id || 'anon') + '.seen') || '{}') || {}; }
    catch (e) { return {}; }
  }
  function saveSeen() {
    try {
      var keep = {};
      S.convs.forEach(function (c, id) { if (S.seen[id] !== undefined) keep[id] = S.seen[id]; });
      S.seen = keep;
      window.localStorage.setItem(storageKey() + '.seen', JSON.stringify(keep));
    } catch (e) { /* private mode: unread state lives for this page only */ }
  }
  function pref(name, dflt) {
    try { var v = window.localStorage.getItem(storageKey() + '.' + name); return v === null ? dflt : v === '1'; }
    catch (e) { return dflt; }
  }
  function setPref(name, on) {
    try { window.localStorage.setItem(storageKey() + '.' + name, on ? '1' : '0'); } catch (e) { /* ignore */ }
  }

  // ------------------------------------------------------------------ conversations: data
  function isOpen(c) { return c && c.status !== 'resolved'; }
  function openConvFor(vid) {
    var found = null;
    S.convs.forEach(function (c) { if (!found && c.visitor_id === vid && isOpen(c)) found = c; });
    return found;
  }
  function waitTarget(c) {
    return c.wait_kind === 'next_response' ? SLA.next_response_seconds : SLA.first_response_seconds;
  }
  function waitInfo(c) {
    if (!isOpen(c) || !c.waiting_since) return null;
    var since = parseTime(c.waiting_since);
    if (isNaN(since)) return null;
    var waited = Math.max(0, (Date.now() - since) / 1000);
    var target = waitTarget(c);
    var level = waited > target ? 'bad' : (waited >= target * SLA.warning_fraction ? 'warn' : 'ok');
    // The server's word wins over a local clock that may run behind.
    if (c._sla === 'bad') level = 'bad';
    else if (c._sla === 'warn' && level === 'ok') level = 'warn';
    return { waited: waited, target: target, level: level, since: since };
  }
  function lastActivity(c) {
    var m = c.last_message;
    var x = parseTime(m && m.created_at);
    if (isNaN(x)) x = parseTime(c.resolved_at);
    if (isNaN(x)) x = parseTime(c.created_at);
    return isNaN(x) ? 0 : x;
  }
  function upsertConv(c) {
    if (!c || !c.id) return null;
    var old = S.convs.get(c.id);
    var merged = old ? Object.assign({}, old, c) : Object.assign({}, c);
    delete merged.messages;
    // A conversation.updated without the extra fields must not erase what we know.
    if (old) {
      ['visitor_name', 'visitor_email', 'last_message', 'rating'].forEach(function (k) {
        if (!(k in c)) merged[k] = old[k];
      });
      if (!('waiting_since' in c)) { merged.waiting_since = old.waiting_since; merged.wait_kind = old.wait_kind; }
      if (old.last_message && merged.last_message && (merged.last_message.seq || 0) < (old.last_message.seq || 0)) {
        merged.last_message = old.last_message;
      }
      merged.last_seq = Math.max(old.last_seq || 0, merged.last_seq || 0);
    }
    if (!merged.waiting_since) merged._sla = null;
    if (!isOpen(merged)) { merged.waiting_since = null; merged._sla = null; S.unread.delete(c.id); }
    S.convs.set(c.id, merged);
    return merged;
  }
  function msgStore(cid) {
    var m = S.msgs.get(cid);
    if (!m) { m = new Map(); S.msgs.set(cid, m); }
    return m;
  }

  /** Records a message; returns true when it was new. */
  function addMessage(m, opts) {
    if (!m || !m.conversation_id || typeof m.seq !== 'number') return false;
    opts = opts || {};
    var store = msgStore(m.conversation_id);
    if (m.client_id && S.pending.has(m.client_id)) {
      S.pending.delete(m.client_id);
      renderPending();
    }
    if (store.has(m.seq)) return false;
    store.set(m.seq, m);
    var c = S.convs.get(m.conversation_id);
    if (c) {
      if (!c.last_message || (c.last_message.seq || 0) <= m.seq) c.last_message = m;
      c.last_seq = Math.max(c.last_seq || 0, m.seq);
      if (!opts.history) deriveWait(c, m);
    }
    if (!opts.history) {
      var kind = m.author && m.author.kind;
      var mine = kind === 'agent' && m.author.id && m.author.id === ME.id;
      if (kind === 'visitor') clearTyping(m.conversation_id);
      if (c && !mine && kind === 'visitor') {
        if (m.conversation_id !== S.current || document.hidden) {
          S.unread.add(m.conversation_id);
          alertMessage(c, m);
        }
      }
      if (m.conversation_id === S.current && !document.hidden) markSeen(m.conversation_id);
    }
    return true;
  }

  /** Follows the contract's wait rules so the timer moves before the server's conversation.updated. */
  function deriveWait(c, m) {
    var kind = m.author && m.author.kind;
    if (kind === 'visitor' && !c.waiting_since && isOpen(c)) {
      c.waiting_since = m.created_at;
      c.wait_kind = c.first_response_at ? 'next_response' : 'first_response';
    } else if (kind === 'agent' && !m.internal) {
      c.waiting_since = null;
      c.wait_kind = null;
      c._sla = null;
      if (!c.first_response_at) c.first_response_at = m.created_at;
    }
  }

  function markSeen(cid) {
    var c = S.convs.get(cid);
    S.unread.delete(cid);
    if (c) S.seen[cid] = c.last_seq || 0;
    saveSeen();
    updateTitle();
  }

  function computeUnreadFromSeen() {
    S.convs.forEach(function (c, id) {
      if (!isOpen(c) || id === S.current) return;
      var lm = c.last_message;
      var seen = S.seen[id];
      var fromVisitor = lm && lm.author && lm.author.kind === 'visitor';
      if (seen === undefined) { if (c.waiting_since || fromVisitor) S.unread.add(id); }
      else if ((c.last_seq || 0) > seen && fromVisitor) S.unread.add(id);
    });
  }

  // ------------------------------------------------------------------ rendering: scheduling
  var dirty = { list: false, visitors: false, chat: false, panel: false };
  var rafPending = false;
  function schedule(what) {
    for (var i = 0; i < arguments.length; i++) dirty[arguments[i]] = true;
    if (rafPending) return;
    rafPending = true;
    var run = function () {
      rafPending = false;
      var d = dirty;
      dirty = { list: false, visitors: false, chat: false, panel: false };
      guard(function () {
        if (d.list) renderConvList();
        if (d.visitors) renderVisitors();
        if (d.chat) renderChatHead();
        if (d.panel) renderPanel();
        updateTitle();
      });
    };
    // requestAnimationFrame stalls in background tabs; the title and lists must still update there.
    if (document.hidden) setTimeout(run, 50); else window.requestAnimationFrame(run);
  }
  function guard(fn) {
    try { return fn(); } catch (e) { if (window.console && console.warn) console.warn('[console]', e); return undefined; }
  }

  // ------------------------------------------------------------------ rendering: conversation list
  var convList = hook('conversation-list');
  var convEmpty = hook('conversations-empty');
  var convRows = new Map();

  function convRow(id) {
    var el = convRows.get(id);
    if (el) return el;
    var av = h('span', { class: 'avatar', 'aria-hidden': 'true' });
    var name = h('span', { class: 'conv-name' });
    var flagSlot = h('span', { class: 'conv-flag' });
    var preview = h('div', { class: 'conv-preview' });
    var time = h('span', { class: 'conv-time' });
    var wait = h('span', { class: 'wait', 'data-chat': 'wait-timer', hidden: true });
    var dot = h('span', { class: 'unread-dot', 'data-chat': 'unread', hidden: true });
    el = h('div', {
      class: 'conv-row', role: 'listitem', tabindex: '0',
      'data-chat': 'conversation-row', 'data-conversation-id': id
    },
      av,
      h('div', { class: 'conv-main' }, h('div', { class: 'conv-line' }, name, flagSlot), preview),
      h('div', { class: 'conv-side' }, wait, time, dot)
    );
    el._p = { av: av, name: name, flag: flagSlot, preview: preview, time: time, wait: wait, dot: dot };
    el.addEventListener('click', function () { openConversation(id); });
    el.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); openConversation(id); }
    });
    convRows.set(id, el);
    return el;
  }

  function fillConvRow(el, c) {
    var p = el._p;
    var name = convName(c);
    if (p.name.textContent !== name) p.name.textContent = name;
    avatarFor(p.av, c.visitor_id, name, !!c.visitor_name);
    var v = visitorOf(c.visitor_id);
    clear(p.flag);
    var f = v && v.geo ? flag(v.geo.country_code) : null;
    if (f) p.flag.appendChild(f);

    clear(p.preview);
    p.preview.classList.remove('is-typing');
    var ty = S.typing.get(c.id);
    if (ty && ty.until > Date.now() && ty.author && ty.author.kind === 'visitor') {
      p.preview.classList.add('is-typing');
      p.preview.textContent = t('console.typing_preview');
    } else if (c.last_message) {
      var lm = c.last_message;
      var k = lm.author && lm.author.kind;
      if (lm.internal) p.preview.appendChild(h('span', { class: 'pv-note' }, t('console.note_prefix') + ': '));
      else if (k === 'agent') {
        var who = lm.author.id && lm.author.id === ME.id ? t('console.you') : (lm.author.name || t('console.agent_word'));
        p.preview.appendChild(h('span', { class: 'pv-who' }, who + ': '));
      }
      p.preview.appendChild(document.createTextNode(String(lm.text || '').replace(/\s+/g, ' ').slice(0, 160)));
    } else {
      p.preview.textContent = (c.last_seq || 0) > 0 ? '' : t('console.no_messages_preview');
    }

    if (c.status === 'resolved' && typeof c.rating === 'number' && c.rating > 0) {
      clear(p.time);
      var r = Math.max(0, Math.min(5, Math.round(c.rating)));
      p.time.appendChild(h('span', { class: 'stars', title: t('console.rating') + ': ' + r + '/5' },
        '\u2605'.repeat(r), h('span', { class: 'off' }, '\u2605'.repeat(5 - r))));
    } else {
      p.time.textContent = shortWhen(lastActivity(c));
    }
    el.classList.toggle('is-active', c.id === S.current);
    var unread = S.unread.has(c.id);
    el.classList.toggle('is-unread', unread);
    p.dot.hidden = !unread;
    tickConvRow(el, c);
  }

  function tickConvRow(el, c) {
    var w = waitInfo(c);
    var p = el._p;
    el.classList.toggle('is-waiting', !!w);
    el.classList.toggle('sla-warn', !!w && w.level === 'warn');
    el.classList.toggle('sla-bad', !!w && w.level === 'bad');
    if (w) {
      p.wait.hidden = false;
      p.time.hidden = true;
      var txt = clock(w.waited);
      if (p.wait.textContent !== txt) p.wait.textContent = txt;
      p.wait.className = 'wait sla-' + w.level;
      p.wait.setAttribute('data-level', w.level);
      p.wait.title = t(c.wait_kind === 'next_response' ? 'console.next_response' : 'console.first_response') +
        ' · ' + t('console.target', { time: duration(w.target) });
    } else {
      p.wait.hidden = true;
      p.time.hidden = false;
    }
  }

  function visibleConvs() {
    var out = [];
    S.convs.forEach(function (c) {
      if (S.tab === 'open' ? isOpen(c) : c.status === 'resolved') out.push(c);
    });
    if (S.tab === 'open') {
      var wi = new Map();
      out.forEach(function (c) { wi.set(c.id, waitInfo(c)); });
      out.sort(function (a, b) {
        var wa = wi.get(a.id), wb = wi.get(b.id);
        if (wa && !wb) return -1;
        if (wb && !wa) return 1;
        if (wa && wb) return wa.since - wb.since;
        return lastActivity(b) - lastActivity(a);
      });
    } else {
      out.sort(function (a, b) {
        return (parseTime(b.resolved_at) || lastActivity(b)) - (parseTime(a.resolved_at) || lastActivity(a));
      });
    }
    return out;
  }

  function renderConvList() {
    var list = visibleConvs();
    var ids = new Set();
    var prev = null;
    list.forEach(function (c) {
      ids.add(c.id);
      var el = convRow(c.id);
      fillConvRow(el, c);
      var want = prev ? prev.nextSibling : convList.firstChild;
      if (el !== want) convList.insertBefore(el, want);
      prev = el;
    });
    Array.prototype.slice.call(convList.children).forEach(function (el) {
      var id = el.getAttribute('data-conversation-id');
      if (!ids.has(id)) {
        convList.removeChild(el);
        if (!S.convs.has(id)) convRows.delete(id);
      }
    });
    var openCount = 0;
    S.convs.forEach(function (c) { if (isOpen(c)) openCount++; });
    hook('conversation-count').textContent = openCount ? String(openCount) : '';
    var showEmpty = list.length === 0 && (S.tab === 'open' ? S.welcomed : S.resolvedLoaded);
    convEmpty.hidden = !showEmpty;
    if (showEmpty) {
      $('.empty-title', convEmpty).textContent = t(S.tab === 'open' ? 'console.no_conversations' : 'console.no_resolved');
      $('.empty-hint', convEmpty).textContent = t(S.tab === 'open' ? 'console.no_conversations_hint' : 'console.no_resolved_hint');
    }
  }

  function setTab(tab) {
    S.tab = tab;
    document.querySelectorAll('[data-tab]').forEach(function (b) {
      var on = b.getAttribute('data-tab') === tab;
      b.classList.toggle('is-active', on);
      b.setAttribute('aria-selected', on ? 'true' : 'false');
    });
    if (tab === 'resolved') loadResolved();
    schedule('list');
  }

  function loadResolved() {
    api('/api/v1/conversations?status=resolved').then(function (data) {
      (data && data.conversations || []).forEach(function (c) {
        // A live open conversation wins over an older resolved snapshot.
        var old = S.convs.get(c.id);
        if (old && isOpen(old) && c.status === 'resolved' && (old.last_seq || 0) > (c.last_seq || 0)) return;
        upsertConv(c);
      });
      S.resolvedLoaded = true;
      schedule('list');
    }).catch(function (e) { apiFailed(e); S.resolvedLoaded = true; schedule('list'); });
  }

  // ------------------------------------------------------------------ rendering: visitors
  var visitorList = hook('visitor-list');
  var visitorEmpty = hook('visitors-empty');
  var visitorRows = new Map();

  function liveTimeOnSite(v) {
    var base = Number(v.time_on_site_seconds) || 0;
    if (v.online === false) return base;
    return base + Math.max(0, (Date.now() - (v._at || Date.now())) / 1000);
  }
  function arrivalOf(v) { return (v._at || 0) - (Number(v.time_on_site_seconds) || 0) * 1000; }

  function visitorRow(id) {
    var el = visitorRows.get(id);
    if (el) return el;
    var where = h('span', { class: 'v-where' });
    var flagSlot = h('span', {});
    var action = h('div', { class: 'v-action' });
    var pageTitle = h('span', { class: 'v-page-title' });
    var tos = h('span', { class: 'v-time', 'data-role': 'tos' });
    var browser = h('span', {});
    var kw = h('div', { class: 'v-kw' });
    el = h('div', {
      class: 'visitor-row', role: 'listitem', tabindex: '0',
      'data-chat': 'visitor-row', 'data-visitor-id': id
    },
      h('div', { class: 'v-top' }, flagSlot, where),
      action,
      h('div', { class: 'v-page' }, icon('page', 12), pageTitle),
      h('div', { class: 'v-meta' }, h('span', {}, icon('clock', 11), tos), browser),
      kw
    );
    el._p = { where: where, flag: flagSlot, action: action, page: pageTitle, tos: tos, browser: browser, kw: kw };
    el.addEventListener('click', function (ev) {
      if (ev.target.closest && ev.target.closest('[data-chat="invite"]')) return;
      selectVisitor(id);
    });
    el.addEventListener('keydown', function (ev) {
      if (ev.target === el && (ev.key === 'Enter' || ev.key === ' ')) { ev.preventDefault(); selectVisitor(id); }
    });
    visitorRows.set(id, el);
    return el;
  }

  function fillVisitorRow(el, v) {
    var p = el._p;
    var conv = openConvFor(v.id);
    el.classList.toggle('is-active', S.selVisitor === v.id && !S.current);
    p.tos.textContent = duration(liveTimeOnSite(v));
    // Rebuild only when something shown changed, so buttons are not replaced under the pointer.
    var sig = JSON.stringify([v.geo, v.current_page, v.user_agent, v.search_keywords, conv ? conv.id : null,
      conv ? conv.visitor_name : null, v.pages ? v.pages.length : 0]);
    if (el._sig === sig) return;
    el._sig = sig;
    clear(p.flag);
    var f = v.geo ? flag(v.geo.country_code) : null;
    if (f) p.flag.appendChild(f);
    var label = conv && conv.visitor_name ? conv.visitor_name : (whereText(v) || visitorName(v.id));
    if (conv && conv.visitor_name && whereText(v)) label += ' · ' + whereText(v);
    p.where.textContent = label;

    var cp = v.current_page || (v.pages && v.pages.length ? v.pages[v.pages.length - 1] : null);
    p.page.textContent = cp ? (cp.title || pathOf(cp.url)) : '';
    p.page.title = cp ? String(cp.url || '') : '';
    p.page.parentNode.hidden = !p.page.textContent;

    var ua = v.user_agent || {};
    clear(p.browser);
    var bits = [ua.browser, ua.os].filter(Boolean).join(' · ');
    if (bits) { p.browser.appendChild(icon(ua.device === 'mobile' ? 'phone' : 'monitor', 11)); p.browser.appendChild(document.createTextNode(bits)); }

    clear(p.kw);
    (v.search_keywords || []).slice(-2).forEach(function (k) {
      p.kw.appendChild(h('span', { class: 'chip chip-kw', title: sourceLabel(k.source) },
        icon('search', 10), h('span', { class: 'chip-text' }, k.keyword)));
    });
    p.kw.hidden = !p.kw.firstChild;

    clear(p.action);
    if (conv) {
      p.action.appendChild(h('span', { class: 'v-badge' }, t('console.in_chat')));
    } else {
      p.action.appendChild(h('button', {
        type: 'button', class: 'btn btn-sm', 'data-chat': 'invite', 'data-visitor-id': v.id,
        onclick: function (ev) { ev.stopPropagation(); startInvite(v.id); }
      }, t('console.start_chat')));
    }
  }

  function renderVisitors() {
    var list = [];
    S.visitors.forEach(function (v) { if (v.online !== false) list.push(v); });
    list.sort(function (a, b) { return arrivalOf(b) - arrivalOf(a); });
    var ids = new Set();
    var prev = null;
    list.forEach(function (v) {
      ids.add(v.id);
      var el = visitorRow(v.id);
      fillVisitorRow(el, v);
      var want = prev ? prev.nextSibling : visitorList.firstChild;
      if (el !== want) visitorList.insertBefore(el, want);
      prev = el;
    });
    Array.prototype.slice.call(visitorList.children).forEach(function (el) {
      var id = el.getAttribute('data-visitor-id');
      if (!ids.has(id)) { visitorList.removeChild(el); visitorRows.delete(id); }
    });
    hook('visitor-count').textContent = list.length ? String(list.length) : '';
    visitorEmpty.hidden = !(list.length === 0 && S.welcomed);
  }

  // ------------------------------------------------------------------ rendering: middle pane
  var chatEmpty = hook('chat-empty');
  var chatMain = hook('chat-main');
  var thread = hook('thread');
  var threadMsgs = role('messages', thread);
  var threadPending = role('pending', thread);
  var typingEl = hook('typing');
  var composer = hook('composer');
  var input = hook('input');
  var sendBtn = hook('send');
  var noteToggle = hook('internal-toggle');
  var resolveBtn = hook('resolve');
  var rendered = { cid: null, maxSeq: -1, lastDay: null, count: 0 };

  function showMiddle() {
    var active = !!(S.current || S.invite);
    chatMain.hidden = !active;
    chatEmpty.hidden = active;
    document.body.classList.toggle('has-chat', active);
    if (!active) {
      var v = S.selVisitor ? visitorOf(S.selVisitor) : null;
      var btn = role('browse-invite', chatEmpty);
      if (v) {
        var name = visitorName(v.id);
        var online = v.online !== false && S.visitors.has(v.id);
        role('title', chatEmpty).textContent = t(online ? 'console.browsing_title' : 'console.left_title', { name: name });
        role('hint', chatEmpty).textContent = online ? t('console.browsing_hint') : '';
        btn.hidden = !online || !!openConvFor(v.id);
      } else {
        role('title', chatEmpty).textContent = t('console.select_title');
        role('hint', chatEmpty).textContent = t('console.select_hint');
        btn.hidden = true;
      }
    }
  }

  function renderChatHead() {
    showMiddle();
    if (!S.current && !S.invite) return;
    var title = hook('conversation-title');
    var status = hook('conversation-status');
    var avatar = role('avatar', chatMain);
    var page = role('page', chatMain);
    var banner = role('banner', chatMain);
    var cancel = role('cancel-invite', chatMain);
    var vid, name;
    if (S.invite) {
      vid = S.invite;
      name = visitorName(vid);
      title.textContent = t('console.new_chat_with', { name: name });
      avatarFor(avatar, vid, name, false);
      status.textContent = t('console.status_new');
      status.setAttribute('data-status', 'new');
      status.className = 'pill';
      resolveBtn.hidden = true;
      cancel.hidden = false;
      banner.hidden = true;
    } else {
      var c = S.convs.get(S.current);
      if (!c) { title.textContent = t('console.loading'); resolveBtn.hidden = true; cancel.hidden = true; return; }
      vid = c.visitor_id;
      name = convName(c);
      title.textContent = name;
      avatarFor(avatar, vid, name, !!c.visitor_name);
      var resolved = c.status === 'resolved';
      resolveBtn.hidden = resolved;
      resolveBtn.disabled = !!S.resolving && S.resolving === c.id;
      cancel.hidden = true;
      status.setAttribute('data-status', resolved ? 'resolved' : 'open');
      status.className = 'pill';
      status.textContent = t(resolved ? 'console.status_resolved' : 'console.status_open');
      var v0 = S.visitors.get(vid);
      if (resolved) { banner.hidden = false; banner.textContent = t('console.resolved_banner'); }
      else if (!v0 || v0.online === false) {
        banner.hidden = !S.welcomed;
        banner.textContent = t('console.visitor_left_banner');
      } else banner.hidden = true;
    }
    var v = S.visitors.get(vid) || S.details.get(vid);
    var cp = v && v.online !== false ? v.current_page : null;
    page.textContent = cp ? t('console.on_page', { page: cp.title || pathOf(cp.url) }) : '';
    page.title = cp ? String(cp.url || '') : '';
    tickChatHead();
    updateComposerMode();
  }

  function tickChatHead() {
    var waitEl = role('wait', chatMain);
    var status = hook('conversation-status');
    var c = S.current ? S.convs.get(S.current) : null;
    var w = c && !S.invite ? waitInfo(c) : null;
    if (w) {
      status.setAttribute('data-status', 'waiting');
      status.className = 'pill sla-' + w.level;
      status.textContent = t('console.status_waiting') + ' ' + clock(w.waited);
      waitEl.textContent = t(c.wait_kind === 'next_response' ? 'console.next_response' : 'console.first_response') +
        ' · ' + t('console.target', { time: duration(w.target) });
    } else {
      waitEl.textContent = '';
      if (c && !S.invite && status.getAttribute('data-status') === 'waiting') {
        status.setAttribute('data-status', 'open');
        status.className = 'pill';
        status.textContent = t('console.status_open');
      }
    }
  }

  function nearBottom() { return thread.scrollHeight - thread.scrollTop - thread.clientHeight < 140; }
  function scrollBottom() { thread.scrollTop = thread.scrollHeight; }

  function messageEl(m) {
    var a = m.author || {};
    var kind = a.kind === 'agent' || a.kind === 'system' ? a.kind : 'visitor';
    var ms = parseTime(m.created_at);
    var attrs = {
      class: 'msg', 'data-chat': 'message', 'data-author': kind, 'data-seq': String(m.seq),
      'data-message-id': m.id || null
    };
    if (m.internal) attrs['data-internal'] = 'true';
    var el = h('div', attrs);
    if (kind === 'agent' && a.id && ME.id && a.id !== ME.id) el.classList.add('is-other');
    var meta = h('div', { class: 'msg-meta' });
    if (m.internal) meta.appendChild(h('span', { class: 'note-label' }, icon('lock', 10), t('console.internal_note')));
    meta.appendChild(h('span', { class: 'msg-author' }, authorName(m)));
    meta.appendChild(h('time', { class: 'msg-time', datetime: m.created_at || null, title: fmtFull(ms) }, fmtTime(ms)));
    el.appendChild(meta);
    el.appendChild(h('div', { class: 'msg-bubble' }, String(m.text || '')));
    return el;
  }

  function renderThreadFull() {
    var cid = S.current;
    clear(threadMsgs);
    rendered = { cid: cid, maxSeq: -1, lastDay: null, count: 0 };
    if (!cid) { renderPending(); return; }
    var store = S.msgs.get(cid);
    var list = store ? Array.from(store.values()).sort(function (a, b) { return a.seq - b.seq; }) : [];
    var frag = document.createDocumentFragment();
    list.forEach(function (m) { appendMessageTo(frag, m); });
    threadMsgs.appendChild(frag);
    if (!list.length) {
      threadMsgs.appendChild(h('div', { class: 'thread-note', 'data-role': 'thread-note' },
        S.loaded.has(cid) ? t('console.no_messages') : t('console.history_loading')));
    }
    renderPending();
    scrollBottom();
  }

  function appendMessageTo(parent, m) {
    var ms = parseTime(m.created_at);
    if (!isNaN(ms)) {
      var dk = dayKey(ms);
      if (dk !== rendered.lastDay) {
        parent.appendChild(h('div', { class: 'day-sep', role: 'separator' }, dayLabel(ms)));
        rendered.lastDay = dk;
      }
    }
    parent.appendChild(messageEl(m));
    rendered.maxSeq = Math.max(rendered.maxSeq, m.seq);
    rendered.count++;
  }

  function showMessage(m) {
    if (m.conversation_id !== S.current || S.invite) return;
    if (rendered.cid !== S.current || m.seq <= rendered.maxSeq) { renderThreadFull(); return; }
    var stick = nearBottom() || (m.author && m.author.kind === 'agent' && m.author.id === ME.id);
    var note = role('thread-note', threadMsgs);
    if (note) note.remove();
    appendMessageTo(threadMsgs, m);
    if (stick) scrollBottom();
  }

  function renderPending() {
    clear(threadPending);
    S.pending.forEach(function (p, cid) {
      var here = S.invite ? (p.kind === 'invite' && p.visitor_id === S.invite && !p.conversation_id)
        : (S.current && p.conversation_id === S.current);
      if (!here) return;
      var attrs = {
        class: 'msg is-pending' + (p.failed ? ' is-failed' : ''), 'data-chat': 'message', 'data-author': 'agent',
        'data-pending': 'true', 'data-client-id': cid
      };
      if (p.internal) attrs['data-internal'] = 'true';
      var el = h('div', attrs);
      var meta = h('div', { class: 'msg-meta' });
      if (p.internal) meta.appendChild(h('span', { class: 'note-label' }, icon('lock', 10), t('console.internal_note')));
      meta.appendChild(h('span', { class: 'msg-author' }, ME.name || t('console.you')));
      el.appendChild(meta);
      el.appendChild(h('div', { class: 'msg-bubble' }, p.text));
      var st = h('div', { class: 'msg-state' }, p.failed ? t('console.failed') : t('console.sending'));
      if (p.failed) {
        st.appendChild(h('button', {
          type: 'button', class: 'link-btn', 'data-chat': 'retry',
          onclick: function () { retryPending(cid); }
        }, t('console.retry')));
      }
      el.appendChild(st);
      threadPending.appendChild(el);
    });
    if (threadPending.firstChild && S.invite) {
      var note = role('thread-note', threadMsgs);
      if (note) note.remove();
    }
  }

  function renderTyping() {
    var ty = S.current ? S.typing.get(S.current) : null;
    var on = !!(ty && ty.until > Date.now()) && !S.invite;
    if (on) {
      var a = ty.author || {};
      var c = S.convs.get(S.current);
      var name = a.kind === 'visitor' ? (c ? convName(c) : t('console.visitor_word')) : (a.name || t('console.agent_word'));
      $('.typing-text', typingEl).textContent = t('console.typing', { name: name });
      typingEl.setAttribute('data-author', a.kind === 'agent' ? 'agent' : 'visitor');
    }
    if (typingEl.hidden === on) {
      var stick = nearBottom();
      typingEl.hidden = !on;
      if (stick) scrollBottom();
    }
  }
  function clearTyping(cid) {
    if (S.typing.delete(cid)) { renderTyping(); schedule('list'); }
  }

  // ------------------------------------------------------------------ composer
  function updateComposerMode() {
    var note = !!noteToggle.checked && !S.invite;
    composer.classList.toggle('is-note', note);
    noteToggle.disabled = !!S.invite;
    noteToggle.closest('.switch').hidden = !!S.invite;
    input.placeholder = S.invite ? t('console.invite_placeholder') : (note ? t('console.note_placeholder') : t('console.input_placeholder'));
    role('mode-hint', composer).textContent = S.invite ? '' : (note ? t('console.internal_hint') : t('console.reply_hint'));
    role('send-label', composer).textContent = note ? t('console.add_note') : t('console.send');
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(220, Math.max(58, input.scrollHeight)) + 'px';
    var n = input.value.length;
    role('count', composer).textContent = n > MAX_TEXT * 0.8 ? n + ' / ' + MAX_TEXT : '';
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') {
      try { return window.crypto.randomUUID(); } catch (e) { /* insecure context */ }
    }
    var b = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(b);
    else for (var i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var hx = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return hx.slice(0, 8) + '-' + hx.slice(8, 12) + '-' + hx.slice(12, 16) + '-' + hx.slice(16, 20) + '-' + hx.slice(20);
  }

  function submit() {
    var text = input.value.replace(/^\s+|\s+$/g, '');
    if (!text) return;
    if (text.length > MAX_TEXT) { toast(t('console.too_long'), 'error'); return; }
    var cid = newClientId();
    var frame, p;
    if (S.invite) {
      frame = { type: 'conversation.invite', visitor_id: S.invite, client_id: cid, text: text };
      p = { kind: 'invite', conversation_id: null, visitor_id: S.invite, text: text, internal: false };
    } else if (S.current) {
      var internal = !!noteToggle.checked;
      frame = { type: 'message.send', conversation_id: S.current, client_id: cid, text: text, internal: internal };
      p = { kind: 'message', conversation_id: S.current, visitor_id: null, text: text, internal: internal };
      stopTyping();
    } else return;
    p.frame = frame;
    p.failed = false;
    p.at = Date.now();
    S.pending.set(cid, p);
    send(frame);
    input.value = '';
    autosize();
    renderPending();
    var note = role('thread-note', threadMsgs);
    if (note && !S.invite) note.remove();
    scrollBottom();
    input.focus();
  }

  function retryPending(cid) {
    var p = S.pending.get(cid);
    if (!p) return;
    p.failed = false;
    p.at = Date.now();
    renderPending();
    send(p.frame);
  }

  // typing, throttled; never while writing an internal note
  var typingState = { active: false, cid: null, lastSent: 0, idle: null };
  function onTypingInput() {
    if (!S.current || S.invite || noteToggle.checked) return;
    var now = Date.now();
    if (!typingState.active || typingState.cid !== S.current || now - typingState.lastSent > TYPING_SEND_EVERY) {
      if (typingState.active && typingState.cid !== S.current) stopTyping();
      if (send({ type: 'typing', conversation_id: S.current, active: true })) {
        typingState.active = true; typingState.cid = S.current; typingState.lastSent = now;
      }
    }
    clearTimeout(typingState.idle);
    typingState.idle = setTimeout(stopTyping, TYPING_IDLE);
  }
  function stopTyping() {
    clearTimeout(typingState.idle);
    if (typingState.active && typingState.cid) send({ type: 'typing', conversation_id: typingState.cid, active: false });
    typingState.active = false; typingState.cid = null;
  }

  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      guard(submit);
    }
  });
  input.addEventListener('input', function () { autosize(); if (input.value) onTypingInput(); else stopTyping(); });
  input.addEventListener('blur', function () { if (!input.value) stopTyping(); });
  composer.addEventListener('submit', function (ev) { ev.preventDefault(); guard(submit); });
  noteToggle.addEventListener('change', function () {
    if (noteToggle.checked) stopTyping();
    updateComposerMode();
    input.focus();
  });
  resolveBtn.addEventListener('click', function () {
    if (!S.current) return;
    var id = S.current;
    if (send({ type: 'conversation.resolve', conversation_id: id })) {
      S.resolving = id;
      resolveBtn.disabled = true;
      setTimeout(function () { if (S.resolving === id) { S.resolving = null; schedule('chat'); } }, 6000);
    } else {
      toast(t('error.network'), 'error');
    }
  });
  role('cancel-invite', chatMain).addEventListener('click', function () {
    var vid = S.invite;
    S.invite = null;
    selectVisitor(vid);
  });
  role('back', chatMain).addEventListener('click', function () {
    stopTyping();
    S.current = null; S.invite = null; S.selVisitor = null;
    renderThreadFull();
    renderTyping();
    schedule('list', 'visitors', 'chat', 'panel');
  });
  role('browse-invite', chatEmpty).addEventListener('click', function () { if (S.selVisitor) startInvite(S.selVisitor); });
  document.querySelectorAll('[data-tab]').forEach(function (b) {
    b.addEventListener('click', function () { setTab(b.getAttribute('data-tab')); });
  });

  // ------------------------------------------------------------------ navigation
  function openConversation(id, keepDraft) {
    if (!id) return;
    if (S.current !== id) stopTyping();
    S.invite = null;
    S.current = id;
    var c = S.convs.get(id);
    S.selVisitor = c ? c.visitor_id : null;
    if (c && !document.hidden) markSeen(id);
    if (!keepDraft) input.value = '';
    autosize();
    renderThreadFull();
    renderTyping();
    schedule('list', 'visitors', 'chat', 'panel');
    loadConversation(id);
    if (c) loadVisitor(c.visitor_id);
    setTimeout(function () { if (S.current === id) input.focus(); }, 0);
  }

  function selectVisitor(vid) {
    if (!vid) return;
    var c = openConvFor(vid);
    if (c) { openConversation(c.id); return; }
    stopTyping();
    S.current = null;
    S.invite = null;
    S.selVisitor = vid;
    renderThreadFull();
    renderTyping();
    schedule('list', 'visitors', 'chat', 'panel');
    loadVisitor(vid);
  }

  function startInvite(vid) {
    var c = openConvFor(vid);
    if (c) { openConversation(c.id); return; }
    stopTyping();
    S.current = null;
    S.invite = vid;
    S.selVisitor = vid;
    noteToggle.checked = false;
    clear(threadMsgs);
    rendered = { cid: null, maxSeq: -1, lastDay: null, count: 0 };
    threadMsgs.appendChild(h('div', { class: 'thread-note', 'data-role': 'thread-note' }, t('console.invite_intro')));
    renderPending();
    renderTyping();
    schedule('list', 'visitors', 'chat', 'panel');
    loadVisitor(vid);
    setTimeout(function () { input.focus(); }, 0);
  }

  // ------------------------------------------------------------------ REST
  function ApiError(status, code, message) { this.status = status; this.code = code; this.message = message; }
  function api(path) {
    return fetch(path, {
      headers: { 'Authorization': 'Bearer ' + TOKEN, 'Accept': 'application/json' },
      credentials: 'same-origin', cache: 'no-store'
    }).then(function (res) {
      if (res.status === 401) { sessionExpired(); throw new ApiError(401, 'unauthorized', ''); }
      return res.json().catch(function () { return null; }).then(function (body) {
        if (!res.ok) {
          var err = body && body.error || {};
          throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || '');
        }
        return body;
      });
    }, function () { throw new ApiError(0, 'network', ''); });
  }
  function apiFailed(e) {
    if (!e || e.status === 401) return;
    if (e.code === 'network') return; // the connection indicator already says so
    toast(errorText(e.code, e.message), 'error');
  }

  var convLoads = new Map();
  function loadConversation(id) {
    if (convLoads.has(id)) return convLoads.get(id);
    var pr = api('/api/v1/conversations/' + encodeURIComponent(id)).then(function (data) {
      if (!data) return;
      var msgs = Array.isArray(data.messages) ? data.messages : [];
      var c = upsertConv(data);
      var changed = false;
      msgs.forEach(function (m) { if (addMessage(m, { history: true })) changed = true; });
      if (c && msgs.length) {
        var last = msgs[msgs.length - 1];
        if (!c.last_message || (c.last_message.seq || 0) < last.seq) c.last_message = last;
      }
      S.loaded.add(id);
      if (S.current === id) {
        if (changed || rendered.cid !== id || rendered.count === 0) renderThreadFull();
        if (!document.hidden) markSeen(id);
        if (c) loadVisitor(c.visitor_id);
      }
      schedule('list', 'visitors', 'chat', 'panel');
    }).catch(function (e) {
      apiFailed(e);
      if (S.current === id && e && e.status === 404) { S.convs.delete(id); S.current = null; renderThreadFull(); schedule('list', 'chat', 'panel'); }
    }).then(function () { convLoads.delete(id); });
    convLoads.set(id, pr);
    return pr;
  }

  var visitorLoads = new Map();
  var visitorRefresh = new Map();
  function loadVisitor(vid) {
    if (!vid || visitorLoads.has(vid)) return;
    var pr = api('/api/v1/visitors/' + encodeURIComponent(vid)).then(function (v) {
      if (!v || !v.id) return;
      v._at = Date.now();
      S.details.set(v.id, v);
      var live = S.visitors.get(v.id);
      if (live && v.online !== false) {
        // Keep the online list's copy current too (time on site, page).
        S.visitors.set(v.id, Object.assign({}, live, v, { _at: v._at }));
      }
      if (S.selVisitor === v.id) schedule('panel', 'chat', 'list', 'visitors');
    }).catch(function (e) { if (e && e.status !== 404) apiFailed(e); })
      .then(function () { visitorLoads.delete(vid); });
    visitorLoads.set(vid, pr);
  }
  function refreshVisitorSoon(vid) {
    if (visitorRefresh.has(vid)) return;
    visitorRefresh.set(vid, setTimeout(function () { visitorRefresh.delete(vid); loadVisitor(vid); }, 400));
  }

  function sessionExpired() {
    if (sessionExpired.done) return;
    sessionExpired.done = true;
    toast(t('error.session_expired'), 'error');
    setTimeout(function () {
      window.location.href = '/console/login?next=' + encodeURIComponent('/console/') + '&lang=' + LANG;
    }, 1500);
  }

  // ------------------------------------------------------------------ visitor panel
  var side = hook('visitor-panel');
  var panelTicks = [];

  function section(title, extra) {
    return h('section', { class: 'vp-sec' }, h('h3', { class: 'vp-sec-title' }, title, extra ? h('small', {}, extra) : null));
  }
  function kvList(rows) {
    var dl = h('dl', { class: 'kv' });
    rows.forEach(function (r) {
      if (!r || r[1] === null || r[1] === undefined || r[1] === '') return;
      dl.appendChild(h('dt', {}, r[0]));
      dl.appendChild(h('dd', r[2] ? { class: r[2] } : null, r[1]));
    });
    return dl;
  }

  function renderPanel() {
    var vid = S.selVisitor;
    panelTicks = [];
    if (!vid) {
      clear(side);
      side.appendChild(h('div', { class: 'side-empty' }, icon('user', 28), h('span', {}, t('panel.empty'))));
      return;
    }
    var v = S.details.get(vid) || S.visitors.get(vid);
    var live = S.visitors.get(vid);
    var online = !!(live && live.online !== false);
    var conv = S.current ? S.convs.get(S.current) : openConvFor(vid);
    if (conv && conv.visitor_id !== vid) conv = null;
    var scroll = side.scrollTop;
    clear(side);
    side.setAttribute('data-visitor-id', vid);

    var name = visitorName(vid, conv);
    var named = !!(conv && conv.visitor_name);
    var av = h('span', { class: 'avatar avatar-xl' });
    avatarFor(av, vid, name, named);
    var email = conv && conv.visitor_email;
    side.appendChild(h('div', { class: 'vp-head' }, av, h('div', { class: 'vp-head-text' },
      h('div', { class: 'vp-name', 'data-chat': 'visitor-name' }, name),
      email ? h('div', { class: 'vp-email' }, email) : null,
      h('div', { class: 'vp-status' + (online ? '' : ' is-off') }, t(online ? 'panel.online' : 'panel.offline'))
    )));

    if (!v) {
      side.appendChild(h('div', { class: 'side-empty' }, t('panel.loading')));
      return;
    }

    // location
    var g = v.geo || null;
    var loc = section(t('panel.location'));
    if (g) {
      var place = [g.city, g.region !== g.city ? g.region : null, g.country].filter(Boolean).join(', ');
      loc.appendChild(h('div', { class: 'vp-where' }, flag(g.country_code), h('span', {}, place || g.country_code || t('panel.unknown'))));
      var lt = h('span', { 'data-role': 'local-time' }, timeIn(g.timezone));
      if (lt.textContent) panelTicks.push(function () { lt.textContent = timeIn(g.timezone); });
      loc.appendChild(kvList([
        [t('panel.local_time'), lt.textContent ? lt : null],
        [t('panel.timezone'), g.timezone],
        [t('panel.ip'), v.ip, 'mono']
      ]));
    } else {
      loc.appendChild(kvList([[t('panel.location'), t('panel.unknown')], [t('panel.ip'), v.ip, 'mono']]));
    }
    side.appendChild(loc);

    // conversation facts
    if (conv) {
      var cs = section(t('panel.conversation'));
      var created = parseTime(conv.created_at);
      var fr = parseTime(conv.first_response_at);
      var stars = null;
      if (typeof conv.rating === 'number' && conv.rating > 0) {
        var r = Math.max(0, Math.min(5, Math.round(conv.rating)));
        stars = h('span', { class: 'stars' }, '\u2605'.repeat(r), h('span', { class: 'off' }, '\u2605'.repeat(5 - r)));
      }
      cs.appendChild(kvList([
        [t('panel.started'), fmtFull(created)],
        [t('panel.first_reply'), isNaN(fr) ? t('panel.not_yet') : fmtTime(fr) + ' · ' + t('panel.after', { time: duration((fr - created) / 1000) })],
        [t('console.rating'), stars]
      ]));
      side.appendChild(cs);
    }

    // technology and activity
    var ua = v.user_agent || {};
    var tech = section(t('panel.technology'));
    var tos = h('span', { class: 'v-time' }, duration(liveTimeOnSite(live || v)));
    panelTicks.push(function () { tos.textContent = duration(liveTimeOnSite(S.visitors.get(vid) || v)); });
    var dev = ua.device ? (Object.prototype.hasOwnProperty.call(T, 'device.' + String(ua.device).toLowerCase()) ? t('device.' + String(ua.device).toLowerCase()) : ua.device) : null;
    tech.appendChild(kvList([
      [t('panel.browser'), ua.browser],
      [t('panel.os'), ua.os],
      [t('panel.device'), dev],
      [t('panel.visits'), v.visits !== undefined && v.visits !== null ? String(v.visits) : null],
      [t('panel.time_on_site'), tos],
      [t('panel.first_seen'), fmtFull(parseTime(v.first_seen_at))]
    ]));
    side.appendChild(tech);

    // keywords
    var kws = v.search_keywords || [];
    var ks = section(t('panel.keywords'));
    if (kws.length) {
      var box = h('div', { class: 'vp-kw', 'data-chat': 'visitor-keywords' });
      kws.forEach(function (k) {
        box.appendChild(h('span', { class: 'chip chip-kw', title: fmtFull(parseTime(k.at)) },
          h('span', { class: 'chip-src' }, sourceLabel(k.source)), h('span', { class: 'chip-text' }, k.keyword)));
      });
      ks.appendChild(box);
    } else {
      ks.appendChild(h('div', { class: 'faint' }, t('panel.no_keywords')));
    }
    side.appendChild(ks);

    // journey
    var pages = (v.pages || []).slice();
    pages.sort(function (a, b) { return (parseTime(a.entered_at) || 0) - (parseTime(b.entered_at) || 0); });
    var js = section(t('panel.journey'), pages.length ? t(pages.length === 1 ? 'panel.pages_count_one' : 'panel.pages_count', { n: pages.length }) : null);
    if (pages.length) {
      var first = pages[0];
      var refHost = hostOf(first.referrer);
      js.appendChild(h('div', { class: 'j-ref' }, icon('link', 11),
        refHost ? t('panel.came_from', { source: refHost }) : t('panel.direct')));
      var ol = h('ol', { class: 'journey', 'data-chat': 'visitor-journey' });
      pages.forEach(function (pg, i) {
        var isLast = i === pages.length - 1;
        var current = isLast && !pg.left_at && online;
        var dwellEl = h('span', { class: 'j-dwell' + (current ? ' is-now' : '') });
        if (current) dwellEl.textContent = t('panel.now');
        else if (typeof pg.dwell_seconds === 'number') dwellEl.textContent = duration(pg.dwell_seconds);
        var href = safeHref(pg.url);
        var urlEl = href
          ? h('a', { class: 'j-url', href: href, target: '_blank', rel: 'noopener noreferrer', title: pg.url }, pathOf(pg.url))
          : h('span', { class: 'j-url' }, String(pg.url || ''));
        ol.appendChild(h('li', { class: current ? 'is-current' : null, 'data-chat': 'journey-page' },
          h('div', { class: 'j-top' }, h('span', { class: 'j-title', title: pg.title || '' }, pg.title || pathOf(pg.url)), dwellEl),
          urlEl,
          h('div', { class: 'j-time' }, fmtTime(parseTime(pg.entered_at)))
        ));
      });
      js.appendChild(ol);
    } else {
      js.appendChild(h('div', { class: 'faint' }, t('panel.no_pages')));
    }
    side.appendChild(js);
    side.scrollTop = scroll;
  }

  // ------------------------------------------------------------------ alerts
  var audioCtx = null;
  var soundOn = pref('sound', true);
  var soundBtn = hook('sound-toggle');
  var notifyBtn = hook('notify-toggle');

  function unlockAudio() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!audioCtx) audioCtx = new AC();
      if (audioCtx.state === 'suspended') audioCtx.resume().catch(function () {});
    } catch (e) { audioCtx = null; }
  }
  document.addEventListener('pointerdown', unlockAudio, true);
  document.addEventListener('keydown', unlockAudio, true);

  function beep(kind) {
    if (!soundOn || !audioCtx || audioCtx.state !== 'running') return;
    try {
      var now = audioCtx.currentTime;
      var notes = kind === 'conversation' ? [[880, 0], [1318.5, 0.13]] : [[987.8, 0]];
      notes.forEach(function (n) {
        var o = audioCtx.createOscillator();
        var g = audioCtx.createGain();
        o.type = 'sine';
        o.frequency.value = n[0];
        g.gain.setValueAtTime(0.0001, now + n[1]);
        g.gain.exponentialRampToValueAtTime(0.18, now + n[1] + 0.015);
        g.gain.exponentialRampToValueAtTime(0.0001, now + n[1] + 0.22);
        o.connect(g); g.connect(audioCtx.destination);
        o.start(now + n[1]);
        o.stop(now + n[1] + 0.25);
      });
    } catch (e) { /* audio is a nicety */ }
  }

  function notify(title, body, cid) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    if (!document.hidden && document.hasFocus()) return;
    try {
      var n = new Notification(title, { body: body, tag: 'kervan-' + cid, icon: '/console/static/logo.svg' });
      n.onclick = function () { window.focus(); openConversation(cid); n.close(); };
    } catch (e) { /* some mobile browsers only allow notifications from a service worker */ }
  }

  function alertConversation(c) {
    beep('conversation');
    notify(t('notify.new_conversation'), convName(c), c.id);
  }
  function alertMessage(c, m) {
    if (m.conversation_id !== S.current || document.hidden) beep('message');
    notify(t('notify.new_message', { name: convName(c) }), String(m.text || '').slice(0, 140), c.id);
  }

  function renderSoundBtn() {
    soundBtn.setAttribute('aria-pressed', soundOn ? 'true' : 'false');
    soundBtn.title = t(soundOn ? 'notify.sound_on' : 'notify.sound_off');
    soundBtn.setAttribute('aria-label', soundBtn.title);
  }
  soundBtn.addEventListener('click', function () {
    soundOn = !soundOn;
    setPref('sound', soundOn);
    renderSoundBtn();
    unlockAudio();
    if (soundOn) setTimeout(function () { beep('message'); }, 30);
  });
  function renderNotifyBtn() {
    if (!('Notification' in window)) { notifyBtn.hidden = true; return; }
    var perm = Notification.permission;
    notifyBtn.hidden = perm === 'granted';
    notifyBtn.disabled = perm === 'denied';
    $('.tool-label', notifyBtn).textContent = perm === 'denied' ? t('notify.blocked') : t('notify.enable');
  }
  notifyBtn.addEventListener('click', function () {
    if (!('Notification' in window)) return;
    try {
      var r = Notification.requestPermission(function () { renderNotifyBtn(); });
      if (r && typeof r.then === 'function') r.then(renderNotifyBtn, renderNotifyBtn);
    } catch (e) { renderNotifyBtn(); }
  });

  var baseTitle = document.title;
  function updateTitle() {
    var n = 0;
    S.unread.forEach(function (id) { var c = S.convs.get(id); if (c && isOpen(c)) n++; });
    var want = (n ? '(' + n + ') ' : '') + baseTitle;
    if (document.title !== want) document.title = want;
  }

  // ------------------------------------------------------------------ toasts
  var toasts = hook('toasts');
  function toast(text, kind) {
    var el = h('div', { class: 'toast', role: kind === 'error' ? 'alert' : 'status', 'data-chat': 'toast', 'data-kind': kind || 'info' },
      h('span', { class: 'toast-text' }, text),
      h('button', { type: 'button', class: 'toast-close', 'aria-label': '×', onclick: function () { el.remove(); } }, '\u00d7'));
    toasts.appendChild(el);
    while (toasts.children.length > 4) toasts.removeChild(toasts.firstChild);
    setTimeout(function () { if (el.parentNode) el.remove(); }, kind === 'error' ? 7000 : 5000);
  }
  function errorText(code, message) {
    var k = 'error.' + code;
    if (code && Object.prototype.hasOwnProperty.call(T, k)) return T[k];
    return message || t('error.generic');
  }

  // ------------------------------------------------------------------ connection
  var ws = null;
  var attempts = 0;
  var reconnectTimer = null;
  var connEl = hook('connection');

  function setConn(state) {
    connEl.setAttribute('data-state', state);
    $('.conn-label', connEl).textContent = t('conn.' + state);
    composer.classList.toggle('is-offline', state !== 'online');
  }

  function send(frame) {
    if (!ws || ws.readyState !== 1) return false;
    try { ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setConn('connecting');
    var url = (window.location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + window.location.host +
      '/ws/agent?token=' + encodeURIComponent(TOKEN);
    var sock;
    try { sock = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
    ws = sock;
    var welcomed = false;
    sock.onmessage = function (ev) {
      if (ws !== sock) return;
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (!f || typeof f !== 'object') return;
      if (f.type === 'welcome') welcomed = true;
      guard(function () { handle(f); });
    };
    sock.onclose = function () {
      if (ws !== sock) return;
      ws = null;
      setConn('offline');
      typingState.active = false;
      scheduleReconnect(!welcomed);
    };
    sock.onerror = function () { /* onclose follows */ };
  }

  function scheduleReconnect(neverWelcomed) {
    if (reconnectTimer) return;
    var delay = Math.min(RECONNECT_MAX, RECONNECT_MIN * Math.pow(2, attempts));
    delay = Math.round(delay * (0.85 + Math.random() * 0.15));
    attempts++;
    // A refused handshake looks like any network failure; ask the API whether the token still works.
    if (neverWelcomed && attempts >= 3 && attempts % 3 === 0) {
      api('/api/v1/conversations?status=open').catch(function () { /* 401 handled in api() */ });
    }
    reconnectTimer = setTimeout(connect, Math.max(RECONNECT_MIN, delay));
  }

  window.addEventListener('online', function () { if (!ws) { attempts = 0; connect(); } });

  // ------------------------------------------------------------------ frames
  function handle(f) {
    switch (f.type) {
      case 'welcome': onWelcome(f); break;
      case 'ack': onAck(f); break;
      case 'error': onError(f); break;
      case 'message.created': onMessage(f.message); break;
      case 'conversation.created': onConversation(f.conversation, true); break;
      case 'conversation.updated': onConversation(f.conversation, false); break;
      case 'visitor.updated': onVisitor(f.visitor); break;
      case 'visitor.left': onVisitorLeft(f.visitor_id); break;
      case 'typing': onTyping(f); break;
      case 'sla.warning': onSla(f, 'warn'); break;
      case 'sla.breached': onSla(f, 'bad'); break;
      default: break; // unknown frames are allowed to appear; ignore them
    }
  }

  function onWelcome(f) {
    var reconnect = S.welcomed;
    attempts = 0;
    setConn('online');
    if (f.agent && f.agent.id) ME = Object.assign({}, ME, f.agent);
    if (f.sla) SLA = normaliseSla(Object.assign({}, SLA, f.sla));
    S.agentsOnline = typeof f.agents_online === 'number' ? f.agents_online : null;
    renderAgentsOnline();

    var fresh = new Set();
    (f.conversations || []).forEach(function (c) { fresh.add(c.id); upsertConv(c); });
    // Open conversations we knew but the server no longer lists were resolved while we were away.
    S.convs.forEach(function (c, id) {
      if (isOpen(c) && !fresh.has(id)) {
        if (id === S.current) loadConversation(id);
        else S.convs.delete(id);
      }
    });
    var now = Date.now();
    var vis = new Map();
    (f.visitors || []).forEach(function (v) { if (v && v.id) { v._at = now; vis.set(v.id, v); } });
    S.visitors = vis;
    S.welcomed = true;
    computeUnreadFromSeen();
    if (reconnect) {
      S.typing.clear();
      if (S.current) { S.loaded.delete(S.current); loadConversation(S.current); }
      if (S.tab === 'resolved') loadResolved();
    }
    if (S.selVisitor) loadVisitor(S.selVisitor);
    // Frames that were never acknowledged are resent; the server dedupes on client_id.
    S.pending.forEach(function (p) { if (!p.failed) { p.at = Date.now(); send(p.frame); } });
    schedule('list', 'visitors', 'chat', 'panel');
  }

  function renderAgentsOnline() {
    var el = hook('agents-online');
    if (S.agentsOnline === null) { el.hidden = true; return; }
    el.hidden = false;
    el.textContent = S.agentsOnline === 1 ? t('console.agents_online_one') : t('console.agents_online', { n: S.agentsOnline });
  }

  function onAck(f) {
    var p = f.client_id ? S.pending.get(f.client_id) : null;
    if (f.conversation) upsertConv(f.conversation);
    var m = f.message;
    if (p && p.kind === 'invite' && m && m.conversation_id) {
      S.pending.delete(f.client_id);
      if (!S.convs.has(m.conversation_id)) {
        upsertConv({ id: m.conversation_id, visitor_id: p.visitor_id, status: 'open', created_at: m.created_at, last_seq: m.seq });
        loadConversation(m.conversation_id);
      }
      var fresh = addMessage(m);
      if (S.invite === p.visitor_id) openConversation(m.conversation_id, true);
      else if (fresh) showMessage(m);
      renderPending();
      schedule('list', 'visitors', 'chat', 'panel');
      return;
    }
    if (m) {
      if (f.client_id) S.pending.delete(f.client_id);
      if (addMessage(m)) showMessage(m);
      renderPending();
      schedule('list');
    }
  }

  function onError(f) {
    var p = f.ref ? S.pending.get(f.ref) : null;
    if (p) { p.failed = true; renderPending(); }
    if (S.resolving) { S.resolving = null; schedule('chat'); }
    toast(errorText(f.code, f.message), 'error');
  }

  function onMessage(m) {
    if (!m) return;
    if (!S.convs.has(m.conversation_id)) {
      // A message for a conversation we have not seen yet: fetch it so the list stays complete.
      loadConversation(m.conversation_id);
    }
    if (addMessage(m)) showMessage(m);
    schedule('list');
  }

  function onConversation(c, created) {
    if (!c || !c.id) return;
    var known = S.convs.has(c.id);
    var merged = upsertConv(c);
    if (created && !known) {
      var ownInvite = false;
      S.pending.forEach(function (p) {
        if (p.kind === 'invite' && p.visitor_id === c.visitor_id && !p.conversation_id) { p.conversation_id = c.id; ownInvite = true; }
      });
      if (ownInvite && S.invite === c.visitor_id) {
        openConversation(c.id, true);
      } else if (!ownInvite && (!c.assignee_id || c.assignee_id === ME.id)) {
        S.unread.add(c.id);
        alertConversation(merged);
        if (S.invite === c.visitor_id) {
          // The visitor wrote first while we were composing an invitation: carry on in their conversation.
          openConversation(c.id, true);
        }
      }
    }
    if (merged && merged.status === 'resolved' && S.resolving === merged.id) S.resolving = null;
    if (merged && merged.id === S.current) {
      if (!S.loaded.has(merged.id)) loadConversation(merged.id);
    }
    schedule('list', 'visitors', 'chat', 'panel');
  }

  function onVisitor(v) {
    if (!v || !v.id) return;
    v._at = Date.now();
    var old = S.visitors.get(v.id);
    if (v.online === false) S.visitors.delete(v.id);
    else S.visitors.set(v.id, old ? Object.assign({}, old, v) : v);
    var d = S.details.get(v.id);
    if (d) {
      var merged = Object.assign({}, d, v);
      if (!v.pages || (d.pages && v.pages.length < d.pages.length)) merged.pages = d.pages;
      S.details.set(v.id, merged);
    }
    if (S.selVisitor === v.id) refreshVisitorSoon(v.id);
    if (S.selVisitor === v.id) schedule('visitors', 'list', 'panel', 'chat');
    else schedule('visitors', 'list');
  }

  function onVisitorLeft(vid) {
    if (!vid) return;
    var v = S.visitors.get(vid);
    S.visitors.delete(vid);
    var d = S.details.get(vid);
    if (d) d.online = false;
    if (v && S.invite === vid) toast(t('error.visitor_offline'), 'warn');
    schedule('visitors', 'list', 'chat', 'panel');
  }

  function onTyping(f) {
    if (!f.conversation_id) return;
    var a = f.author || {};
    if (a.kind === 'agent' && a.id && a.id === ME.id) return;
    if (f.active) S.typing.set(f.conversation_id, { author: a, until: Date.now() + TYPING_SHOW_FOR });
    else S.typing.delete(f.conversation_id);
    if (f.conversation_id === S.current) renderTyping();
    schedule('list');
  }

  function onSla(f, level) {
    var c = S.convs.get(f.conversation_id);
    if (!c) return;
    c._sla = level;
    if (level === 'bad') {
      var secs = typeof f.waited_seconds === 'number' ? f.waited_seconds : null;
      var w = waitInfo(c);
      toast(t('sla.breached_toast', { name: convName(c), time: clock(secs !== null ? secs : (w ? w.waited : 0)) }), 'warn');
    }
    schedule('list', 'chat');
  }

  // ------------------------------------------------------------------ clock tick
  function tick() {
    guard(function () {
      convRows.forEach(function (el, id) {
        var c = S.convs.get(id);
        if (c && el.parentNode) tickConvRow(el, c);
      });
      visitorRows.forEach(function (el, id) {
        var v = S.visitors.get(id);
        if (v && el._p) el._p.tos.textContent = duration(liveTimeOnSite(v));
      });
      if (S.current) tickChatHead();
      panelTicks.forEach(function (fn) { fn(); });
      var now = Date.now();
      var expired = false;
      S.typing.forEach(function (ty, cid) { if (ty.until <= now) { S.typing.delete(cid); expired = true; } });
      if (expired) { renderTyping(); schedule('list'); }
      // A frame that got no answer for a long time is shown as failed so the agent can retry.
      var stale = false;
      var open = !!(ws && ws.readyState === 1);
      S.pending.forEach(function (p) { if (!p.failed && open && now - p.at > 15000) { p.failed = true; stale = true; } });
      if (stale) renderPending();
    });
  }

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && S.current) { markSeen(S.current); schedule('list'); }
  });
  window.addEventListener('focus', function () { if (S.current) { markSeen(S.current); schedule('list'); } });

  // ------------------------------------------------------------------ start
  renderSoundBtn();
  renderNotifyBtn();
  updateComposerMode();
  schedule('list', 'visitors', 'chat', 'panel');
  setInterval(tick, 1000);
  connect();
}());
