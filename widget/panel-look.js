/*!
 * Storefront live chat widget: what the panel says, looks and sounds like (strings in Turkish
 * and English, styles, markup, message bubbles, the beep and title flash for a reply). Data and
 * builders: widget.js loads it next to panel.js, which does the panel's work (docs/frontend.md).
 * Plain ES2019, no dependencies.
 */
(function () {
  'use strict';
  var register = window.__cwPanel;
  if (typeof register !== 'function') return;
  var STR = {
    en: {
      title: 'Support', minimize: 'Minimize chat', dialog: 'Chat with us', history: 'Conversation',
      placeholder: 'Write a message…', message: 'Message', send: 'Send',
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
      queueSoon: 'less than a minute',
      seen: 'Seen', mute: 'Mute sounds', unmute: 'Turn sounds on',
      other: 'TR', otherName: 'Türkçe',
      bot: 'Assistant', helpYes: 'Yes', helpNo: 'No', person: 'Talk to a person', helpQ: 'Did this help?',
      offTextNoMail: 'Leave us a message and we will answer here when we are back.',
      thanksNoMail: 'Thanks, we will answer here when we are back.',
      emailOpt: 'E-mail (optional)', trOpen: 'Email me the transcript', trSent: 'The transcript is on its way to {name}.',
      trLimit: 'You can ask for at most 3 transcripts a day.'
    },
    tr: {
      title: 'Canlı destek', minimize: 'Sohbeti küçült', dialog: 'Bizimle sohbet edin', history: 'Sohbet',
      placeholder: 'Bir mesaj yazın…', message: 'Mesaj', send: 'Gönder',
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
      queueSoon: '1 dakikadan az',
      seen: 'Görüldü', mute: 'Sesi kapat', unmute: 'Sesi aç',
      other: 'EN', otherName: 'English',
      bot: 'Asistan', helpYes: 'Evet', helpNo: 'Hayır', person: 'Bir temsilciyle görüşmek istiyorum',
      helpQ: 'Bu yanıt yardımcı oldu mu?',
      offTextNoMail: 'Mesajınızı bırakın, döndüğümüzde buradan yanıtlayacağız.',
      thanksNoMail: 'Teşekkürler, döndüğümüzde buradan yanıtlayacağız.',
      emailOpt: 'E-posta (isteğe bağlı)', trOpen: 'Sohbet dökümünü e-posta ile gönder', trSent: 'Sohbet dökümü {name} adresine gönderiliyor.',
      trLimit: 'Günde en fazla 3 sohbet dökümü isteyebilirsiniz.'
    }
  };
  var ERR_KEYS = { email_required: 'badEmail', rate_limited: 'slow', invalid_email: 'badEmail', too_long: 'tooLong', text_too_long: 'tooLong', message_too_long: 'tooLong' };
  var EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;

  var CSS = [
    '.sr{position:absolute;top:0;left:0;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}',
    '.left .pn{right:auto;left:20px;transform-origin:0 100%}',
    '.pn{position:fixed;right:20px;bottom:92px;z-index:2147483647;width:360px;height:560px;max-height:calc(100vh - 112px);background:#fff;border-radius:16px;box-shadow:0 18px 50px rgba(15,23,42,.22),0 3px 10px rgba(15,23,42,.08);display:flex;flex-direction:column;overflow:hidden;animation:in .22s cubic-bezier(.2,.8,.2,1);transform-origin:100% 100%}',
    '@keyframes in{from{opacity:0;transform:translateY(14px) scale(.97)}}',
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
    '.lg{font-size:12px;font-weight:700;letter-spacing:.04em}.mu svg{width:19px;height:19px}',
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
    '.mt{font-size:11px;color:#6b7280;margin:3px 8px 4px;display:flex;gap:6px}',
    '.s .mt{display:none}',
    '.m[data-pending] .b{opacity:.65}',
    '.m[data-failed] .b{background:#fee2e2;color:#991b1b}',
    '.m[data-failed] .mt{color:#dc2626}',
    '.sep{display:flex;align-items:center;gap:10px;color:#6b7280;font-size:12px;margin:12px 0}',
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
    '.ab{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px 8px}',
    '.ab button{font:inherit;font-size:13px;padding:6px 12px;border-radius:16px;border:1px solid #4b5563;background:#fff;color:#1f2937;cursor:pointer}',
    '.ab button:focus-visible{outline:2px solid var(--c);outline-offset:2px}',
    '.wb{flex:none;width:18px;height:18px;border-radius:50%;background:#374151;color:#fff;font-size:10px;line-height:18px;text-align:center}',
    '.qu{margin:0 12px 8px;padding:8px 12px;border-radius:10px;background:#eef2ff;color:#312e81;font-size:12.5px}',
    '.er{margin:0 12px 8px;padding:8px 12px;border-radius:10px;background:#fef2f2;color:#b91c1c;font-size:12.5px}',
    '.cp{position:relative;flex:none;display:flex;align-items:flex-end;gap:8px;padding:10px 10px 10px 16px;border-top:1px solid #eceef2;background:#fff;transition:box-shadow .15s}',
    '.cp:focus-within{box-shadow:inset 0 2px 0 var(--c)}',
    '.cp textarea{flex:1;min-height:40px;max-height:120px;padding:10px 0;border:0;outline:0;background:transparent;resize:none;line-height:1.4;font-size:14px}',
    '.cp textarea::placeholder{color:#9ca3af}',
    '.sd{flex:none;width:40px;height:40px;border:0;border-radius:50%;background:var(--c);color:var(--ct);display:flex;align-items:center;justify-content:center;transition:opacity .15s,transform .15s}',
    '.sd:hover{transform:scale(1.06)}.sd svg{width:19px;height:19px;margin-left:2px}',
    '.cp textarea:placeholder-shown+.sd{opacity:.4}',
    '@media (max-width:480px){.pn,.left .pn{top:0;right:0;bottom:0;left:0;width:100%;height:100%;max-height:none;border-radius:0}.hd{padding-top:calc(16px + env(safe-area-inset-top))}}'
  ].join('\n');

  var SEND = 'M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 .5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z';
  var SPEAKER = 'M11 5L6 9H2v6h4l5 4V5z', WAVES = 'M15.5 8.5a5 5 0 0 1 0 7M19 5a10 10 0 0 1 0 14', CROSS = 'M23 9l-6 6M17 9l6 6';

  // Constant markup only: every piece of data goes in through textContent.
  function markup(ICON, DOWN) {
    var stars = '';
    for (var s = 1; s <= 5; s++) stars += '<button type="button" data-score="' + s + '" aria-pressed="false">★</button>';
    return (
      '<div class="pn" data-chat="panel" role="dialog" data-ta="aria-label:dialog" hidden>' +
      '<div class="hd"><div class="av"><span class="avl"></span><i class="dot"></i></div>' +
      '<div class="ht"><div class="nm"></div></div>' +
      '<button type="button" class="x lg" data-chat="lang" data-t="other" data-ta="aria-label:otherName;title:otherName"></button>' +
      '<button type="button" class="x mu" data-chat="mute" aria-pressed="false"></button>' +
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
      '<form class="cd" data-chat="transcript" novalidate hidden>' +
      '<label><span data-t="email"></span><input name="email" type="email" autocomplete="email" maxlength="254" required></label>' +
      '<button type="submit" class="btn" data-t="trOpen"></button></form>' +
      '</div>' +
      '<div class="qu" data-chat="queue" role="status" aria-live="polite" hidden></div>' +
      '<div class="ab" data-chat="assistant-handover" hidden><button type="button"></button></div>' +
      '<div class="ty" data-chat="typing" aria-hidden="true" hidden><span class="dt"><i></i><i></i><i></i></span><span class="tyt"></span></div>' +
      '<div class="er" data-chat="error" role="alert" hidden></div>' +
      '<form class="cp"><label for="cw-in" class="sr" data-t="message"></label>' +
      '<textarea id="cw-in" data-chat="input" rows="1" maxlength="5000" data-ta="placeholder:placeholder"></textarea>' +
      '<button type="submit" class="sd" data-chat="send" data-ta="aria-label:send;title:send">' + ICON('', SEND, 1) + '</button></form>' +
      '</div>');
  }

  // Message bubbles and small DOM helpers, in the words of the current language (t).
  function dom(t, AVATARS) {
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
      if (kind === 'bot') { // the shop's assistant: its own label and mark, never an agent's picture
        var bw = e.appendChild(h('div', 'who', name || t('bot')));
        bw.insertBefore(h('span', 'wb', '✦'), bw.firstChild);
      }
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

    return { h: h, hhmm: hhmm, setTick: setTick, makeMsg: makeMsg };
  }

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

  // A reply while the panel is closed or the tab hidden: a short beep (unless muted) and
  // "(1) New message" flashing in the tab's title until the shopper looks (stop).
  function alerts(cw) {
    var S = cw.S, flashTimer = 0, baseTitle = null, flashN = 0;
    function beep(audio) {
      try {
        if (audio.state === 'suspended') audio.resume();
        var o = audio.createOscillator(), g = audio.createGain(), at = audio.currentTime;
        o.frequency.setValueAtTime(880, at);
        o.frequency.setValueAtTime(1320, at + 0.09);
        g.gain.setValueAtTime(0.0001, at);
        g.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
        o.connect(g);
        g.connect(audio.destination);
        o.start(at);
        o.stop(at + 0.26);
      } catch (e) { /* no sound then */ }
    }
    function reply(m) {
      if (S.isOpen && document.visibilityState !== 'hidden') return;
      var seen = cw.jget('seen', {}), audio = cw.audio();
      if (seen.c === m.conversation_id && seen.s >= m.seq) return;
      if (!m.created_at || Date.now() - Date.parse(m.created_at) > 60000) return; // backlog, not news
      if (!S.muted && audio) beep(audio); // audio exists once the shopper has touched the widget
      flashN++;
      if (baseTitle == null) baseTitle = document.title;
      clearInterval(flashTimer);
      var on = false, tick = function () { on = !on; document.title = on ? '(' + flashN + ') ' + cw.t('newMsg') : baseTitle; };
      tick();
      flashTimer = setInterval(tick, 1000);
      cw.emit('alert', { sound: !S.muted && !!audio, count: flashN });
    }
    function stop() {
      if (baseTitle == null) return;
      clearInterval(flashTimer);
      document.title = baseTitle;
      baseTitle = null;
      flashN = 0;
    }
    return { reply: reply, stop: stop };
  }

  register('look', { STR: STR, ERR_KEYS: ERR_KEYS, EMAIL_RE: EMAIL_RE, CSS: CSS, markup: markup, dom: dom, uuid: uuid, alerts: alerts,
    SEND: SEND, SPEAKER: SPEAKER, WAVES: WAVES, CROSS: CROSS });
})();
