/*!
 * Storefront live chat widget.
 * Plain ES2019, no dependencies, no build step. Served verbatim at /widget.js.
 *
 * Embed:
 *   <script src="https://HOST/widget.js" data-site="KEY" async></script>
 * Optional attributes: data-lang="tr|en", data-consent="required",
 * data-color="#hex", data-position="left|right".
 *
 * Renders into an open shadow root. Test/integration hooks are data-chat
 * attributes (see docs/protocol.md): launcher, panel, input, send, message,
 * status, greeting, offline-form, rating, typing, error.
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
    var AVATARS = src.protocol + '//' + src.host + src.pathname.replace(/[^/]*$/, '') + 'api/v1/agents/';
    var WS_URL = (src.protocol === 'https:' ? 'wss://' : 'ws://') + src.host +
      src.pathname.replace(/[^/]*$/, '') + 'ws/visitor?site=' + encodeURIComponent(KEY);
    var PREFIX = 'chatw:' + KEY + ':';
    var EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

    // ---------------------------------------------------------------- i18n
    var STR = {
      en: {
        title: 'Support', open: 'Open chat', close: 'Close chat', minimize: 'Minimize chat',
        dialog: 'Chat with us', history: 'Conversation', unread: '{n} unread',
        placeholder: 'Write a message…', message: 'Message', send: 'Send',
        connecting: 'Connecting…', online: 'Online · we usually reply in minutes',
        away: 'Away · leave us a message', offline: 'Offline · reconnecting…',
        greeting: 'Hi there! How can we help you today?',
        sending: 'Sending…', queued: 'Waiting for connection…', failed: 'Not sent',
        typing: 'Typing…', typingName: '{name} is typing…', agent: 'Support',
        offTitle: 'We are away right now', offText: 'Leave us a message and we will reply by e-mail.',
        name: 'Your name', email: 'E-mail', submit: 'Send message',
        required: 'Please fill in all fields.', badEmail: 'Please enter a valid e-mail address.',
        thanks: 'Thanks, we will reply by e-mail.',
        rateTitle: 'How was this conversation?', rateComment: 'Add a comment (optional)',
        rateSubmit: 'Send rating', rateThanks: 'Thank you for your feedback!', star: '{n} of 5',
        ended: 'Conversation ended', consent: 'Chat becomes available once you accept cookies.',
        err: 'Something went wrong. Please try again.', slow: 'You are sending messages too fast.',
        tooLong: 'The message is too long (5000 characters at most).',
        queuePos: 'You are {n} in line', queueEta: 'about {n} minutes', queueEta1: 'about a minute',
        queueSoon: 'less than a minute'
      },
      tr: {
        title: 'Canlı destek', open: 'Sohbeti aç', close: 'Sohbeti kapat', minimize: 'Sohbeti küçült',
        dialog: 'Bizimle sohbet edin', history: 'Sohbet', unread: '{n} okunmamış mesaj',
        placeholder: 'Bir mesaj yazın…', message: 'Mesaj', send: 'Gönder',
        connecting: 'Bağlanıyor…', online: 'Çevrimiçi · hızlıca yanıtlıyoruz',
        away: 'Şu an müsait değiliz · mesaj bırakın', offline: 'Bağlantı yok · yeniden bağlanılıyor…',
        greeting: 'Merhaba! Size nasıl yardımcı olabiliriz?',
        sending: 'Gönderiliyor…', queued: 'Bağlantı bekleniyor…', failed: 'Gönderilemedi',
        typing: 'Yazıyor…', typingName: '{name} yazıyor…', agent: 'Destek',
        offTitle: 'Şu anda çevrimdışıyız', offText: 'Mesajınızı bırakın, size e-posta ile dönelim.',
        name: 'Adınız', email: 'E-posta', submit: 'Mesajı gönder',
        required: 'Lütfen tüm alanları doldurun.', badEmail: 'Lütfen geçerli bir e-posta adresi girin.',
        thanks: 'Teşekkürler, size e-posta ile dönüş yapacağız.',
        rateTitle: 'Bu görüşmeyi nasıl değerlendirirsiniz?', rateComment: 'Yorum ekleyin (isteğe bağlı)',
        rateSubmit: 'Puanı gönder', rateThanks: 'Geri bildiriminiz için teşekkürler!', star: '5 üzerinden {n}',
        ended: 'Görüşme sona erdi', consent: 'Sohbet, çerezleri kabul ettiğinizde kullanılabilir.',
        err: 'Bir sorun oluştu. Lütfen tekrar deneyin.', slow: 'Çok hızlı mesaj gönderiyorsunuz.',
        tooLong: 'Mesaj çok uzun (en fazla 5000 karakter).',
        queuePos: 'Sırada {n}. sıradasınız', queueEta: 'yaklaşık {n} dakika', queueEta1: 'yaklaşık 1 dakika',
        queueSoon: '1 dakikadan az'
      }
    };
    var ERR_KEYS = { rate_limited: 'slow', invalid_email: 'badEmail', too_long: 'tooLong', text_too_long: 'tooLong', message_too_long: 'tooLong' };

    function pickLang(siteLocale) {
      var c = [attr('lang'), document.documentElement.getAttribute('lang'), siteLocale, navigator.language];
      for (var i = 0; i < c.length; i++) if (c[i]) return /^tr/i.test(c[i]) ? 'tr' : 'en';
      return 'en';
    }
    var lang = pickLang();
    function t(k, n) {
      return String(STR[lang][k] || STR.en[k] || k).replace('{n}', n).replace('{name}', n);
    }

    // ------------------------------------------------------------- storage
    var consented = attr('consent') !== 'required';
    var mem = {};
    function ls() { try { return consented ? window.localStorage : null; } catch (e) { return null; } }
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

    // --------------------------------------------------------------- state
    var host, root, ui = {}, mounted = false, early = [];
    var isOpen = false, conn = consented ? 'connecting' : 'offline';
    var ws = null, wantConn = false, attempt = 0, retryTimer = 0, sentLastSeq = 0;
    var site = null, agentsOnline = -1, visitorId = null;
    var convId = null, convStatus = null, inviteConv = null, ratingFor = null, score = 0;
    var msgs = {};      // "conversation:seq" -> {conv, seq, author}
    var pend = {};      // client_id -> {el, item}
    var maxSeq = 0;     // highest seq rendered in the current conversation
    var unread = 0, offSent = false, pendingIdentify = null;
    var queue = null;   // {conv, position, eta}: our place while we wait for an agent (queue.updated)
    var handlers = {}, ready = false;

    function emit(ev, arg) {
      (handlers[ev] || []).slice().forEach(function (fn) { try { fn(arg); } catch (e) { /* page's bug */ } });
      try { window.dispatchEvent(new CustomEvent('chatwidget:' + ev, { detail: arg })); } catch (e) { /* old browser */ }
    }

    // ----------------------------------------------------------------- API
    function later(fn) {
      return function () {
        var a = arguments;
        try { if (mounted) return fn.apply(null, a); early.push(function () { fn.apply(null, a); }); } catch (e) { /* swallow */ }
      };
    }
    var api = {
      __cw: true,
      open: later(function () { setOpen(true, true); }),
      close: later(function () { setOpen(false, true); }),
      toggle: later(function () { setOpen(!isOpen, true); }),
      on: function (ev, fn) {
        if (typeof fn !== 'function') return;
        (handlers[ev] = handlers[ev] || []).push(fn);
        if (ev === 'ready' && ready) { try { fn(api); } catch (e) { /* page's bug */ } }
      },
      off: function (ev, fn) { handlers[ev] = (handlers[ev] || []).filter(function (f) { return f !== fn; }); },
      identify: function (who) {
        who = who || {};
        var f = { type: 'identify', name: String(who.name || ''), email: String(who.email || '') };
        if (!send(f)) pendingIdentify = f;
      },
      consent: function (yes) { try { setConsent(!!yes); } catch (e) { /* swallow */ } },
      state: function () { return conn; },
      unread: function () { return unread; }
    };
    var stub = window.ChatWidget;
    window.ChatWidget = api;
    // Calls queued before the script loaded: window.ChatWidget = [['open'], ['consent', true]]
    if (Array.isArray(stub)) stub.forEach(function (c) { try { api[c[0]].apply(null, c.slice(1)); } catch (e) { /* bad call */ } });

    // ------------------------------------------------------------- markup
    var CSS = [
      ':host{all:initial}',
      '.w{--c:#2563eb;--ct:#fff;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2937;-webkit-font-smoothing:antialiased;text-align:left}',
      '.w *,.w *::before,.w *::after{box-sizing:border-box}',
      '[hidden]{display:none!important}',
      'button,input,textarea{font:inherit;color:inherit;margin:0}',
      'button{cursor:pointer}',
      ':focus-visible{outline:2px solid var(--c);outline-offset:2px}',
      '.sr{position:absolute;top:0;left:0;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
      // launcher
      '.ln{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:60px;height:60px;border:0;border-radius:50%;padding:0;background:var(--c);color:var(--ct);box-shadow:0 6px 24px rgba(15,23,42,.25),0 2px 6px rgba(15,23,42,.12);display:flex;align-items:center;justify-content:center;transition:transform .2s ease}',
      '.ln:hover{transform:scale(1.06)}.ln:active{transform:scale(.96)}',
      '.ln:focus-visible{outline:3px solid var(--c);outline-offset:3px}',
      '.ln svg{position:absolute;width:28px;height:28px;transition:transform .25s ease,opacity .2s ease}',
      '.ln .i2{opacity:0;transform:rotate(-90deg)}',
      '.open .ln .i1{opacity:0;transform:rotate(90deg) scale(.6)}.open .ln .i2{opacity:1;transform:none}',
      '.bdg{position:absolute;top:-5px;right:-5px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#ef4444;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff;animation:pop .3s}',
      '.dot{position:absolute;width:14px;height:14px;border-radius:50%;border:2px solid #fff;background:#22c55e;transition:background .3s}',
      '.ln .dot{right:1px;bottom:1px}',
      '.w[data-away] .dot{background:#f59e0b}',
      '.w[data-conn=offline] .dot,.w[data-conn=connecting] .dot{background:#9ca3af}',
      // panel
      '.pn{position:fixed;right:20px;bottom:92px;z-index:2147483000;width:360px;height:560px;max-height:calc(100vh - 112px);background:#fff;border-radius:16px;box-shadow:0 18px 50px rgba(15,23,42,.22),0 3px 10px rgba(15,23,42,.08);display:flex;flex-direction:column;overflow:hidden;animation:in .22s cubic-bezier(.2,.8,.2,1);transform-origin:100% 100%}',
      '.left .ln,.left .pn{right:auto;left:20px}.left .pn{transform-origin:0 100%}',
      '@keyframes in{from{opacity:0;transform:translateY(14px) scale(.97)}}',
      '@keyframes pop{from{transform:scale(.4)}}',
      '.hd{flex:none;display:flex;align-items:center;gap:12px;padding:16px 12px 16px 18px;background:linear-gradient(135deg,rgba(255,255,255,.16),rgba(0,0,0,.16)),var(--c);color:var(--ct)}',
      '.hd :focus-visible{outline-color:currentColor}',
      '.av{position:relative;flex:none;width:42px;height:42px;border-radius:50%;background:rgba(255,255,255,.22);display:flex;align-items:center;justify-content:center;font-weight:700;font-size:18px;text-transform:uppercase}',
      '.av .dot{right:-2px;bottom:-2px;width:13px;height:13px}',
      '.av img{position:absolute;top:0;left:0;width:100%;height:100%;border-radius:50%;object-fit:cover;background:#fff}',
      '.ht{flex:1;min-width:0}',
      '.nm{font-weight:700;font-size:16px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}',
      '.st{font-size:12.5px;opacity:.88;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}',
      '.x{flex:none;width:36px;height:36px;border:0;border-radius:10px;background:transparent;display:flex;align-items:center;justify-content:center;transition:background .15s}',
      '.x:hover{background:rgba(255,255,255,.18)}.x svg{width:22px;height:22px}',
      '.bd{position:relative;flex:1;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:16px 14px 8px;background:#fff}',
      '.ls{display:flex;flex-direction:column;gap:4px}',
      // messages
      '.m{display:flex;flex-direction:column;max-width:80%;align-self:flex-start;align-items:flex-start;animation:in .18s ease-out}',
      '.m.v{align-self:flex-end;align-items:flex-end}',
      '.m.s{align-self:center;align-items:center;max-width:90%}',
      '.b{padding:9px 13px;border-radius:18px;background:#f1f3f6;color:#111827;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}',
      '.a .b{border-bottom-left-radius:6px}',
      '.v .b{background:var(--c);color:var(--ct);border-bottom-right-radius:6px}',
      '.s .b{background:transparent;color:#6b7280;font-size:12.5px;text-align:center;padding:4px 8px}',
      '.who{display:flex;align-items:center;gap:6px;font-size:12px;font-weight:600;color:#6b7280;margin:8px 0 3px 8px}',
      '.wa{flex:none;width:18px;height:18px;border-radius:50%;background:#e5e7eb center/cover no-repeat}',
      '.mt{font-size:11px;color:#9ca3af;margin:3px 8px 4px;display:flex;gap:6px}',
      '.s .mt{display:none}',
      '.m[data-pending] .b{opacity:.65}',
      '.m[data-failed] .b{background:#fee2e2;color:#991b1b}',
      '.m[data-failed] .mt{color:#dc2626}',
      '.sep{display:flex;align-items:center;gap:10px;color:#9ca3af;font-size:12px;margin:12px 0}',
      '.sep::before,.sep::after{content:"";flex:1;height:1px;background:#e5e7eb}',
      '.note{align-self:center;max-width:90%;margin:8px 0;padding:8px 12px;border-radius:10px;background:#ecfdf5;color:#065f46;font-size:13px;text-align:center}',
      // cards: consent, offline form, rating
      '.cd{margin:10px 0 6px;padding:16px;border:1px solid #e5e7eb;border-radius:14px;background:#fff;box-shadow:0 4px 14px rgba(15,23,42,.06);animation:in .2s ease-out}',
      '.cd h3{margin:0 0 4px;font-size:15px;font-weight:700;color:#111827}',
      '.cd p{margin:0 0 12px;font-size:13px;color:#4b5563}',
      '.cd label{display:block;margin-bottom:8px;font-size:12.5px;font-weight:600;color:#374151}',
      '.cd input,.cd textarea{display:block;width:100%;margin-top:4px;padding:9px 11px;border:1px solid #d1d5db;border-radius:10px;background:#fff;font-weight:400;font-size:14px;outline:0;resize:vertical;transition:border-color .15s,box-shadow .15s}',
      '.cd input:focus,.cd textarea:focus{border-color:var(--c);box-shadow:0 0 0 1px var(--c)}',
      '.cd [aria-invalid=true]{border-color:#dc2626}',
      '.btn{display:block;width:100%;padding:10px 14px;border:0;border-radius:10px;background:var(--c);color:var(--ct);font-weight:600;transition:filter .15s}',
      '.btn:hover{filter:brightness(1.08)}.btn:disabled{opacity:.45;cursor:default;filter:none}',
      '.fe{margin:-2px 0 10px;font-size:12.5px;color:#dc2626}',
      '.rt{text-align:center}',
      '.sts{display:flex;justify-content:center;gap:4px;margin:6px 0 12px}',
      '.sts button{width:42px;height:42px;padding:0;border:0;border-radius:10px;background:none;font-size:30px;line-height:1;color:#d1d5db;transition:transform .15s,color .15s}',
      '.sts button:hover{transform:scale(1.15);color:#fbbf24}.sts button.on{color:#f59e0b}',
      // typing, error, composer
      '.ty{display:flex;align-items:center;gap:8px;padding:2px 16px 8px;font-size:12px;color:#6b7280;background:#fff}',
      '.dt{display:inline-flex;gap:3px;padding:9px 11px;border-radius:14px;background:#f1f3f6}',
      '.dt i{width:6px;height:6px;border-radius:50%;background:#9ca3af;animation:bl 1.2s infinite}',
      '.dt i:nth-child(2){animation-delay:.15s}.dt i:nth-child(3){animation-delay:.3s}',
      '@keyframes bl{0%,60%,100%{transform:none;opacity:.45}30%{transform:translateY(-3px);opacity:1}}',
      '.qu{margin:0 12px 8px;padding:8px 12px;border-radius:10px;background:#eef2ff;color:#312e81;font-size:12.5px}',
      '.er{margin:0 12px 8px;padding:8px 12px;border-radius:10px;background:#fef2f2;color:#b91c1c;font-size:12.5px}',
      '.cp{position:relative;flex:none;display:flex;align-items:flex-end;gap:8px;padding:10px 10px 10px 16px;border-top:1px solid #eceef2;background:#fff;transition:box-shadow .15s}',
      '.cp:focus-within{box-shadow:inset 0 2px 0 var(--c)}',
      '.cp textarea{flex:1;min-height:40px;max-height:120px;padding:10px 0;border:0;outline:0;background:transparent;resize:none;line-height:1.4;font-size:14px}',
      '.cp textarea::placeholder{color:#9ca3af}',
      '.sd{flex:none;width:40px;height:40px;border:0;border-radius:50%;background:var(--c);color:var(--ct);display:flex;align-items:center;justify-content:center;transition:opacity .15s,transform .15s}',
      '.sd:hover{transform:scale(1.06)}.sd svg{width:19px;height:19px;margin-left:2px}',
      '.cp textarea:placeholder-shown+.sd{opacity:.4}',
      '@media (max-width:480px){.pn,.left .pn{top:0;right:0;bottom:0;left:0;width:100%;height:100%;max-height:none;border-radius:0}.open .ln{display:none}}',
      '@media (prefers-reduced-motion:reduce){.w *{animation:none!important;transition:none!important}}'
    ].join('\n');

    var ICON = function (cls, d, fill) {
      return '<svg class="' + cls + '" viewBox="0 0 24 24" aria-hidden="true" focusable="false" ' +
        (fill ? 'fill="currentColor"' : 'fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"') +
        '><path d="' + d + '"/></svg>';
    };
    var CHAT = 'M12 3C6.48 3 2 6.92 2 11.75c0 2.5 1.2 4.75 3.13 6.34-.2 1.35-.83 2.63-1.88 3.66 2.07 0 3.95-.72 5.43-1.9.99.28 2.1.4 3.32.4 5.52 0 10-3.92 10-8.75S17.52 3 12 3zM7.5 13.25a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm4.5 0a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm4.5 0a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3z';
    var SEND = 'M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z';
    var DOWN = 'M6 9l6 6 6-6';
    var stars = '';
    for (var s = 1; s <= 5; s++) stars += '<button type="button" data-score="' + s + '" aria-pressed="false">★</button>';

    // Constant markup only: every piece of data goes in through textContent.
    var HTML =
      '<div class="w" data-conn="' + conn + '">' +
      '<div class="pn" data-chat="panel" role="dialog" data-ta="aria-label:dialog" hidden>' +
      '<div class="hd"><div class="av"><span class="avl"></span><i class="dot"></i></div>' +
      '<div class="ht"><div class="nm"></div><div class="st" data-chat="status" data-state="' + conn + '"></div></div>' +
      '<button type="button" class="x" data-ta="aria-label:minimize;title:minimize">' + ICON('', DOWN) + '</button></div>' +
      '<div class="bd">' +
      '<div class="ls" data-chat="messages" role="log" aria-live="polite" data-ta="aria-label:history">' +
      '<div class="m a greet" data-chat="greeting"><div class="b"></div></div></div>' +
      '<div class="cd" data-chat="consent" hidden><p data-t="consent"></p></div>' +
      '<form class="cd" data-chat="offline-form" novalidate hidden><h3 data-t="offTitle"></h3><p data-t="offText"></p>' +
      '<label><span data-t="name"></span><input name="name" autocomplete="name" maxlength="200" required></label>' +
      '<label><span data-t="email"></span><input name="email" type="email" autocomplete="email" maxlength="254" required></label>' +
      '<label><span data-t="message"></span><textarea name="message" rows="2" maxlength="5000" required></textarea></label>' +
      '<div class="fe" role="alert" hidden></div><button type="submit" class="btn" data-t="submit"></button></form>' +
      '<form class="cd rt" data-chat="rating" hidden><h3 data-t="rateTitle"></h3>' +
      '<div class="sts" role="group" data-ta="aria-label:rateTitle">' + stars + '</div>' +
      '<label><span class="sr" data-t="rateComment"></span><textarea name="comment" rows="2" maxlength="2000" data-ta="placeholder:rateComment"></textarea></label>' +
      '<button type="submit" class="btn" data-t="rateSubmit" disabled></button></form>' +
      '</div>' +
      '<div class="qu" data-chat="queue" role="status" aria-live="polite" hidden></div>' +
      '<div class="ty" data-chat="typing" aria-hidden="true" hidden><span class="dt"><i></i><i></i><i></i></span><span class="tyt"></span></div>' +
      '<div class="er" data-chat="error" role="alert" hidden></div>' +
      '<form class="cp"><label for="cw-in" class="sr" data-t="message"></label>' +
      '<textarea id="cw-in" data-chat="input" rows="1" maxlength="5000" data-ta="placeholder:placeholder"></textarea>' +
      '<button type="submit" class="sd" data-chat="send" data-ta="aria-label:send;title:send">' + ICON('', SEND, 1) + '</button></form>' +
      '</div>' +
      '<button type="button" class="ln" data-chat="launcher" data-unread="0" aria-expanded="false">' +
      ICON('i1', CHAT, 1) + ICON('i2', DOWN) + '<span class="bdg" aria-hidden="true" hidden></span><i class="dot"></i></button>' +
      '</div>';

    function mount() {
      if (mounted) return;
      host = document.createElement('chat-widget');
      host.style.cssText = 'all:initial!important;display:block!important;position:static!important';
      root = host.attachShadow({ mode: 'open' });
      var sheetDone = false;
      try {
        if (root.adoptedStyleSheets && window.CSSStyleSheet && 'replaceSync' in CSSStyleSheet.prototype) {
          var sh = new CSSStyleSheet();
          sh.replaceSync(CSS);
          root.adoptedStyleSheets = [sh];
          sheetDone = true;
        }
      } catch (e) { /* fall back to <style> */ }
      if (!sheetDone) { var st = document.createElement('style'); st.textContent = CSS; root.appendChild(st); }
      var box = document.createElement('div');
      box.innerHTML = HTML;
      root.appendChild(ui.w = box.firstChild);
      var q = function (sel) { return root.querySelector(sel); };
      ui.panel = q('.pn'); ui.launcher = q('.ln'); ui.badge = q('.bdg'); ui.status = q('.st');
      ui.name = q('.nm'); ui.avatar = q('.avl'); ui.body = q('.bd'); ui.list = q('.ls');
      ui.greet = q('.greet .b'); ui.consent = q('[data-chat=consent]');
      ui.off = q('[data-chat=offline-form]'); ui.offErr = q('.fe');
      ui.rate = q('[data-chat=rating]'); ui.typing = q('.ty'); ui.typingText = q('.tyt');
      ui.err = q('.er'); ui.queue = q('.qu'); ui.form = q('.cp'); ui.input = q('.cp textarea');
      if (attr('position') === 'left') ui.w.classList.add('left');
      setColor(attr('color'));
      applyLang();
      wire();
      document.body.appendChild(host);
      mounted = true;
      outbox().forEach(renderPending);
      if (sget('open') === '1') setOpen(true, false);
      renderAll();
      early.splice(0).forEach(function (f) { try { f(); } catch (e) { /* swallow */ } });
      ready = true;
      emit('ready', api);
    }

    function applyLang() {
      root.querySelectorAll('[data-t]').forEach(function (e) { e.textContent = t(e.getAttribute('data-t')); });
      root.querySelectorAll('[data-ta]').forEach(function (e) {
        e.getAttribute('data-ta').split(';').forEach(function (p) { p = p.split(':'); e.setAttribute(p[0], t(p[1])); });
      });
      root.querySelectorAll('[data-score]').forEach(function (b) { b.setAttribute('aria-label', t('star', b.getAttribute('data-score'))); });
      ui.greet.textContent = (site && site.greeting && site.greeting[lang]) || t('greeting');
      showAgent(shownAgent);
      renderAll();
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

    // ------------------------------------------------------------- render
    function renderAll() {
      if (!ui.w) return;
      ui.w.setAttribute('data-conn', conn);
      if (agentsOnline === 0) ui.w.setAttribute('data-away', ''); else ui.w.removeAttribute('data-away');
      ui.status.setAttribute('data-state', conn);
      ui.status.textContent = t(conn === 'online' ? (agentsOnline === 0 ? 'away' : 'online') : conn);
      ui.launcher.setAttribute('aria-expanded', String(isOpen));
      ui.launcher.setAttribute('aria-label', t(isOpen ? 'close' : 'open') + (unread ? ' (' + t('unread', unread) + ')' : ''));
      ui.launcher.setAttribute('data-unread', String(unread));
      ui.badge.textContent = unread > 9 ? '9+' : String(unread);
      ui.badge.hidden = !unread;
      ui.consent.hidden = consented;
      var openConv = convId && convStatus !== 'resolved';
      ui.rate.hidden = !ratingFor;
      ui.off.hidden = !consented || agentsOnline !== 0 || !!openConv || offSent || !!ratingFor;
      ui.form.hidden = !ui.off.hidden; // one way to write while away: the form, which asks for an e-mail
      Object.keys(pend).forEach(function (cid) { setTick(pend[cid].el, t(conn === 'online' ? 'sending' : 'queued')); });
      renderQueue(openConv);
    }

    // "2nd in line, about 3 minutes" / "Sırada 2. sıradasınız, yaklaşık 3 dakika"
    function renderQueue(openConv) {
      var q = openConv && queue && queue.conv === convId ? queue : null;
      ui.queue.hidden = !q;
      if (!q) return;
      var n = q.position, ord = n;
      if (lang === 'en') {
        var tail = n % 100 > 10 && n % 100 < 14 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] || 'th';
        ord = n === 1 ? 'next' : n + tail;
      }
      var text = t('queuePos', ord), m = q.eta == null ? null : Math.round(q.eta / 60);
      if (m != null) text += ', ' + (q.eta < 30 ? t('queueSoon') : m <= 1 ? t('queueEta1') : t('queueEta', m));
      ui.queue.textContent = text;
    }

    function h(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }
    function hhmm(d) {
      d = new Date(d);
      if (isNaN(d)) d = new Date();
      return ('0' + d.getHours()).slice(-2) + ':' + ('0' + d.getMinutes()).slice(-2);
    }
    function setTick(el, text) { el.querySelector('.tk').textContent = text || ''; }

    function makeMsg(kind, text, when, name, authorId) {
      var e = h('div', 'm ' + kind.charAt(0));
      e.setAttribute('data-chat', 'message');
      e.setAttribute('data-author', kind);
      if (kind === 'agent') {
        var who = e.appendChild(h('div', 'who', name || t('agent')));
        if (authorId) { // a background, not an <img>: a message's markup never holds an image
          var pic = h('span', 'wa');
          pic.style.backgroundImage = 'url("' + AVATARS + encodeURIComponent(authorId) + '/avatar")';
          who.insertBefore(pic, who.firstChild);
        }
      }
      e.appendChild(h('div', 'b', text));
      var mt = h('div', 'mt'), tm = h('time', '', hhmm(when));
      if (typeof when === 'string') tm.setAttribute('datetime', when);
      mt.appendChild(tm);
      mt.appendChild(h('span', 'tk'));
      e.appendChild(mt);
      return e;
    }

    function nearBottom() { var b = ui.body; return b.scrollHeight - b.scrollTop - b.clientHeight < 80; }
    function toBottom() { ui.body.scrollTop = ui.body.scrollHeight; }

    function renderPending(item) {
      if (!item || !item.client_id || pend[item.client_id]) return;
      var e = makeMsg('visitor', item.text, item.t || Date.now());
      e.setAttribute('data-pending', 'true');
      pend[item.client_id] = { el: e, item: item };
      ui.list.appendChild(e);
      setTick(e, t(conn === 'online' ? 'sending' : 'queued'));
      toBottom();
    }

    function addNote(cls, text, hook) {
      var e = h('div', cls, text);
      if (hook) e.setAttribute('data-chat', hook);
      ui.list.appendChild(e);
      toBottom();
    }

    // The header shows the site until an agent has written in the conversation, then that agent
    // (name, and the picture or initials served at /api/v1/agents/{id}/avatar).
    var shownAgent = null;
    function showAgent(author) {
      shownAgent = author && author.id ? author : null;
      if (!ui.name) return;
      var n = shownAgent ? (shownAgent.name || t('agent')) : ((site && site.name) || t('title'));
      ui.name.textContent = n;
      ui.avatar.textContent = n.trim().charAt(0);
      var img = ui.avatar.parentNode.querySelector('img');
      if (!shownAgent) { if (img) img.remove(); ui.w.removeAttribute('data-agent'); return; }
      ui.w.setAttribute('data-agent', shownAgent.id);
      var url = AVATARS + encodeURIComponent(shownAgent.id) + '/avatar';
      if (img && img.getAttribute('src') === url) return;
      if (!img) {
        img = document.createElement('img');
        img.alt = '';
        img.setAttribute('data-chat', 'agent-avatar');
        img.onerror = function () { img.remove(); };
        ui.avatar.parentNode.insertBefore(img, ui.avatar.nextSibling);
      }
      img.src = url;
    }

    function newConversation(id) {
      if (convId === id) return;
      if (convId) showAgent(null);
      convId = id;
      convStatus = 'open';
      maxSeq = 0;
      if (ratingFor && ratingFor !== id) ratingFor = null;
    }

    function addMsg(m, ackCid) {
      if (!m || m.internal || typeof m.seq !== 'number') return;
      var cid = m.conversation_id, key = cid + ':' + m.seq;
      var ref = m.client_id || ackCid, p = ref && pend[ref];
      if (cid !== convId) newConversation(cid);
      if (ref) outboxDrop(ref);
      if (msgs[key]) { // already shown: drop a duplicate pending bubble, if any
        if (p && p.el.getAttribute('data-seq') == null) p.el.remove();
        if (p) delete pend[ref];
        return;
      }
      var kind = (m.author && m.author.kind) || 'system', e, stick = nearBottom();
      if (p) { // our own message acknowledged: the pending bubble becomes the message, in place
        delete pend[ref];
        e = p.el;
        e.removeAttribute('data-pending');
        e.removeAttribute('data-failed');
        setTick(e, '');
        var tm = e.querySelector('time');
        tm.textContent = hhmm(m.created_at);
        tm.setAttribute('datetime', m.created_at || '');
        stick = true;
      } else {
        e = makeMsg(kind, String(m.text == null ? '' : m.text), m.created_at, m.author && m.author.name, m.author && m.author.id);
        // insert in seq order, before trailing pending bubbles
        var at = ui.list.lastChild;
        while (at && (at.hasAttribute('data-pending') ||
          (at._cw && at._cw.conv === cid && at._cw.seq > m.seq))) at = at.previousSibling;
        ui.list.insertBefore(e, at ? at.nextSibling : ui.list.firstChild);
        if (kind === 'visitor') stick = true;
      }
      e._cw = { conv: cid, seq: m.seq };
      e.setAttribute('data-seq', String(m.seq));
      msgs[key] = { conv: cid, seq: m.seq, author: kind };
      if (m.seq > maxSeq) maxSeq = m.seq;
      if (kind === 'agent') { showTyping(false); if (cid === convId && m.author.id && (!shownAgent || shownAgent.id !== m.author.id || shownAgent.name !== m.author.name)) showAgent(m.author); }
      if (inviteConv === cid) { inviteConv = null; if (kind !== 'visitor' && !isOpen) setOpen(true, false); }
      if (stick) toBottom();
      updateUnread();
      emit('message', m);
    }

    function updateUnread() {
      var seen = jget('seen', {});
      if (isOpen && convId && !(seen.c === convId && seen.s >= maxSeq)) jset('seen', seen = { c: convId, s: maxSeq });
      var base = seen.c === convId ? seen.s : 0, n = 0;
      Object.keys(msgs).forEach(function (k) {
        var x = msgs[k];
        if (x.conv === convId && x.author === 'agent' && x.seq > base) n++;
      });
      if (n !== unread) { unread = n; emit('unread', n); }
      renderAll();
    }

    var typingHide = 0;
    function showTyping(on, author) {
      clearTimeout(typingHide);
      if (!ui.typing) return;
      var kind = author && typeof author === 'object' ? author.kind : author;
      if (on && kind === 'visitor') return;
      var name = author && typeof author === 'object' ? author.name : (kind !== 'agent' ? author : null);
      ui.typingText.textContent = name ? t('typingName', name) : t('typing');
      ui.typing.hidden = !on;
      if (on) { typingHide = setTimeout(showTyping, 10000); if (nearBottom()) toBottom(); }
    }

    var errHide = 0;
    function showErr(text) {
      clearTimeout(errHide);
      ui.err.textContent = text;
      ui.err.hidden = false;
      errHide = setTimeout(function () { ui.err.hidden = true; }, 6000);
    }
    function errText(f) {
      var k = ERR_KEYS[f.code];
      return k && (lang === 'tr' || !f.message) ? t(k) : (f.message || t('err'));
    }

    // ------------------------------------------------------------- panel
    function setOpen(v, user) {
      if (v === isOpen) return;
      isOpen = v;
      ui.panel.hidden = !v;
      ui.w.classList.toggle('open', v);
      sset('open', v ? '1' : '0');
      if (v) {
        if (ui.off.hidden) toBottom(); else ui.body.scrollTop = 0;
        // The panel has just become visible; focus its first field unless the shopper already
        // clicked or tabbed into the panel, whose typing must not jump to another field.
        if (user) setTimeout(function () {
          if (ui.panel.contains(root.activeElement)) return;
          try { (ui.off.hidden ? ui.input : ui.off.elements.name).focus({ preventScroll: true }); } catch (e) { /* ignore */ }
        }, 40);
        updateUnread();
        emit('open');
      } else {
        if (root.activeElement || user) { try { ui.launcher.focus({ preventScroll: true }); } catch (e) { /* ignore */ } }
        renderAll();
        emit('close');
      }
    }

    // ------------------------------------------------------------ sending
    function uuid() {
      try { if (window.crypto && crypto.randomUUID) return crypto.randomUUID(); } catch (e) { /* insecure context */ }
      var b = [];
      try { b = Array.from(crypto.getRandomValues(new Uint8Array(16))); } catch (e) {
        for (var i = 0; i < 16; i++) b.push(Math.floor(Math.random() * 256));
      }
      b[6] = (b[6] & 15) | 64;
      b[8] = (b[8] & 63) | 128;
      var x = b.map(function (v) { return (v + 256).toString(16).slice(1); }).join('');
      return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
    }

    function sendText(text) {
      text = String(text || '').replace(/^\s+|\s+$/g, '');
      if (!text) return false;
      if (text.length > 5000) { showErr(t('tooLong')); return false; }
      var item = { client_id: uuid(), text: text, t: Date.now() };
      var o = outbox(); o.push(item); jset('outbox', o);
      renderPending(item);
      stopTyping();
      send({ type: 'message.send', client_id: item.client_id, text: text });
      return true;
    }

    function failMsg(cid, f) {
      var p = pend[cid];
      delete pend[cid];
      outboxDrop(cid);
      p.el.removeAttribute('data-pending');
      p.el.setAttribute('data-failed', 'true');
      setTick(p.el, t('failed') + ': ' + errText(f));
    }

    var tyOn = false, tyLast = 0, tyTimer = 0;
    function typingInput() {
      if (!ui.input.value.trim()) { stopTyping(); return; }
      var now = Date.now();
      if ((!tyOn || now - tyLast >= 2000) && send({ type: 'typing', active: true })) { tyOn = true; tyLast = now; }
      clearTimeout(tyTimer);
      tyTimer = setTimeout(stopTyping, 3000);
    }
    function stopTyping() {
      clearTimeout(tyTimer);
      if (tyOn) { tyOn = false; send({ type: 'typing', active: false }); }
    }

    // ---------------------------------------------------------- connection
    function send(f) {
      if (!ws || ws.readyState !== 1 || conn !== 'online') return false;
      try { ws.send(JSON.stringify(f)); return true; } catch (e) { return false; }
    }

    function setConn(c) {
      if (c === conn) return;
      conn = c;
      renderAll();
      emit('state', c);
    }

    function pageInfo() { return { url: location.href, title: document.title, referrer: document.referrer }; }

    function connect() {
      clearTimeout(retryTimer);
      retryTimer = 0;
      if (!consented || ws) return;
      wantConn = true;
      var sock;
      try { sock = new WebSocket(WS_URL); } catch (e) { lost(); return; }
      ws = sock;
      sock.onopen = function () {
        if (sock !== ws) return;
        sentLastSeq = maxSeq;
        try {
          sock.send(JSON.stringify({ type: 'hello', visitor_token: sget('token'), page: pageInfo(), last_seq: maxSeq }));
        } catch (e) { /* closing */ }
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
      tyOn = false;
      setConn('offline');
      showTyping(false);
      if (!wantConn || !consented) return;
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
      if (wantConn && !ws && consented) { attempt = 0; connect(); }
    }

    function handle(f) {
      switch (f.type) {
        case 'welcome': return onWelcome(f);
        case 'ack': if (f.message) addMsg(f.message, f.client_id); return;
        case 'message.created': return addMsg(f.message);
        case 'typing': return showTyping(!!f.active, f.author);
        case 'conversation.updated': return onConversation(f.conversation, true);
        case 'queue.updated':
          queue = { conv: f.conversation_id || convId, position: f.position, eta: f.estimated_wait_seconds };
          return renderAll();
        case 'rating.recorded':
          ratingFor = null;
          sset('rated', String(f.conversation_id || convId));
          addNote('note', t('rateThanks'), 'rating-thanks');
          renderAll();
          return;
        case 'error': return onError(f);
        default:
          if (typeof f.agents_online === 'number') { agentsOnline = f.agents_online; renderAll(); }
      }
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
        return;
      }
      if (f.site && typeof f.site === 'object') {
        site = f.site;
        if (!attr('color')) setColor(site.color);
        lang = pickLang(site.locale);
      }
      if (typeof f.agents_online === 'number') agentsOnline = f.agents_online;
      attempt = 0;
      setConn('online');
      applyLang();
      if (c) onConversation(c, false);
      // A reconnect in a background tab: hidden time must not count as dwell time.
      if (document.visibilityState && document.visibilityState !== 'visible') send({ type: 'visibility', visible: false });
      if (pendingIdentify) { send(pendingIdentify); pendingIdentify = null; }
      outbox().forEach(function (item) {
        renderPending(item);
        send({ type: 'message.send', client_id: item.client_id, text: item.text });
      });
      renderAll();
    }

    function onConversation(c, live) {
      if (!c || !c.id) return;
      if (c.id !== convId) {
        if (live && c.status === 'open') inviteConv = c.id; // agent-started (proactive) or our first message
        newConversation(c.id);
      }
      var was = convStatus;
      convStatus = c.status;
      if (c.assignee_id || c.status === 'resolved') queue = null; // someone has it now
      if (c.status === 'resolved') {
        if (live && was !== 'resolved') addNote('sep', t('ended'), 'divider');
        if (sget('rated') !== c.id && (live || Date.now() - Date.parse(c.resolved_at) < 36e5)) { ratingFor = c.id; resetRating(); }
        stopTyping();
        showTyping(false);
        if (live) toBottom();
      } else {
        ratingFor = null;
      }
      renderAll();
      if (ratingFor && live) toBottom();
    }

    function onError(f) {
      var p = f.ref && pend[f.ref];
      if (p) {
        if (f.code === 'rate_limited') {
          var item = p.item;
          setTimeout(function () {
            if (pend[item.client_id]) send({ type: 'message.send', client_id: item.client_id, text: item.text });
          }, 900 + Math.random() * 400);
        } else {
          failMsg(f.ref, f);
        }
        return;
      }
      if (f.ref) return; // refers to something already settled
      if (!ui.off.hidden) {
        ui.offErr.textContent = errText(f);
        ui.offErr.hidden = false;
      }
      showErr(errText(f));
    }

    // ------------------------------------------------------------- consent
    function setConsent(yes) {
      if (yes) {
        if (consented && (ws || wantConn)) return;
        consented = true;
        Object.keys(mem).forEach(function (k) { sset(k, mem[k]); }); // keep what was queued in memory
        setConn('connecting');
        attempt = 0;
        connect();
      } else {
        disconnect();
        sclear();
        consented = false;
        convId = convStatus = ratingFor = inviteConv = visitorId = null;
        msgs = {}; pend = {}; maxSeq = 0; offSent = false; agentsOnline = -1; queue = null;
        if (mounted) {
          ui.list.querySelectorAll('[data-chat]:not([data-chat=greeting])').forEach(function (e) { e.remove(); });
          updateUnread();
        }
      }
    }

    // --------------------------------------------------------------- wiring
    function resetRating() {
      score = 0;
      ui.rate.reset();
      ui.rate.querySelectorAll('[data-score]').forEach(function (b) { b.classList.remove('on'); b.setAttribute('aria-pressed', 'false'); });
      ui.rate.querySelector('.btn').disabled = true;
    }

    function wire() {
      ui.launcher.addEventListener('click', function () { setOpen(!isOpen, true); });
      ui.panel.querySelector('.x').addEventListener('click', function () { setOpen(false, true); });
      root.addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && isOpen) { e.stopPropagation(); setOpen(false, true); }
      });
      ui.form.addEventListener('submit', function (e) {
        e.preventDefault();
        if (sendText(ui.input.value)) { ui.input.value = ''; grow(); }
        try { ui.input.focus({ preventScroll: true }); } catch (er) { /* ignore */ }
      });
      ui.input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          if (sendText(ui.input.value)) { ui.input.value = ''; grow(); }
        }
      });
      ui.input.addEventListener('input', function () { grow(); typingInput(); });
      function grow() {
        ui.input.style.height = 'auto';
        ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + 'px';
      }

      ui.off.addEventListener('submit', function (e) {
        e.preventDefault();
        var f = ui.off.elements, name = f.name.value.trim(), email = f.email.value.trim(), text = f.message.value.trim();
        var bad = !name || !email || !text ? 'required' : (!EMAIL_RE.test(email) ? 'badEmail' : '');
        f.email.setAttribute('aria-invalid', String(bad === 'badEmail'));
        ui.offErr.textContent = bad ? t(bad) : '';
        ui.offErr.hidden = !bad;
        if (bad) return;
        api.identify({ name: name, email: email });
        offSent = true;
        sendText(text);
        addNote('note', t('thanks'), 'confirmation');
        ui.off.reset();
        renderAll();
        try { ui.input.focus({ preventScroll: true }); } catch (er) { /* ignore */ }
      });

      ui.rate.addEventListener('click', function (e) {
        var b = e.target.closest && e.target.closest('[data-score]');
        if (!b) return;
        score = +b.getAttribute('data-score');
        ui.rate.querySelectorAll('[data-score]').forEach(function (x) {
          var on = +x.getAttribute('data-score') <= score;
          x.classList.toggle('on', on);
          x.setAttribute('aria-pressed', String(+x.getAttribute('data-score') === score));
        });
        ui.rate.querySelector('.btn').disabled = false;
      });
      ui.rate.addEventListener('submit', function (e) {
        e.preventDefault();
        if (!score) return;
        var f = { type: 'rating.submit', score: score, comment: ui.rate.elements.comment.value.trim() };
        if (!send(f)) showErr(t('offline'));
        else ui.rate.querySelector('.btn').disabled = true;
      });
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
      if (v) reconnectNow();
    });
    window.addEventListener('pagehide', function () { send({ type: 'visibility', visible: false }); });
    window.addEventListener('pageshow', function (e) { if (e.persisted) reconnectNow(); });
    window.addEventListener('online', reconnectNow);

    // ----------------------------------------------------------------- go
    function start() {
      try {
        mount();
        if (consented) connect();
      } catch (e) { /* the shop keeps working without chat */ }
    }
    if (document.body) start();
    else document.addEventListener('DOMContentLoaded', start);
  }
})();
