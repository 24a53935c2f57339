/* The composer: reply or internal note, Enter to send (Shift+Enter for a new line), the
 * typing frames, and messages sent before the server acknowledged them. */
import { hook, role } from '../dom.js';
import { t } from '../i18n.js';
import { S, MAX_TEXT, TYPING_IDLE, TYPING_SEND_EVERY, guard } from './state.js';
import { send } from './socket.js';
import { toast } from './toasts.js';
import { clearUploaded, uploadedIds } from './attachments.js';
import { removeThreadNote, renderPending, scrollBottom } from './thread.js';

export const composer = hook('composer');
export const input = hook('input');
export const noteToggle = hook('internal-toggle');

export function updateComposerMode() {
  const note = !!noteToggle.checked && !S.invite;
  composer.classList.toggle('is-note', note);
  noteToggle.disabled = !!S.invite;
  noteToggle.closest('.switch').hidden = !!S.invite;
  input.placeholder = S.invite ? t('console.invite_placeholder') : (note ? t('console.note_placeholder') : t('console.input_placeholder'));
  role('mode-hint', composer).textContent = S.invite ? '' : (note ? t('console.internal_hint') : t('console.reply_hint'));
  role('send-label', composer).textContent = note ? t('console.add_note') : t('console.send');
}

/** Grows the box with its text and shows the count near the limit. */
export function autosize() {
  input.style.height = 'auto';
  input.style.height = Math.min(220, Math.max(58, input.scrollHeight)) + 'px';
  const n = input.value.length;
  role('count', composer).textContent = n > MAX_TEXT * 0.8 ? n + ' / ' + MAX_TEXT : '';
}

function newClientId() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') {
    try { return window.crypto.randomUUID(); } catch (e) { /* insecure context */ }
  }
  const b = new Uint8Array(16);
  if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const hx = Array.prototype.map.call(b, (x) => (x + 256).toString(16).slice(1)).join('');
  return hx.slice(0, 8) + '-' + hx.slice(8, 12) + '-' + hx.slice(12, 16) + '-' + hx.slice(16, 20) + '-' + hx.slice(20);
}

function submit() {
  const text = input.value.replace(/^\s+|\s+$/g, '');
  const files = S.invite ? [] : uploadedIds();
  if (!text && !files.length) return;
  if (text.length > MAX_TEXT) { toast(t('console.too_long'), 'error'); return; }
  const cid = newClientId();
  let frame, p;
  if (S.invite) {
    frame = { type: 'conversation.invite', visitor_id: S.invite, client_id: cid, text: text };
    p = { kind: 'invite', conversation_id: null, visitor_id: S.invite, text: text, internal: false };
  } else if (S.current) {
    const internal = !!noteToggle.checked;
    frame = { type: 'message.send', conversation_id: S.current, client_id: cid, text: text, internal: internal };
    if (files.length) { frame.attachments = files; clearUploaded(); }
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
  if (!S.invite) removeThreadNote();
  scrollBottom();
  input.focus();
}

export function retryPending(cid) {
  const p = S.pending.get(cid);
  if (!p) return;
  p.failed = false;
  p.at = Date.now();
  renderPending();
  send(p.frame);
}

// typing, throttled; never while writing an internal note
const typingState = { active: false, cid: null, lastSent: 0, idle: null };

function onTypingInput() {
  if (!S.current || S.invite || noteToggle.checked) return;
  const now = Date.now();
  if (!typingState.active || typingState.cid !== S.current || now - typingState.lastSent > TYPING_SEND_EVERY) {
    if (typingState.active && typingState.cid !== S.current) stopTyping();
    if (send({ type: 'typing', conversation_id: S.current, active: true })) {
      typingState.active = true; typingState.cid = S.current; typingState.lastSent = now;
    }
  }
  clearTimeout(typingState.idle);
  typingState.idle = setTimeout(stopTyping, TYPING_IDLE);
}

export function stopTyping() {
  clearTimeout(typingState.idle);
  if (typingState.active && typingState.cid) send({ type: 'typing', conversation_id: typingState.cid, active: false });
  typingState.active = false; typingState.cid = null;
}

/** The socket closed: the server forgot our typing state with it. */
export function forgetTyping() {
  typingState.active = false;
}

input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
    ev.preventDefault();
    guard(submit);
  }
});
input.addEventListener('input', () => { autosize(); if (input.value) onTypingInput(); else stopTyping(); });
input.addEventListener('blur', () => { if (!input.value) stopTyping(); });
composer.addEventListener('submit', (ev) => { ev.preventDefault(); guard(submit); });
noteToggle.addEventListener('change', () => {
  if (noteToggle.checked) stopTyping();
  updateComposerMode();
  input.focus();
});
