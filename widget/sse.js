/*!
 * Storefront live chat widget: the fallback transport (CONTRACT section 13).
 * widget.js fetches this from the same server only when WebSockets cannot be used (the
 * constructor throws, or a socket fails twice without ever opening, e.g. behind a proxy that
 * answers non-101). Server frames come over Server-Sent Events at /sse/visitor, ours go out as
 * POSTs to /api/v1/visitor/frames with the stream's id, behind a WebSocket's face (readyState,
 * send, close, onopen, onmessage, onclose) so that the rest of the widget stays the same.
 * Plain ES2019, no dependencies.
 */
(function () {
  'use strict';
  var register = window.__cwSse;
  if (typeof register !== 'function') return;

  register(function (ROOT, KEY) {
    var t = { readyState: 0 }, id = null, out = [], busy = false, es = null;
    var q = '?site=' + encodeURIComponent(KEY);
    function fire(n, a) { try { if (t[n]) t[n](a); } catch (e) { /* never throw */ } }
    function end() {
      if (t.readyState === 3) return;
      t.readyState = 3;
      try { es.close(); } catch (e) { /* gone */ }
      setTimeout(function () { fire('onclose', {}); }, 0);
    }
    function flush() {
      if (busy || !out.length || t.readyState !== 1) return;
      var body = '[' + out.join(',') + ']';
      out = [];
      busy = true;
      fetch(ROOT + 'api/v1/visitor/frames' + q, {
        method: 'POST', body: body, headers: { 'Content-Type': 'application/json', 'X-Stream-Id': id }
      }).then(function (r) { busy = false; if (r.ok) flush(); else end(); }, function () { busy = false; end(); });
    }
    t.send = function (s) { if (t.readyState !== 1) throw new Error('closed'); out.push(s); flush(); };
    t.close = end;
    try { es = new EventSource(ROOT + 'sse/visitor' + q); } catch (e) { end(); return t; }
    es.onmessage = function (ev) {
      if (t.readyState === 3) return;
      if (id) return fire('onmessage', ev);
      var f = null;
      try { f = JSON.parse(ev.data); } catch (e) { /* not ours */ }
      if (f && f.type === 'stream.opened') { id = f.stream_id; t.readyState = 1; fire('onopen', {}); }
    };
    // EventSource would reconnect on its own, without last_seq: the widget's retries do it.
    es.onerror = end;
    return t;
  });
})();
