/* Getting the agent's attention: the unread count in the tab title "(1) ", a chime, and
 * desktop notifications when the page is in the background. */
import { $, hook } from '../dom.js';
import { t } from '../i18n.js';
import { S, pref, setPref } from './state.js';
import { isOpen } from './model.js';
import { convName } from './people.js';
import { openConversation } from './navigation.js';

let audioCtx = null;
let soundOn = pref('sound', true);
const soundBtn = hook('sound-toggle');
const notifyBtn = hook('notify-toggle');
const baseTitle = document.title;

/** Browsers play sound only after a gesture: the first click or key creates the audio context. */
function unlockAudio() {
  const AC = window.AudioContext || window.webkitAudioContext;
  if (!AC) return;
  try {
    if (!audioCtx) audioCtx = new AC();
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
  } catch (e) { audioCtx = null; }
}

/** Two rising notes for a new conversation, one for a message. */
function beep(kind) {
  if (!soundOn || !audioCtx || audioCtx.state !== 'running') return;
  try {
    const now = audioCtx.currentTime;
    const notes = kind === 'conversation' ? [[880, 0], [1318.5, 0.13]] : [[987.8, 0]];
    notes.forEach((n) => {
      const o = audioCtx.createOscillator();
      const g = audioCtx.createGain();
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
    const n = new Notification(title, { body: body, tag: 'kervan-' + cid, icon: '/console/static/logo.svg' });
    n.onclick = () => { window.focus(); openConversation(cid); n.close(); };
  } catch (e) { /* some mobile browsers only allow notifications from a service worker */ }
}

export function alertConversation(c) {
  beep('conversation');
  notify(t('notify.new_conversation'), convName(c), c.id);
}

export function alertMessage(c, m) {
  if (m.conversation_id !== S.current || document.hidden) beep('message');
  notify(t('notify.new_message', { name: convName(c) }), String(m.text || '').slice(0, 140), c.id);
}

export function renderSoundBtn() {
  soundBtn.setAttribute('aria-pressed', soundOn ? 'true' : 'false');
  soundBtn.title = t(soundOn ? 'notify.sound_on' : 'notify.sound_off');
  soundBtn.setAttribute('aria-label', soundBtn.title);
}

export function renderNotifyBtn() {
  if (!('Notification' in window)) { notifyBtn.hidden = true; return; }
  const perm = Notification.permission;
  notifyBtn.hidden = perm === 'granted';
  notifyBtn.disabled = perm === 'denied';
  $('.tool-label', notifyBtn).textContent = perm === 'denied' ? t('notify.blocked') : t('notify.enable');
}

/** "(n) " before the page title while n open conversations are unread. */
export function updateTitle() {
  let n = 0;
  S.unread.forEach((id) => { const c = S.convs.get(id); if (c && isOpen(c)) n++; });
  const want = (n ? '(' + n + ') ' : '') + baseTitle;
  if (document.title !== want) document.title = want;
}

document.addEventListener('pointerdown', unlockAudio, true);
document.addEventListener('keydown', unlockAudio, true);

soundBtn.addEventListener('click', () => {
  soundOn = !soundOn;
  setPref('sound', soundOn);
  renderSoundBtn();
  unlockAudio();
  if (soundOn) setTimeout(() => { beep('message'); }, 30);
});

notifyBtn.addEventListener('click', () => {
  if (!('Notification' in window)) return;
  try {
    const r = Notification.requestPermission(() => { renderNotifyBtn(); });
    if (r && typeof r.then === 'function') r.then(renderNotifyBtn, renderNotifyBtn);
  } catch (e) { renderNotifyBtn(); }
});
