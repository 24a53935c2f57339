/* What every admin section shares: the data it refers to (sites, teams, agents), the editing
 * sheet (a modal <dialog>), the list rows, copy buttons and the page's announcements.
 */
import { h, hook, fill } from '../dom.js';
import { t } from '../i18n.js';
import { get } from './http.js';

export const data = { sites: [], teams: [], agents: [] };

export function loadSites() { return get('/sites').then((b) => { data.sites = b.sites || []; return data.sites; }); }
export function loadTeams() { return get('/teams').then((b) => { data.teams = b.teams || []; return data.teams; }); }
export function loadAgents() { return get('/agents').then((b) => { data.agents = b.agents || []; return data.agents; }); }

export function siteName(id) {
  const site = data.sites.find((s) => s.id === id);
  return site ? site.name : id;
}
export function teamName(id) {
  const team = data.teams.find((x) => x.id === id);
  return team ? team.name : id;
}
export function agentName(id) {
  const agent = data.agents.find((x) => x.id === id);
  return agent ? agent.name : id;
}

/** One message for screen readers and sighted users alike (the page's live region). */
export function announce(message, kind) {
  const el = hook('admin-toast');
  el.textContent = message;
  el.className = 'ad-toast' + (kind ? ' is-' + kind : '');
  el.hidden = false;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { el.hidden = true; }, 4000);
}

/** Opens `form` (and `extra` below it) in a modal sheet; [data-close] buttons and Escape close it. */
export function openSheet(form, extra) {
  const sheet = h('dialog', { class: 'ad-sheet', 'data-chat': 'admin-sheet', 'aria-label': form.querySelector('h2').textContent }, form, extra || null);
  document.body.appendChild(sheet);
  sheet.addEventListener('close', () => sheet.remove());
  sheet.addEventListener('click', (ev) => {
    if (ev.target.closest('[data-close]')) sheet.close();
  });
  sheet.showModal();
  const first = form.querySelector('input:not([type="hidden"]):not([disabled]), select, textarea');
  if (first) first.focus();
  return sheet;
}

export function closeSheet(form) {
  const sheet = form.closest('dialog');
  if (sheet) sheet.close();
}

/** A button that copies `text()` and says so. */
export function copyButton(text, label, hookName) {
  const button = h('button', { type: 'button', class: 'btn btn-sm', 'data-chat': hookName || 'admin-copy' }, label || t('admin.copy'));
  button.addEventListener('click', () => {
    const value = text();
    const done = () => { button.textContent = t('admin.copied'); announce(t('admin.copied')); setTimeout(() => { button.textContent = label || t('admin.copy'); }, 1500); };
    const fallback = () => {
      const area = h('textarea', { class: 'ad-offscreen', readonly: true });
      area.value = value;
      document.body.appendChild(area);
      area.select();
      try { document.execCommand('copy'); } catch (e) { /* the text stays selectable on the page */ }
      area.remove();
      done();
    };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(value).then(done, fallback);
    else fallback();
  });
  return button;
}

/** The section's list: a header with the title and its main action, then the rows. */
export function sectionFrame(name, title, hint, action) {
  return h('section', { class: 'ad-section', 'data-chat': 'admin-' + name, 'aria-labelledby': 'ad-h-' + name },
    h('header', { class: 'ad-section-head' },
      h('div', null, h('h1', { class: 'ad-title', id: 'ad-h-' + name }, title), h('p', { class: 'ad-hint' }, hint)),
      action || null),
    h('ul', { class: 'ad-list', 'data-role': 'list', 'aria-busy': 'true' },
      h('li', { class: 'ad-loading' }, t('admin.loading'))));
}

export function fillList(section, items, empty) {
  const list = section.querySelector('[data-role="list"]');
  list.setAttribute('aria-busy', 'false');
  if (!items.length) fill(list, h('li', { class: 'ad-empty' }, empty));
  else fill(list, items);
}

export function listFailed(section, err) {
  const list = section.querySelector('[data-role="list"]');
  list.setAttribute('aria-busy', 'false');
  const code = err && err.code;
  fill(list, h('li', { class: 'ad-empty is-bad', role: 'alert' },
    t(code === 'not_found' || (err && err.status === 404) ? 'admin.err.unavailable' : 'admin.err.load')));
}

/** A row: title line, meta chips, actions. */
export function row(hookName, id, title, meta, actions, lead) {
  return h('li', { class: 'ad-row', 'data-chat': hookName, 'data-id': id },
    lead || null,
    h('div', { class: 'ad-row-main' },
      h('div', { class: 'ad-row-title' }, title),
      h('div', { class: 'ad-row-meta' }, meta)),
    h('div', { class: 'ad-row-actions' }, actions));
}

export function chip(text, kind) {
  return h('span', { class: 'ad-chip' + (kind ? ' is-' + kind : '') }, text);
}

export function primaryButton(label, hookName, onClick) {
  return h('button', { type: 'button', class: 'btn btn-primary', 'data-chat': hookName, onclick: onClick }, label);
}

export function editButton(label, onClick, hookName) {
  return h('button', { type: 'button', class: 'btn btn-sm', 'data-chat': hookName || 'admin-edit', onclick: onClick }, label);
}
