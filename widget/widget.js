/*!
 * Storefront live chat widget: the part every storefront page loads.
 * Plain ES2019, no dependencies, no build step. Served verbatim at /widget.js.
 *
 * Embed: <script src="https://HOST/widget.js" data-site="KEY" async></script>
 * Optional attributes: data-lang="tr|en", data-consent="required", data-color="#hex", data-position="left|right".
 *
 * This file holds what must run before the shopper opens the chat: storage, the socket, the
 * frames kept in memory, page tracking, consent, the config check, the launcher with its unread
 * badge. The panel (/widget/panel-look.js + /widget/panel.js) is fetched when the shopper reaches
 * for the launcher, or a reply arrives, and replays the frames kept here; /widget/sse.js only
 * when WebSockets fail. See docs/frontend.md ("How the widget's code is split").
 * Renders into an open shadow root; hooks are data-chat attributes (docs/protocol.md).
 */
(function () {
  'use strict';
  // Must be read synchronously: currentScript is null once we yield.
  var currentScript = document.currentScript;

  try {
    if (window.ChatWidget && window.ChatWidget.__cw) return; // loaded twice
    var el = currentScript && currentScript.getAttribute('data-site') ? currentScript
      : document.querySelector('script[data-site][src*="widget"]') || document.querySelector('script[data-site]');
    if (el) boot(el);
  } catch (e) { /* never break the shop */ }

  function boot(script) {
    var attr = function (n) { return script.getAttribute('data-' + n); };
    var KEY = attr('site') || '';
    var src = new URL(script.src || '/widget.js', location.href);
    var ROOT = src.protocol + '//' + src.host + src.pathname.replace(/[^/]*$/, '');
    var WS_URL = ROOT.replace(/^http/, 'ws') + 'ws/visitor?site=' + encodeURIComponent(KEY);
    var PREFIX = 'chatw:' + KEY + ':';

    // ---------------------------------------------------------------- i18n
    // What the closed widget says; panel.js adds the rest of the table.
    var STR = {
      en: {
        open: 'Open chat', close: 'Close chat', unread: '{n} unread', newMsg: 'New message',
        loading: 'Loading…', connecting: 'Connecting…', online: 'Online · we usually reply in minutes',
        away: 'Away · leave us a message', offline: 'Offline · reconnecting…',
        blocked: 'Chat is unavailable on this page'
      },
      tr: {
        open: 'Sohbeti aç', close: 'Sohbeti kapat', unread: '{n} okunmamış mesaj', newMsg: 'Yeni mesaj',
        loading: 'Yükleniyor…', connecting: 'Bağlanıyor…', online: 'Çevrimiçi · hızlıca yanıtlıyoruz',
        away: 'Şu an müsait değiliz · mesaj bırakın', offline: 'Bağlantı yok · yeniden bağlanılıyor…',
        blocked: 'Sohbet bu sayfada kullanılamıyor'
      }
    };
    function pickLang(siteLocale) {
      var c = [chosenLang(), attr('lang'), document.documentElement.getAttribute('lang'), siteLocale, navigator.language];
      for (var i = 0; i < c.length; i++) if (c[i]) return /^tr/i.test(c[i]) ? 'tr' : 'en';
      return 'en';
    }
    function chosenLang() {
      if (chosen) return chosen;
      try { return window.localStorage.getItem(PREFIX + 'lang'); } catch (e) { return null; }
    }
    var chosen = null;
    // S: what the panel reads (and, for lang and muted, changes through cw).
    var S = { lang: pickLang(), consented: attr('consent') !== 'required', isOpen: false, unread: 0,
      site: null, agentsOnline: -1, emailOK: null, muted: false };
    S.conn = S.consented ? 'connecting' : 'offline';
    function t(k, n) {
      return String(STR[S.lang][k] || STR.en[k] || k).replace('{n}', n).replace('{name}', n);
    }

    // ------------------------------------------------------------- storage
    var mem = {};
    function ls() { try { return S.consented ? window.localStorage : null; } catch (e) { return null; } }
    function sget(k) {
      var v = null, s = ls();
      try { if (s) v = s.getItem(PREFIX + k); } catch (e) { /* blocked */ }
      return v != null ? v : (k in mem ? mem[k] : null);
    }
    function sset(k, v) {
      mem[k] = v;
      var s = ls();
      try { if (s) s.setItem(PREFIX + k, v); } catch (e) { /* full or blocked */ }
    }
    function jget(k, d) { try { var v = JSON.parse(sget(k)); return v == null ? d : v; } catch (e) { return d; } }
    function jset(k, v) { sset(k, JSON.stringify(v)); }
    function sclear() {
      mem = {};
      try {
        var s = window.localStorage, ks = [];
        for (var i = 0; i < s.length; i++) if (String(s.key(i)).indexOf(PREFIX) === 0) ks.push(s.key(i));
        ks.forEach(function (k) { s.removeItem(k); });
      } catch (e) { /* blocked */ }
    }
    function outbox() { var o = jget('outbox', []); return Array.isArray(o) ? o : []; }
    function outboxDrop(cid) { jset('outbox', outbox().filter(function (i) { return i.client_id !== cid; })); }
    S.muted = sget('mute') === '1';

    // --------------------------------------------------------------- state
    var host, root, ui = {}, mounted = false, early = [];
    var ws = null, wantConn = false, attempt = 0, retryTimer = 0, sentLastSeq = 0;
    var visitorId = null, convId = null, inviteConv = null;
    var msgs = {};      // "conversation:seq" -> {conv, seq, author}: the unread count and resume
    var maxSeq = 0;     // highest seq received in the current conversation
    var pendingIdentify = null;
    var handlers = {}, ready = false;
    // The panel, once /widget/panel.js has loaded; until then the frames wait in `kept`.
    var P = null, panelLoading = false, wantOpen = 0, kept = [];

    function emit(ev, arg) {
      (handlers[ev] || []).slice().forEach(function (fn) { try { fn(arg); } catch (e) { /* page's bug */ } });
      try { window.dispatchEvent(new CustomEvent('chatwidget:' + ev, { detail: arg })); } catch (e) { /* old browser */ }
    }

    // ----------------------------------------------------------------- API
    function later(fn) { // API calls before the launcher exists run once it does
      return function () { var a = arguments; try { if (mounted) fn.apply(null, a); else early.push(function () { fn.apply(null, a); }); } catch (e) { /* swallow */ } };
    }
    var api = {
      __cw: true,
      open: later(function () { setOpen(true, true); }),
      close: later(function () { setOpen(false, true); }),
      toggle: later(function () { setOpen(!(S.isOpen || wantOpen), true); }),
      on: function (ev, fn) {
        if (typeof fn === 'function') (handlers[ev] = handlers[ev] || []).push(fn);
        if (ev === 'ready' && ready && typeof fn === 'function') { try { fn(api); } catch (e) { /* page's bug */ } }
      },
      off: function (ev, fn) { handlers[ev] = (handlers[ev] || []).filter(function (f) { return f !== fn; }); },
      identify: function (who) {
        var f = { type: 'identify', name: String((who && who.name) || ''), email: String((who && who.email) || '') };
        if (!send(f)) pendingIdentify = f;
      },
      consent: function (yes) { try { setConsent(!!yes); } catch (e) { /* swallow */ } },
      state: function () { return S.conn; },
      unread: function () { return S.unread; }
    };
    var stub = window.ChatWidget;
    window.ChatWidget = api;
    // Calls queued before the script loaded: window.ChatWidget = [['open'], ['consent', true]]
    if (Array.isArray(stub)) stub.forEach(function (c) { try { api[c[0]].apply(null, c.slice(1)); } catch (e) { /* bad call */ } });

    // ------------------------------------------------------------- markup
    var CSS = [
      ':host{all:initial}',
      // In the top layer (popover) when the browser has one: above any z-index of the page.
      ':where(.ln,.pn)[popover]{top:auto;left:auto;margin:0;padding:0;border:0;overflow:visible;color:inherit}',
      '.w{--c:#2563eb;--ct:#fff;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif,"Apple Color Emoji","Segoe UI Emoji","Noto Color Emoji";color:#1f2937;-webkit-font-smoothing:antialiased;text-align:left}',
      '.w *,.w *::before,.w *::after{box-sizing:border-box}',
      '[hidden]{display:none!important}button,input,textarea{font:inherit;color:inherit;margin:0}button{cursor:pointer}',
      ':focus-visible{outline:2px solid var(--c);outline-offset:2px}',
      '.ln{position:fixed;right:20px;bottom:20px;z-index:2147483647;width:60px;height:60px;border:0;border-radius:50%;padding:0;background:var(--c);color:var(--ct);box-shadow:0 6px 24px rgba(15,23,42,.25),0 2px 6px rgba(15,23,42,.12);display:flex;align-items:center;justify-content:center;transition:transform .2s ease}',
      '.ln:hover{transform:scale(1.06)}.ln:active{transform:scale(.96)}.ln:focus-visible{outline:3px solid var(--c);outline-offset:3px}',
      '.ln svg{position:absolute;width:28px;height:28px;transition:transform .25s ease,opacity .2s ease}',
      '.ln .i2{opacity:0;transform:rotate(-90deg)}.open .ln .i1{opacity:0;transform:rotate(90deg) scale(.6)}.open .ln .i2{opacity:1;transform:none}',
      // Loading the panel: a ring turns around the launcher.
      '.ln[aria-busy=true]::after{content:"";position:absolute;inset:-5px;border:3px solid transparent;border-top-color:var(--c);border-radius:50%;animation:sp .8s linear infinite}',
      '@keyframes sp{to{transform:rotate(1turn)}}',
      '.bdg{position:absolute;top:-5px;right:-5px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#ef4444;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff;animation:pop .3s}',
      '.dot{position:absolute;width:14px;height:14px;border-radius:50%;border:2px solid #fff;background:#22c55e;transition:background .3s}',
      '.ln .dot{right:1px;bottom:1px}.w[data-away] .dot{background:#f59e0b}',
      '.w[data-conn=offline] .dot,.w[data-conn=connecting] .dot,.w[data-conn=blocked] .dot{background:#9ca3af}',
      '.left .ln{right:auto;left:20px}@keyframes pop{from{transform:scale(.4)}}@media (max-width:480px){.open .ln{display:none}}',
      '@media (prefers-reduced-motion:reduce){.w *{animation:none!important;transition:none!important}}'
    ].join('\n');

    var ICON = function (cls, d, fill) {
      return '<svg class="' + cls + '" viewBox="0 0 24 24" aria-hidden="true" focusable="false" ' + (fill ? 'fill="currentColor"'
        : 'fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"') + '><path d="' + d + '"/></svg>';
    };
    var CHAT = 'M12 3C6.48 3 2 6.92 2 11.75c0 2.5 1.2 4.75 3.13 6.34-.2 1.35-.83 2.63-1.88 3.66 2.07 0 3.95-.72 5.43-1.9.99.28 2.1.4 3.32.4 5.52 0 10-3.92 10-8.75S17.52 3 12 3zM7.5 13.25a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm4.5 0a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm4.5 0a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3z';
    var DOWN = 'M6 9l6 6 6-6';

    // The status line lives here so that the connection state is readable before the panel
    // exists; the panel moves it into its header.
    var HTML =
      '<div class="w" data-conn="' + S.conn + '">' +
      '<div class="st" data-chat="status" data-state="' + S.conn + '" hidden></div>' +
      '<button type="button" class="ln" data-chat="launcher" data-unread="0" aria-expanded="false">' +
      ICON('i1', CHAT, 1) + ICON('i2', DOWN) + '<span class="bdg" aria-hidden="true" hidden></span><i class="dot"></i></button>' +
      '</div>';

    function addSheet(css) {
      try {
        if (root.adoptedStyleSheets && window.CSSStyleSheet && 'replaceSync' in CSSStyleSheet.prototype) {
          var sh = new CSSStyleSheet();
          sh.replaceSync(css);
          root.adoptedStyleSheets = Array.prototype.concat.call([], Array.from(root.adoptedStyleSheets), [sh]);
          return;
        }
      } catch (e) { /* fall back to <style> */ }
      var st = document.createElement('style');
      st.textContent = css;
      root.insertBefore(st, ui.w || null); // after the sheets before it, before the markup
    }
    function mount() {
      if (mounted) return;
      host = document.createElement('chat-widget');
      host.style.cssText = 'all:initial!important;display:block!important;position:static!important';
      root = host.attachShadow({ mode: 'open' });
      addSheet(CSS);
      var box = document.createElement('div');
      box.innerHTML = HTML;
      root.appendChild(ui.w = box.firstChild);
      ui.launcher = root.querySelector('.ln'); ui.badge = root.querySelector('.bdg'); ui.status = root.querySelector('.st');
      if (attr('position') === 'left') ui.w.classList.add('left');
      setColor(attr('color'));
      wireLauncher();
      document.body.appendChild(host);
      mounted = true;
      if (sget('open') === '1' || outbox().length) loadPanel(); // the shopper was chatting on the last page
      if (sget('open') === '1') setOpen(true, false);
      renderAll();
      early.splice(0).forEach(function (f) { try { f(); } catch (e) { /* swallow */ } });
      ready = true;
      emit('ready', api);
    }
    function setColor(c) {
      if (!/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c || '')) return false;
      var h = c.length === 4 ? c.replace(/[0-9a-f]/gi, '$&$&') : c;
      var rgb = [1, 3, 5].map(function (i) { return parseInt(h.substr(i, 2), 16) / 255; })
        .map(function (v) { return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
      var lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
      ui.w.style.setProperty('--c', h);
      ui.w.style.setProperty('--ct', lum > 0.45 ? '#111827' : '#fff');
      return true;
    }
    function renderAll() {
      if (!ui.w) return;
      var busy = !!wantOpen && !P, shown = S.isOpen || busy;
      ui.w.setAttribute('data-conn', S.conn);
      if (S.agentsOnline === 0) ui.w.setAttribute('data-away', ''); else ui.w.removeAttribute('data-away');
      ui.status.setAttribute('data-state', S.conn);
      ui.status.textContent = t(S.conn === 'online' ? (S.agentsOnline === 0 ? 'away' : 'online') : S.conn);
      ui.launcher.setAttribute('aria-expanded', String(S.isOpen));
      ui.launcher.setAttribute('aria-busy', String(busy));
      ui.launcher.setAttribute('aria-label', busy ? t('loading') :
        t(shown ? 'close' : 'open') + (S.unread ? ' (' + t('unread', S.unread) + ')' : ''));
      ui.launcher.setAttribute('data-unread', String(S.unread));
      ui.badge.textContent = S.unread > 9 ? '9+' : String(S.unread);
      ui.badge.hidden = !S.unread;
      if (P) P.render();
    }
    function applyLang() { renderAll(); if (P) P.applyLang(); }

    // The panel's code (panel-look.js: strings, styles, markup; panel.js: its work), fetched
    // once, on the first sign that the shopper wants it: pointer over or focus on the launcher,
    // a click, open(), a reply. Both files come from the server that served us, in parallel.
    function loadPanel() {
      if (P || panelLoading) return;
      panelLoading = true;
      var parts = {}, failed = function () { panelLoading = false; wantOpen = 0; renderAll(); }; // a later click tries again
      window.__cwPanel = function (name, part) {
        parts[name] = part;
        if (!parts.look || !parts.make || P) return;
        delete window.__cwPanel;
        P = parts.make(cw, parts.look);
        kept.splice(0).forEach(function (f) { try { P.frame(f); } catch (e) { /* never throw */ } });
        renderAll();
        if (wantOpen) setOpen(true, wantOpen === 2);
      };
      loadScript('panel-look', failed);
      loadScript('panel', failed);
    }
    // One of our own scripts, from the server that served us (widget/NAME.js).
    function loadScript(name, failed) {
      var sc = document.createElement('script');
      sc.src = ROOT + 'widget/' + name + '.js';
      sc.async = true;
      sc.onerror = function () { sc.remove(); failed(); };
      document.head.appendChild(sc);
    }

    // ------------------------------------------------------------- opening
    function setOpen(v, user) {
      if (v && !P) { wantOpen = user ? 2 : 1; loadPanel(); renderAll(); return; }
      wantOpen = 0;
      if (v === S.isOpen) { renderAll(); return; }
      S.isOpen = v;
      sset('open', v ? '1' : '0');
      ui.w.classList.toggle('open', v);
      P.open(v, user);
      if (!v && (root.activeElement || user)) { try { ui.launcher.focus({ preventScroll: true }); } catch (e) { /* ignore */ } }
      updateUnread(); // opened: what is in front of the shopper is seen
      emit(v ? 'open' : 'close');
    }
    function wireLauncher() {
      ui.launcher.addEventListener('click', function () { setOpen(!(S.isOpen || wantOpen), true); });
      ui.launcher.addEventListener('pointerenter', loadPanel);
      ui.launcher.addEventListener('focus', loadPanel);
      root.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && S.isOpen) { e.stopPropagation(); setOpen(false, true); }
      });
      // Browsers allow sound only after a gesture: the shopper's first touch of the widget.
      root.addEventListener('pointerdown', function () {
        if (audio) return;
        try { var AC = window.AudioContext || window.webkitAudioContext; if (AC) audio = new AC(); } catch (e) { /* none */ }
      });
      setTimeout(function () { layer(ui.launcher, true); }, 0);
    }

    // The launcher and the panel go to the top layer, where no z-index of the page reaches.
    function layer(e, on) {
      try {
        if (!e.showPopover) return;
        if (!e.hasAttribute('popover')) e.setAttribute('popover', 'manual');
        if (on && !e.matches(':popover-open')) e.showPopover();
        if (!on && e.matches(':popover-open')) e.hidePopover();
      } catch (x) { /* not in the document yet */ }
    }
    function msgFrame(item) {
      var f = { type: 'message.send', client_id: item.client_id, text: item.text };
      if (item.attachments) f.attachments = item.attachments;
      return f;
    }

    // ---------------------------------------------------------- connection
    function send(f) {
      if (!ws || ws.readyState !== 1 || S.conn !== 'online') return false;
      try { ws.send(JSON.stringify(f)); return true; } catch (e) { return false; }
    }
    function setConn(c) {
      if (c !== S.conn) { S.conn = c; renderAll(); emit('state', c); }
    }
    function pageInfo() { return { url: location.href, title: document.title, referrer: document.referrer }; }

    // Fallback transport (CONTRACT section 13, widget/sse.js): where WebSockets cannot be used (the
    // constructor throws, or a socket fails twice without ever opening, e.g. a proxy answering
    // non-101). Its code is fetched only then. A new page load tries WebSockets again.
    var useSse = false, wsFails = 0, wsOpened = false, sseSocket = null, sseLoading = false;
    function openSocket() {
      if (!useSse) {
        try {
          var s = new WebSocket(WS_URL);
          s.addEventListener('open', function () { wsOpened = true; });
          s.addEventListener('close', function () { if (!wsOpened && ++wsFails >= 2) useSse = true; });
          return s;
        } catch (e) { useSse = true; }
      }
      if (sseSocket) return sseSocket(ROOT, KEY);
      if (!sseLoading) {
        sseLoading = true;
        window.__cwSse = function (make) { delete window.__cwSse; sseSocket = make; connect(); };
        loadScript('sse', function () { sseLoading = false; lost(); });
      }
      return null;
    }
    function connect() {
      clearTimeout(retryTimer);
      retryTimer = 0;
      if (!S.consented || ws || blocked) return;
      wantConn = true;
      var sock = openSocket();
      if (!sock) return; // the fallback's code is on its way; it calls connect() again
      ws = sock;
      sock.onopen = function () {
        if (sock !== ws) return;
        sentLastSeq = maxSeq;
        var hello = { type: 'hello', visitor_token: sget('token'), page: pageInfo(), last_seq: maxSeq, locale: S.lang };
        try { sock.send(JSON.stringify(hello)); } catch (e) { /* closing */ }
      };
      sock.onmessage = function (ev) {
        if (sock !== ws) return;
        var f;
        try { f = JSON.parse(ev.data); } catch (e) { return; }
        try { if (f && typeof f === 'object') handle(f); } catch (e) { /* never throw */ }
      };
      sock.onclose = function () { if (sock === ws) { ws = null; lost(); } };
      sock.onerror = function () { /* onclose follows */ };
    }
    function lost() {
      ws = null;
      setConn('offline');
      if (P) P.lost();
      if (!wantConn || !S.consented) return;
      var base = Math.min(10000, 500 * Math.pow(2, attempt++));
      retryTimer = setTimeout(connect, Math.min(10000, base * (0.8 + Math.random() * 0.4)));
    }
    function disconnect() {
      wantConn = false;
      clearTimeout(retryTimer);
      var sock = ws;
      ws = null;
      if (sock) { try { sock.close(1000); } catch (e) { /* ignore */ } }
      setConn('offline');
    }
    function reconnectNow() {
      if (wantConn && !ws && S.consented) { attempt = 0; connect(); }
    }

    // ------------------------------------------------------------- frames
    // Every frame updates the model here, then goes to the panel, or waits for it in `kept`
    // (not typing indicators, stale by the time anyone looks, nor what the panel has no use for).
    function handle(f) {
      var m = null;
      switch (f.type) {
        case 'welcome': if (!onWelcome(f)) return; break;
        case 'ack': m = noteMsg(f.message, f.client_id); break;
        case 'message.created': m = noteMsg(f.message); break;
        case 'conversation.updated': noteConv(f.conversation, true); break;
        case 'rating.recorded': sset('rated', String(f.conversation_id || convId)); break;
        case 'typing': if (!P) return; break;
        default:
          if (typeof f.agents_online === 'number') { S.agentsOnline = f.agents_online; renderAll(); }
          if (!/^(queue\.updated|error|transcript\.queued|message\.seen)$/.test(f.type)) return; // none of the panel's
      }
      if (P) P.frame(f); else kept.push(f);
      if (m) afterMsg(m);
    }
    function onWelcome(f) {
      var c = f.conversation || null;
      if (f.visitor_token) sset('token', String(f.visitor_token));
      visitorId = f.visitor_id;
      if (sentLastSeq > 0 && c && c.id !== convId) {
        // Another conversation began while we were away: fetch it from the start.
        newConversation(c.id);
        var sock = ws;
        ws = null;
        try { sock.close(1000); } catch (e) { /* ignore */ }
        connect();
        return false;
      }
      if (f.site && typeof f.site === 'object') {
        S.site = f.site;
        if (!attr('color')) setColor(S.site.color);
        S.lang = pickLang(S.site.locale);
      }
      if (typeof f.agents_online === 'number') S.agentsOnline = f.agents_online;
      if (typeof f.email === 'boolean') S.emailOK = f.email;
      attempt = 0;
      setConn('online');
      if (c) noteConv(c, false);
      // A reconnect in a background tab: hidden time must not count as dwell time.
      if (document.visibilityState && document.visibilityState !== 'visible') send({ type: 'visibility', visible: false });
      if (pendingIdentify) { send(pendingIdentify); pendingIdentify = null; }
      outbox().forEach(function (item) { send(msgFrame(item)); });
      renderAll();
      return true;
    }
    function newConversation(id) { convId = id; maxSeq = 0; }
    function noteConv(c, live) {
      if (!c || !c.id || c.id === convId) return;
      if (live && c.status === 'open') inviteConv = c.id; // agent-started (proactive) or our first message
      newConversation(c.id);
    }
    function noteMsg(m, ackCid) {
      if (!m || m.internal || typeof m.seq !== 'number') return null;
      var cid = m.conversation_id, key = cid + ':' + m.seq, ref = m.client_id || ackCid;
      if (cid !== convId) newConversation(cid);
      if (ref) outboxDrop(ref);
      if (msgs[key]) return null;
      var kind = (m.author && m.author.kind) || 'system';
      msgs[key] = { conv: cid, seq: m.seq, author: kind };
      if (m.seq > maxSeq) maxSeq = m.seq;
      return m;
    }
    // After the panel has seen it (and, closed, rung for a reply: panel-look.js's alerts).
    function afterMsg(m) {
      var kind = msgs[m.conversation_id + ':' + m.seq].author;
      if (inviteConv === m.conversation_id) { inviteConv = null; if (kind !== 'visitor' && !S.isOpen) setOpen(true, false); }
      updateUnread();
      if (S.unread && kind !== 'visitor') loadPanel(); // an unread reply: the shopper will likely open
      emit('message', m);
    }
    function updateUnread() {
      var seen = jget('seen', {});
      if (S.isOpen && convId && !(seen.c === convId && seen.s >= maxSeq)) jset('seen', seen = { c: convId, s: maxSeq });
      var base = seen.c === convId ? seen.s : 0, n = 0;
      Object.keys(msgs).forEach(function (k) {
        var x = msgs[k];
        if (x.conv === convId && (x.author === 'agent' || x.author === 'bot') && x.seq > base) n++;
      });
      if (n !== S.unread) { S.unread = n; emit('unread', n); }
      if (P) P.polish(); // the shopper may be looking: stop the title flash, report what was seen
      renderAll();
    }

    // ------------------------------------------------------------- consent
    function setConsent(yes) {
      if (yes) {
        if (S.consented && (ws || wantConn)) return;
        S.consented = true;
        Object.keys(mem).forEach(function (k) { sset(k, mem[k]); }); // keep what was queued in memory
        setConn('connecting');
        attempt = 0;
        configure();
      } else {
        disconnect();
        sclear();
        S.consented = false;
        convId = inviteConv = visitorId = null;
        msgs = {}; maxSeq = 0; S.agentsOnline = -1; kept = [];
        if (P) P.reset();
        if (mounted) updateUnread();
      }
    }

    // ------------------------------------- config, alerts (docs/frontend.md)
    var CONFIG_URL = ROOT + 'api/v1/widget/config?site=' + encodeURIComponent(KEY);
    var cfgState = 0, blocked = false, audio = null; // audio: made on the shopper's first touch (wireLauncher)

    // One console line for the shop's developer, then no more tries: retrying cannot help.
    function stopFor(why) {
      if (blocked) return;
      blocked = true; wantConn = false;
      clearTimeout(retryTimer);
      try { console.error('[chat widget] ' + why); } catch (e) { /* no console */ }
      S.conn = 'blocked';
      if (mounted) renderAll();
      emit('state', S.conn);
    }
    document.addEventListener('securitypolicyviolation', function (e) {
      var uri = String(e.blockedURI || ''), dir = String(e.effectiveDirective || e.violatedDirective || '');
      if (uri.indexOf(src.host) < 0 || !/connect-src|default-src/.test(dir)) return;
      stopFor('The page\'s Content-Security-Policy blocks ' + src.host + ' (' + dir + '). Add "' +
        src.protocol + '//' + src.host + ' ' + WS_URL.split('/ws/')[0] + '" to connect-src; see the README\'s embed section.');
    });

    // GET /api/v1/widget/config first: a page whose origin the site does not allow would
    // only see its socket refused, again and again; the answer says why.
    function configure() {
      if (cfgState === 2) { connect(); return; }
      if (cfgState === 1 || blocked || !window.fetch) { if (!window.fetch) { cfgState = 2; connect(); } return; }
      cfgState = 1;
      var done = function () { cfgState = 2; if (!blocked) connect(); };
      fetch(CONFIG_URL, { credentials: 'omit', cache: 'no-store' }).then(function (r) {
        return r.json().then(null, function () { return {}; }).then(function (b) {
          var origin = location.origin;
          if (r.status === 403) {
            return stopFor('This page\'s origin ' + origin + ' is not allowed for site ' + KEY +
              '. Allow it with: chat-server sites update ' + KEY + ' --add-origin ' + origin);
          }
          if (r.status === 404) return stopFor('No site has the key "' + KEY + '" (data-site). See: chat-server sites list');
          if (r.ok && b && b.site) applyConfig(b);
          done();
        });
      }, function () {
        // Refused by the page's CSP (its event says so: stopFor) or the network failed: the
        // socket's own retries take over.
        setTimeout(function () { if (!blocked) done(); }, 100);
      });
    }
    function applyConfig(b) {
      if (!S.site) S.site = b.site;
      if (!attr('color')) setColor(b.site.color);
      S.lang = pickLang(b.site.locale);
      if (typeof b.agents_online === 'number') S.agentsOnline = b.agents_online;
      S.emailOK = !!b.email;
      applyLang();
      emit('config', b);
    }

    // -------------------------------------------------------- page tracking
    var lastUrl = location.href;
    function navigated() {
      setTimeout(function () { // let the SPA update document.title first
        var u = location.href;
        if (u.split('#')[0] === lastUrl.split('#')[0]) { lastUrl = u; return; }
        var ref = lastUrl;
        lastUrl = u;
        send({ type: 'page.view', url: u, title: document.title, referrer: ref });
      }, 50);
    }
    ['pushState', 'replaceState'].forEach(function (n) {
      var orig = history[n];
      if (typeof orig !== 'function') return;
      history[n] = function () {
        var r = orig.apply(this, arguments);
        try { navigated(); } catch (e) { /* never break the shop's router */ }
        return r;
      };
    });
    window.addEventListener('popstate', navigated);
    document.addEventListener('visibilitychange', function () {
      var v = document.visibilityState === 'visible';
      send({ type: 'visibility', visible: v });
      if (P) P.polish();
      if (v) reconnectNow();
    });
    window.addEventListener('pagehide', function () { send({ type: 'visibility', visible: false }); });
    window.addEventListener('pageshow', function (e) { if (e.persisted) reconnectNow(); });
    window.addEventListener('online', reconnectNow);

    // What panel.js (and, through it, attachments.js) may use.
    var cw = {
      S: S, STR: STR, t: t, attr: attr, KEY: KEY, ROOT: ROOT, ui: ui, api: api,
      root: function () { return root; }, audio: function () { return audio; }, addSheet: addSheet, layer: layer, ICON: ICON, DOWN: DOWN,
      sget: sget, sset: sset, jget: jget, jset: jset, outbox: outbox, outboxDrop: outboxDrop,
      send: send, msgFrame: msgFrame, emit: emit, setOpen: setOpen, renderAll: renderAll,
      updateUnread: updateUnread, applyLang: applyLang,
      setLang: function (l) { S.lang = chosen = l; sset('lang', l); applyLang(); }
    };

    // ----------------------------------------------------------------- go
    function start() {
      try { mount(); if (S.consented) configure(); } catch (e) { /* the shop keeps working without chat */ }
    }
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
  }
})();
