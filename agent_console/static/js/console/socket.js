/* The live connection, /ws/agent: connect, reconnect with backoff, the state indicator.
 *
 * The socket authenticates with the console's session cookie (same origin; no secret in
 * the URL). A close with 4401 means the session ended (logout, password change,
 * deactivation): the REST check then sends the page to the login form.
 *
 * After a reconnection the server's welcome frame brings the open conversations and the
 * visitors again; frames.js resumes from it (reloads the open thread, resends what was
 * never acknowledged).
 */
import { $, hook } from '../dom.js';
import { t } from '../i18n.js';
import { RECONNECT_MAX, RECONNECT_MIN, guard } from './state.js';
import { composer, forgetTyping } from './composer.js';
import { handle } from './frames.js';
import { api } from './rest.js';

/** The server's close code for a session that no longer counts. */
const SESSION_ENDED = 4401;

let ws = null;
let attempts = 0;
let reconnectTimer = null;
const connEl = hook('connection');

/** 'connecting', 'online' or 'offline'. */
export function setConn(state) {
  connEl.setAttribute('data-state', state);
  $('.conn-label', connEl).textContent = t('conn.' + state);
  composer.classList.toggle('is-offline', state !== 'online');
}

/** Sends a frame; false when the socket is not open (the caller decides what that means). */
export function send(frame) {
  if (!ws || ws.readyState !== 1) return false;
  try { ws.send(JSON.stringify(frame)); return true; } catch (e) { return false; }
}

export function isConnected() {
  return !!(ws && ws.readyState === 1);
}

/** The server welcomed us: the next failure starts the backoff from the beginning. */
export function resetBackoff() {
  attempts = 0;
}

export function connect() {
  clearTimeout(reconnectTimer);
  reconnectTimer = null;
  setConn('connecting');
  const url = (window.location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + window.location.host +
    '/ws/agent';
  let sock;
  try { sock = new WebSocket(url); } catch (e) { scheduleReconnect(); return; }
  ws = sock;
  let welcomed = false;
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    let f;
    try { f = JSON.parse(ev.data); } catch (e) { return; }
    if (!f || typeof f !== 'object') return;
    if (f.type === 'welcome') welcomed = true;
    guard(() => { handle(f); });
  };
  sock.onclose = (ev) => {
    if (ws !== sock) return;
    ws = null;
    setConn('offline');
    forgetTyping();
    if (ev.code === SESSION_ENDED) checkSession();
    scheduleReconnect(!welcomed);
  };
  sock.onerror = () => { /* onclose follows */ };
}

/** 0.5 s, 1 s, 2 s, ... up to 10 s, with jitter. */
function scheduleReconnect(neverWelcomed) {
  if (reconnectTimer) return;
  let delay = Math.min(RECONNECT_MAX, RECONNECT_MIN * Math.pow(2, attempts));
  delay = Math.round(delay * (0.85 + Math.random() * 0.15));
  attempts++;
  // A refused handshake looks like any network failure; ask the API whether the session still counts.
  if (neverWelcomed && attempts >= 3 && attempts % 3 === 0) checkSession();
  reconnectTimer = setTimeout(connect, Math.max(RECONNECT_MIN, delay));
}

/** A 401 from the API runs the signed-out path in rest.js (a toast, then the login page). */
function checkSession() {
  api('/api/v1/conversations?status=open&limit=1').catch(() => { /* 401 handled in api() */ });
}

window.addEventListener('online', () => { if (!ws) { attempts = 0; connect(); } });
