/* Agent avatars: the picture (or the initials the server draws) and the upload control.
 *
 * GET /api/v1/agents/{id}/avatar always answers an image: the uploaded one, or the
 * initials on a colour taken from the name (AA contrast). Uploads are checked here for
 * type and size first (the server checks again): PNG, JPEG or WebP, at most 64 KiB.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { request } from './http.js';

export const MAX_AVATAR_BYTES = 64 * 1024;
const TYPES = ['image/png', 'image/jpeg', 'image/webp'];
let version = Date.now();

export function avatarUrl(id) {
  return '/api/v1/agents/' + encodeURIComponent(id) + '/avatar?v=' + version;
}

export function avatar(agent, size) {
  return h('img', {
    class: 'ad-avatar', src: avatarUrl(agent.id), alt: '', width: size || 36, height: size || 36,
    'data-chat': 'agent-avatar', loading: 'lazy'
  });
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/** The avatar block of an agent's sheet: preview, choose a file, remove. */
export function avatarControl(agent, onChange) {
  const preview = avatar(agent, 64);
  const status = h('p', { class: 'af-status', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'af-error', role: 'alert', hidden: true });
  const fileInput = h('input', { type: 'file', accept: TYPES.join(','), class: 'ad-file', 'data-chat': 'admin-avatar-file', id: 'avatar-file-' + agent.id });
  const save = (dataUrl) => {
    error.hidden = true;
    status.textContent = t('admin.saving');
    return request('PUT', '/agents/' + agent.id + '/avatar', { avatar: dataUrl }).then(() => {
      version = Date.now();
      preview.src = avatarUrl(agent.id);
      status.textContent = t('admin.saved');
      if (onChange) onChange();
    }, (err) => {
      status.textContent = '';
      error.textContent = t(err.code === 'too_large' ? 'admin.avatar.too_large' : err.code === 'unsupported_type' ? 'admin.avatar.bad_type' : 'admin.err.generic');
      error.hidden = false;
    });
  };
  fileInput.addEventListener('change', () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    if (TYPES.indexOf(file.type) < 0) { error.textContent = t('admin.avatar.bad_type'); error.hidden = false; return; }
    if (file.size > MAX_AVATAR_BYTES) { error.textContent = t('admin.avatar.too_large'); error.hidden = false; return; }
    readAsDataUrl(file).then(save);
  });
  const remove = h('button', { type: 'button', class: 'btn btn-sm', 'data-chat': 'admin-avatar-remove' }, t('admin.avatar.remove'));
  remove.addEventListener('click', () => save(null));
  return h('div', { class: 'ad-avatar-edit', 'data-chat': 'admin-avatar' },
    preview,
    h('div', null,
      h('span', { class: 'af-label' }, t('admin.avatar.choose')),
      h('div', { class: 'af-inline' }, fileInput,
        h('label', { class: 'btn btn-sm', for: fileInput.id }, t('admin.avatar.upload')), remove),
      h('p', { class: 'af-hint' }, t('admin.avatar.hint')), status, error));
}
