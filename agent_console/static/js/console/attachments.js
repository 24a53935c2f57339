/* Attachments in the console (CONTRACT section 12): an attach button, drag and drop onto the
 * composer or the thread, paste of pictures into the input, chips with a preview, upload
 * progress and a cancel; files in messages as thumbnails and download links. Files are served
 * by /api/v1/uploads/{id} to this page's session cookie (same origin): no secret in a URL. */
import { h, hook } from '../dom.js';
import { t } from '../i18n.js';
import { CFG, TOKEN } from './state.js';
import { toast } from './toasts.js';

const MAX_BYTES = 10 * 1024 * 1024;
const MAX_FILES = 10;
const TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'application/pdf'];
const CLIP = 'M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48';

const composer = hook('composer');
const input = hook('input');
const thread = hook('thread');
let chips = [];

const picker = h('input', { type: 'file', multiple: true, accept: TYPES.join(','), hidden: true, 'data-chat': 'attach-input' });
const button = h('button', {
  type: 'button', class: 'btn btn-ghost attach-btn', 'data-chat': 'attach',
  'aria-label': t('attachments.attach'), title: t('attachments.attach')
});
button.innerHTML = '<svg viewBox="0 0 24 24" width="17" height="17" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="' + CLIP + '"/></svg>';
const tray = h('div', { class: 'attach-tray', 'data-chat': 'attachments-tray', role: 'status', 'aria-live': 'polite', hidden: true });
const bar = composer.querySelector('.composer-bar');
bar.insertBefore(button, bar.firstChild);
composer.insertBefore(tray, input);
composer.appendChild(picker);

button.addEventListener('click', () => picker.click());
picker.addEventListener('change', () => { add(picker.files); picker.value = ''; });
input.addEventListener('paste', (ev) => {
  const files = ev.clipboardData && ev.clipboardData.files;
  if (files && files.length) { ev.preventDefault(); add(files); }
});
const hasFiles = (ev) => ev.dataTransfer && Array.prototype.indexOf.call(ev.dataTransfer.types || [], 'Files') >= 0;
[composer, thread].forEach((zone) => {
  zone.addEventListener('dragover', (ev) => { if (hasFiles(ev)) { ev.preventDefault(); composer.classList.add('is-drop'); } });
  zone.addEventListener('dragleave', () => composer.classList.remove('is-drop'));
  zone.addEventListener('drop', (ev) => {
    composer.classList.remove('is-drop');
    if (!hasFiles(ev)) return;
    ev.preventDefault();
    add(ev.dataTransfer.files);
  });
});

function add(list) {
  Array.prototype.forEach.call(list || [], (file) => {
    if (chips.length >= MAX_FILES) { toast(t('attachments.too_many'), 'error'); return; }
    if (file.size > MAX_BYTES) { toast(t('attachments.too_large', { name: file.name }), 'error'); return; }
    if (TYPES.indexOf(file.type) < 0) { toast(t('attachments.unsupported', { name: file.name }), 'error'); return; }
    upload(file);
  });
}

function upload(file) {
  const chip = { file: file, id: null, pct: 0, xhr: new XMLHttpRequest(), preview: null };
  const isImage = file.type.indexOf('image/') === 0;
  if (isImage) chip.preview = URL.createObjectURL(file);
  chip.status = h('span', { class: 'attach-status' });
  chip.bar = h('progress', { max: '100', value: '0' });
  chip.el = h('div', { class: 'attach-chip', 'data-chat': 'attachment-chip', 'data-state': 'uploading' },
    isImage ? h('img', { src: chip.preview, alt: '' }) : h('span', { class: 'attach-icon' }, 'PDF'),
    h('span', { class: 'attach-info' }, h('span', { class: 'attach-name' }, file.name), chip.status, chip.bar),
    h('button', {
      type: 'button', class: 'attach-remove', 'aria-label': t('attachments.remove', { name: file.name }),
      title: t('attachments.remove', { name: file.name }), onclick: () => drop(chip)
    }, '×'));
  chips.push(chip);
  tray.appendChild(chip.el);
  tray.hidden = false;
  paint(chip);
  const form = new FormData();
  form.append('file', file, file.name);
  const xhr = chip.xhr;
  xhr.open('POST', '/api/v1/uploads');
  if (TOKEN) xhr.setRequestHeader('Authorization', 'Bearer ' + TOKEN);
  else if (CFG.csrf_token) xhr.setRequestHeader('X-CSRF-Token', CFG.csrf_token);
  xhr.upload.onprogress = (ev) => {
    if (ev.lengthComputable) { chip.pct = Math.min(99, Math.round((ev.loaded / ev.total) * 100)); paint(chip); }
  };
  xhr.onload = () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
    if (xhr.status === 201 && body && body.id) {
      chip.id = body.id;
      chip.pct = 100;
      chip.el.setAttribute('data-state', 'ready');
      paint(chip);
      return;
    }
    const code = body && body.error && body.error.code;
    drop(chip);
    const key = { too_large: 'too_large', unsupported_type: 'unsupported', invalid_image: 'unsupported' }[code] || 'failed';
    toast(t('attachments.' + key, { name: file.name }), 'error');
  };
  xhr.onerror = () => { drop(chip); toast(t('attachments.failed', { name: file.name }), 'error'); };
  xhr.send(form);
}

function paint(chip) {
  chip.status.textContent = chip.id ? t('attachments.ready') : t('attachments.uploading', { pct: chip.pct });
  chip.bar.value = chip.pct;
  chip.bar.hidden = !!chip.id;
}

function drop(chip) {
  if (!chip.id) { try { chip.xhr.abort(); } catch (e) { /* finished */ } }
  if (chip.preview) URL.revokeObjectURL(chip.preview);
  chip.el.remove();
  chips = chips.filter((c) => c !== chip);
  tray.hidden = !chips.length;
}

/** The ids of the files uploaded and not yet sent (the composer sends them with its message). */
export function uploadedIds() {
  return chips.filter((c) => c.id).map((c) => c.id);
}

/** The files went out with a message: their chips go. */
export function clearUploaded() {
  chips.filter((c) => c.id).forEach(drop);
}

function sizeText(n) {
  return n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : Math.max(1, Math.round(n / 1024)) + ' KB';
}

/** The files of a message, or null: pictures as thumbnails that open the file, others as links. */
export function attachmentsEl(m) {
  const files = Array.isArray(m.attachments) ? m.attachments : [];
  if (!files.length) return null;
  return h('div', { class: 'msg-files', 'data-chat': 'attachment' }, ...files.map((f) => h('a', {
    class: f.thumbnail_url ? 'msg-file is-image' : 'msg-file', href: f.url, download: f.name,
    'data-attachment': f.id, title: t('attachments.download', { name: f.name })
  }, f.thumbnail_url
    ? h('img', { src: f.thumbnail_url, alt: t('attachments.picture', { name: f.name }), loading: 'lazy', 'data-chat': 'attachment-image' })
    : h('span', { class: 'attach-icon' }, 'PDF'),
  f.thumbnail_url ? null : h('span', {}, f.name + ' · ' + sizeText(f.size)))));
}
