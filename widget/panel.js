/*!
 * Storefront live chat widget: the panel (markup, rendering, forms, rating, history, the
 * assistant's buttons, read receipts, the language switch and the mute button).
 * widget.js loads this from the same server when the shopper reaches for the launcher, and hands
 * it the frames that arrived before (docs/frontend.md, "How the widget's code is split").
 * Plain ES2019, no dependencies.
 */
(function () {
  'use strict';
  var register = window.__cwPanel;
  if (typeof register !== 'function') return;

  // look: panel-look.js (strings, styles, markup, bubbles), loaded next to this file.
  register('make', function (cw, look) {
    var S = cw.S, ui = cw.ui, root = cw.root(), t = cw.t, send = cw.send;
    var ICON = cw.ICON, AVATARS = cw.ROOT + 'api/v1/agents/', EMAIL_RE = look.EMAIL_RE, ERR_KEYS = look.ERR_KEYS;
    var dom = look.dom(t, AVATARS), h = dom.h, hhmm = dom.hhmm, setTick = dom.setTick, makeMsg = dom.makeMsg;
    var STR = look.STR, alerts = look.alerts(cw);
    ['en', 'tr'].forEach(function (l) { Object.keys(STR[l]).forEach(function (k) { cw.STR[l][k] = STR[l][k]; }); });

    // What the panel has rendered (widget.js keeps its own model for the badge and resume).
    var convId = null, convStatus = null, ratingFor = null, score = 0;
    var msgs = {};      // "conversation:seq" -> {conv, seq, author}
    var pend = {};      // client_id -> {el, item}
    var maxSeq = 0;     // highest seq rendered in the current conversation
    var offSent = false, trWait = false, trDone = null;
    var queue = null;   // {conv, position, eta}: our place while we wait for an agent (queue.updated)
    var assist = null;  // conversation.assistant: {active, feedback_seq} while the shop's assistant answers
    var histDone = {}, seenSent = 0, seenConv = null, agentSeen = 0, agentSeenConv = null, shownAgent = null;

    function mount() {
      cw.addSheet(look.CSS);
      var box = document.createElement('div');
      box.innerHTML = look.markup(ICON, cw.DOWN);
      ui.w.insertBefore(ui.panel = box.firstChild, ui.launcher);
      var q = function (sel) { return root.querySelector(sel); };
      q('.ht').appendChild(ui.status); // the status line widget.js kept up to date, now visible
      ui.status.hidden = false;
      ui.name = q('.nm'); ui.avatar = q('.avl'); ui.body = q('.bd'); ui.list = q('.ls');
      ui.greet = q('.greet .b'); ui.consent = q('[data-chat=consent]');
      ui.off = q('[data-chat=offline-form]'); ui.offErr = q('.fe');
      ui.rate = q('[data-chat=rating]'); ui.tr = q('[data-chat=transcript]'); ui.typing = q('.ty'); ui.typingText = q('.tyt');
      ui.err = q('.er'); ui.queue = q('.qu'); ui.form = q('.cp'); ui.input = q('.cp textarea');
      ui.person = q('[data-chat=assistant-handover]');
      ui.person.firstChild.addEventListener('click', function () { send({ type: 'assistant.handover' }); ui.person.hidden = true; });
      wire();
      wireTranscript();
      wirePolish();
      cw.outbox().forEach(renderPending);
      applyLang();
      render();
    }

    function applyLang() {
      root.querySelectorAll('[data-t]').forEach(function (e) { e.textContent = t(e.getAttribute('data-t')); });
      root.querySelectorAll('[data-ta]').forEach(function (e) {
        e.getAttribute('data-ta').split(';').forEach(function (p) { p = p.split(':'); e.setAttribute(p[0], t(p[1])); });
      });
      root.querySelectorAll('[data-score]').forEach(function (b) { b.setAttribute('aria-label', t('star', b.getAttribute('data-score'))); });
      ui.greet.textContent = (S.site && S.site.greeting && S.site.greeting[S.lang]) || t('greeting');
      showAgent(shownAgent);
      renderMute();
      if (att) att.labels();
      showSeen(0);
    }

    // ------------------------------------------------------------- render
    function render() {
      ui.consent.hidden = S.consented;
      var openConv = convId && convStatus !== 'resolved';
      ui.rate.hidden = !ratingFor;
      ui.off.hidden = !S.consented || S.agentsOnline !== 0 || !!openConv || offSent || !!ratingFor ||
        !!(S.site && S.site.assistant && S.site.assistant !== 'off'); // the assistant answers in the chat
      ui.form.hidden = !ui.off.hidden; // one way to write while away: the form, which asks for an e-mail
      renderMail(openConv);
      Object.keys(pend).forEach(function (cid) { setTick(pend[cid].el, t(S.conn === 'online' ? 'sending' : 'queued')); });
      renderQueue(openConv);
    }

    // "2nd in line, about 3 minutes" / "Sırada 2. sıradasınız, yaklaşık 3 dakika"
    function renderQueue(openConv) {
      var q = openConv && queue && queue.conv === convId ? queue : null;
      ui.queue.hidden = !q;
      if (!q) return;
      var n = q.position, ord = n;
      if (S.lang === 'en') {
        var tail = n % 100 > 10 && n % 100 < 14 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] || 'th';
        ord = n === 1 ? 'next' : n + tail;
      }
      var text = t('queuePos', ord), m = q.eta == null ? null : Math.round(q.eta / 60);
      if (m != null) text += ', ' + (q.eta < 30 ? t('queueSoon') : m <= 1 ? t('queueEta1') : t('queueEta', m));
      ui.queue.textContent = text;
    }

    // The assistant: "Did this help? Yes / No" under its question, "Talk to a person" while it answers.
    function renderAssist() {
      var old = ui.list.querySelector('[data-chat=assistant-feedback]');
      if (old) old.remove();
      ui.person.hidden = !(assist && assist.active);
      ui.person.firstChild.textContent = t('person');
      var fs = assist && assist.active ? assist.feedback_seq : null;
      var at = fs == null ? null : ui.list.querySelector('[data-seq="' + fs + '"]');
      if (!at) return;
      var row = h('div', 'ab');
      row.setAttribute('data-chat', 'assistant-feedback');
      row.setAttribute('role', 'group');
      row.setAttribute('aria-label', t('helpQ'));
      [['helpYes', true], ['helpNo', false]].forEach(function (o) {
        var btn = row.appendChild(h('button', '', t(o[0])));
        btn.type = 'button';
        btn.setAttribute('data-helpful', String(o[1]));
        btn.addEventListener('click', function () {
          send({ type: 'assistant.feedback', seq: fs, helpful: o[1] });
          row.remove();
        });
      });
      var stick = nearBottom();
      at.parentNode.insertBefore(row, at.nextSibling);
      if (stick) toBottom();
    }

    function nearBottom() { var b = ui.body; return b.scrollHeight - b.scrollTop - b.clientHeight < 80; }
    function toBottom() { ui.body.scrollTop = ui.body.scrollHeight; }

    function renderPending(item) {
      if (!item || !item.client_id || pend[item.client_id]) return;
      var e = makeMsg('visitor', item.text, item.t || Date.now());
      e.setAttribute('data-pending', 'true');
      pend[item.client_id] = { el: e, item: item };
      ui.list.appendChild(e);
      setTick(e, t(S.conn === 'online' ? 'sending' : 'queued'));
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
    function showAgent(author) {
      shownAgent = author && author.id ? author : null;
      var n = shownAgent ? (shownAgent.name || t('agent')) : ((S.site && S.site.name) || t('title'));
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
      showFiles(e, m.attachments);
      msgs[key] = { conv: cid, seq: m.seq, author: kind };
      if (m.seq > maxSeq) maxSeq = m.seq;
      if (kind === 'agent' || kind === 'bot') alerts.reply(m);
      if (kind === 'agent') { showTyping(false); if (cid === convId && m.author.id && (!shownAgent || shownAgent.id !== m.author.id || shownAgent.name !== m.author.name)) showAgent(m.author); }
      if (kind === 'bot') renderAssist();
      if (stick) toBottom();
      cw.updateUnread();
    }

    var typingHide = 0;
    function showTyping(on, author) {
      clearTimeout(typingHide);
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
      return k && (S.lang === 'tr' || !f.message) ? t(k) : (f.message || t('err'));
    }

    // E-mail (CONTRACT §10): the offline form promises an e-mail reply, and asks for the
    // address, only when the server e-mails; a resolved conversation offers its transcript.
    function renderMail(openConv) {
      var p = ui.off.querySelector('p'), mail = ui.off.elements.email;
      p.setAttribute('data-t', S.emailOK ? 'offText' : 'offTextNoMail');
      p.textContent = t(p.getAttribute('data-t'));
      // Without e-mail the address stays optional: the shop may still write by hand.
      mail.required = !!S.emailOK;
      mail.previousSibling.setAttribute('data-t', S.emailOK ? 'email' : 'emailOpt');
      mail.previousSibling.textContent = t(mail.previousSibling.getAttribute('data-t'));
      ui.tr.hidden = !S.emailOK || !S.consented || !convId || !!openConv || trDone === convId;
      ui.tr.querySelector('.btn').disabled = trWait;
    }
    function wireTranscript() {
      ui.tr.addEventListener('submit', function (e) {
        e.preventDefault();
        var email = ui.tr.elements.email.value.trim();
        if (email && !EMAIL_RE.test(email)) { showErr(t('badEmail')); return; }
        var f = { type: 'transcript.request', conversation_id: convId };
        if (email) f.email = email;
        if (!send(f)) { showErr(t('offline')); return; }
        trWait = true;
        cw.renderAll();
      });
    }

    // ------------------------------------------------------------- panel
    // widget.js decides; this shows or hides the panel and puts the focus in it.
    function open(v, user) {
      ui.panel.hidden = !v;
      cw.layer(ui.panel, v);
      if (!v) return;
      loadAttachments();
      if (ui.off.hidden) toBottom(); else ui.body.scrollTop = 0;
      // The panel has just become visible; focus its first field unless the shopper already
      // clicked or tabbed into the panel, whose typing must not jump to another field.
      if (user) setTimeout(function () {
        if (ui.panel.contains(root.activeElement)) return;
        try { (ui.off.hidden ? ui.input : ui.off.elements.name).focus({ preventScroll: true }); } catch (e) { /* ignore */ }
      }, 40);
    }

    // ------------------------------------------------------------ sending
    function sendText(text) {
      text = String(text || '').replace(/^\s+|\s+$/g, '');
      var files = att ? att.ready() : [];
      if (!text && !files.length) return false;
      if (text.length > 5000) { showErr(t('tooLong')); return false; }
      var item = { client_id: look.uuid(), text: text, t: Date.now() };
      if (files.length) { item.attachments = files; att.clear(); }
      var o = cw.outbox(); o.push(item); cw.jset('outbox', o);
      renderPending(item);
      stopTyping();
      send(cw.msgFrame(item));
      return true;
    }

    // Attachments (CONTRACT section 12): the attach button, drag and drop, paste, previews and the
    // files in messages come from /widget/attachments.js, loaded the first time the panel opens.
    var att = null, attLoading = false;
    function loadAttachments() {
      if (attLoading) return;
      attLoading = true;
      window.__cwAttach = function (make) {
        delete window.__cwAttach;
        att = make({ root: root, ui: ui, t: t, lang: function () { return S.lang; }, base: cw.ROOT, key: cw.KEY,
          token: function () { return cw.sget('token'); }, showErr: showErr, addSheet: cw.addSheet });
        ui.list.querySelectorAll('[data-chat=message]').forEach(function (e) { if (e._files) att.render(e, e._files); });
      };
      var sc = document.createElement('script');
      sc.src = cw.ROOT + 'widget/attachments.js';
      sc.async = true;
      document.head.appendChild(sc);
    }
    function showFiles(e, files) { if (files && files.length) { e._files = files; if (att) att.render(e, files); } }

    function failMsg(cid, f) {
      var p = pend[cid];
      delete pend[cid];
      cw.outboxDrop(cid);
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

    // ------------------------------------------------------------- frames
    // The same frames widget.js handled, in the same order, as they arrive or replayed on load.
    function frame(f) {
      switch (f.type) {
        case 'welcome': return onWelcome(f);
        case 'ack': if (f.message) addMsg(f.message, f.client_id); return;
        case 'message.created': return addMsg(f.message);
        case 'typing': return showTyping(!!f.active, f.author);
        case 'conversation.updated': return onConversation(f.conversation, true);
        case 'queue.updated':
          queue = { conv: f.conversation_id || convId, position: f.position, eta: f.estimated_wait_seconds };
          return cw.renderAll();
        case 'rating.recorded':
          ratingFor = null;
          addNote('note', t('rateThanks'), 'rating-thanks');
          cw.renderAll();
          return;
        case 'error': return onError(f);
        case 'transcript.queued':
          trWait = false;
          trDone = f.conversation_id;
          addNote('note', t('trSent', f.email), 'transcript-queued');
          cw.renderAll();
          return;
        case 'message.seen': return showSeen(f.seq, f.conversation_id);
      }
    }

    function onWelcome(f) {
      var c = f.conversation || null;
      applyLang();
      if (c) onConversation(c, false);
      renderHistory(f.history, c);
      cw.outbox().forEach(renderPending);
      cw.renderAll();
    }

    function onConversation(c, live) {
      if (!c || !c.id) return;
      if (c.id !== convId) newConversation(c.id);
      var was = convStatus;
      convStatus = c.status;
      assist = c.status === 'open' && c.assistant ? c.assistant : null;
      renderAssist();
      if (c.assignee_id || c.status === 'resolved') queue = null; // someone has it now
      if (c.status === 'resolved') {
        if (live && was !== 'resolved') addNote('sep', t('ended'), 'divider');
        if (cw.sget('rated') !== c.id && (live || Date.now() - Date.parse(c.resolved_at) < 36e5)) { ratingFor = c.id; resetRating(); }
        stopTyping();
        showTyping(false);
        if (live) toBottom();
      } else {
        ratingFor = null;
      }
      cw.renderAll();
      if (ratingFor && live) toBottom();
    }

    function onError(f) {
      var p = f.ref && pend[f.ref];
      if (p) {
        if (f.code === 'rate_limited') {
          var item = p.item;
          setTimeout(function () {
            if (pend[item.client_id]) send(cw.msgFrame(item));
          }, 900 + Math.random() * 400);
        } else {
          failMsg(f.ref, f);
        }
        return;
      }
      if (f.ref) return; // refers to something already settled
      if (trWait) { trWait = false; showErr(f.code === 'rate_limited' ? t('trLimit') : errText(f)); cw.renderAll(); return; }
      if (!ui.off.hidden) {
        ui.offErr.textContent = errText(f);
        ui.offErr.hidden = false;
      }
      showErr(errText(f));
    }

    // The shopper withdrew consent: nothing of the conversation stays on the page.
    function reset() {
      convId = convStatus = ratingFor = null;
      msgs = {}; pend = {}; maxSeq = 0; offSent = false; queue = null;
      ui.list.querySelectorAll('[data-chat]:not([data-chat=greeting])').forEach(function (e) { e.remove(); });
    }

    function lost() {
      tyOn = false;
      showTyping(false);
    }

    // --------------------------------------------------------------- wiring
    function resetRating() {
      score = 0;
      ui.rate.reset();
      ui.rate.querySelectorAll('[data-score]').forEach(function (b) { b.classList.remove('on'); b.setAttribute('aria-pressed', 'false'); });
      ui.rate.querySelector('.btn').disabled = true;
    }

    function wire() {
      ui.panel.querySelector('.x:not([data-chat])').addEventListener('click', function () { cw.setOpen(false, true); });
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
        var bad = !name || (S.emailOK && !email) || !text ? 'required' : (email && !EMAIL_RE.test(email) ? 'badEmail' : '');
        f.email.setAttribute('aria-invalid', String(bad === 'badEmail'));
        ui.offErr.textContent = bad ? t(bad) : '';
        ui.offErr.hidden = !bad;
        if (bad) return;
        cw.api.identify({ name: name, email: email });
        offSent = true;
        sendText(text);
        addNote('note', t(S.emailOK ? 'thanks' : 'thanksNoMail'), 'confirmation');
        ui.off.reset();
        cw.renderAll();
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
        var f = { type: 'rating.submit', score: score, comment: ui.rate.elements.comment.value.trim(), conversation_id: ratingFor };
        if (!send(f)) showErr(t('offline'));
        else ui.rate.querySelector('.btn').disabled = true;
      });
    }

    // welcome.history: earlier conversations above the greeting, oldest first; the newest
    // one, resolved and not rated, still offers its rating (on any page, after reloads).
    function renderHistory(list, open) {
      if (open) showSeen(open.agent_seen_seq || 0, open.id);
      if (!Array.isArray(list)) return;
      var anchor = ui.list.querySelector('[data-chat=greeting]');
      list.slice().reverse().forEach(function (c) {
        if (!c || !c.id || histDone[c.id] || c.id === convId) return;
        histDone[c.id] = 1;
        if (Object.keys(msgs).some(function (k) { return k.indexOf(c.id + ':') === 0; })) return;
        (c.messages || []).forEach(function (m) {
          var key = c.id + ':' + m.seq, kind = (m.author && m.author.kind) || 'system';
          if (m.internal || msgs[key]) return;
          var e = makeMsg(kind, String(m.text == null ? '' : m.text), m.created_at, m.author && m.author.name, m.author && m.author.id);
          e._cw = { conv: c.id, seq: m.seq };
          e.setAttribute('data-seq', String(m.seq));
          e.setAttribute('data-history', c.id);
          showFiles(e, m.attachments);
          msgs[key] = { conv: c.id, seq: m.seq, author: kind };
          ui.list.insertBefore(e, anchor);
        });
        var sep = h('div', 'sep', t('ended'));
        sep.setAttribute('data-chat', 'divider');
        ui.list.insertBefore(sep, anchor);
      });
      var last = list[0];
      if (!open && !ratingFor && last && last.status === 'resolved' && last.rating == null && cw.sget('rated') !== last.id) {
        ratingFor = last.id;
        resetRating();
        cw.renderAll();
      }
      toBottom();
    }

    // The shopper may be looking: stop the title flash, report what is in front of it (read
    // receipts) and mark what the agent saw.
    function polish() {
      if (convId !== seenConv) { seenConv = convId; seenSent = 0; }
      var looking = S.isOpen && document.visibilityState !== 'hidden';
      if (looking) alerts.stop();
      if (looking && convId && maxSeq > seenSent) {
        var other = 0;
        Object.keys(msgs).forEach(function (k) { var x = msgs[k]; if (x.conv === convId && x.author !== 'visitor' && x.seq > other) other = x.seq; });
        if (other > seenSent && send({ type: 'message.seen', conversation_id: convId, seq: maxSeq })) seenSent = maxSeq;
      }
      showSeen(0);
    }
    function showSeen(seq, conv) {
      if (conv && conv !== convId) return;
      if (agentSeenConv !== convId) { agentSeenConv = convId; agentSeen = 0; }
      if (seq > agentSeen) agentSeen = seq;
      var old = ui.list.querySelector('[data-chat=seen]'), best = null;
      if (agentSeen) ui.list.querySelectorAll('[data-author=visitor]').forEach(function (e) { if (e._cw && e._cw.conv === convId && e._cw.seq <= agentSeen) best = e; });
      if (old && best && best.contains(old)) { old.textContent = t('seen'); return; }
      if (old) old.remove();
      if (!best) return;
      var mark = h('span', 'sn', t('seen'));
      mark.setAttribute('data-chat', 'seen');
      best.querySelector('.mt').appendChild(mark);
    }

    function renderMute() {
      var b = ui.panel.querySelector('[data-chat=mute]');
      b.innerHTML = ICON('', look.SPEAKER + (S.muted ? look.CROSS : look.WAVES));
      b.setAttribute('aria-pressed', String(S.muted));
      b.setAttribute('aria-label', t(S.muted ? 'unmute' : 'mute'));
      b.title = t(S.muted ? 'unmute' : 'mute');
    }
    function wirePolish() {
      ui.panel.querySelector('[data-chat=mute]').addEventListener('click', function () {
        S.muted = !S.muted;
        cw.sset('mute', S.muted ? '1' : '0');
        renderMute();
      });
      ui.panel.querySelector('[data-chat=lang]').addEventListener('click', function () {
        cw.setLang(S.lang === 'tr' ? 'en' : 'tr');
      });
    }

    mount();
    return { frame: frame, render: render, applyLang: applyLang, open: open, lost: lost, reset: reset, polish: polish };
  });
})();
