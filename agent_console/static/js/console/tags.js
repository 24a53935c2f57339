/* The open conversation's tags (under the chat head): chips to remove, a box to add one. */
import { h, hook, fill } from '../dom.js';
import { t } from '../i18n.js';
import { CFG, S } from './state.js';
import { upsertConv } from './model.js';
import { toast, errorText } from './toasts.js';
import { schedule } from './schedule.js';

const box = hook('tags');
const list = hook('tag-list');
const input = hook('tag-input');

function current() { return S.current ? S.convs.get(S.current) : null; }

export function renderTags() {
  const c = current();
  box.hidden = !c;
  if (!c) return;
  const tags = Array.isArray(c.tags) ? c.tags : [];
  fill(list, tags.map((tag) => h('li', { class: 'tag', 'data-chat': 'tag' },
    h('span', { text: tag }),
    h('button', { type: 'button', class: 'tag-remove', 'aria-label': t('routing.tag_remove', { tag: tag }), onclick: () => save(c.id, tags.filter((x) => x !== tag)) }, '×'))));
}

function save(id, tags) {
  const headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
  if (CFG.csrf_token) headers['X-CSRF-Token'] = CFG.csrf_token;
  fetch('/api/v1/conversations/' + encodeURIComponent(id) + '/tags', {
    method: 'PUT', headers: headers, credentials: 'same-origin', cache: 'no-store', body: JSON.stringify({ tags: tags })
  }).then((res) => res.json().then((body) => {
    if (!res.ok) { const e = (body && body.error) || {}; toast(errorText(e.code, e.message), 'error'); return; }
    upsertConv(body);
    renderTags();
    schedule('list');
  })).catch(() => toast(t('routing.not_connected'), 'error'));
}

input.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  const c = current();
  const tag = input.value.trim();
  if (!c || !tag) return;
  const tags = Array.isArray(c.tags) ? c.tags.slice() : [];
  tags.push(tag);
  input.value = '';
  save(c.id, tags);
});
