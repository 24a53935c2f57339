/* Canned replies: list, add, edit and delete (GET/POST /api/v1/canned-replies,
 * PUT/DELETE /api/v1/canned-replies/{id}). Agents insert one by typing /shortcut in the console.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, request } from './http.js';
import { field, formShell, input, onSubmit, select, textarea, value } from './forms.js';
import {
  announce, chip, closeSheet, data, editButton, fillList, listFailed, loadSites, openSheet, primaryButton,
  row, sectionFrame, siteName
} from './shell.js';
import { deleteButton } from './teams.js';

const NAMES = ['shortcut', 'title', 'text', 'site_id', 'locale'];

function cannedForm(reply, done) {
  const creating = !reply.id;
  const sites = [['', t('admin.canned.every_site')]].concat(data.sites.map((s) => [s.id, s.name]));
  const form = formShell('canned', creating ? t('admin.canned.new') : t('admin.canned.edit', { name: reply.shortcut }), [
    h('div', { class: 'af-row2' },
      field('shortcut', t('admin.canned.shortcut'), input('shortcut', reply.shortcut, { required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false', placeholder: 'kargo' }), t('admin.canned.shortcut_hint')),
      field('title', t('admin.canned.title'), input('title', reply.title, { required: true, maxlength: 200, autocomplete: 'off' }))),
    field('text', t('admin.canned.text'), textarea('text', reply.text, { rows: 5, required: true, maxlength: 5000 }), t('admin.canned.text_hint')),
    h('div', { class: 'af-row2' },
      field('site_id', t('admin.canned.site'), select('site_id', sites, reply.site_id || '')),
      field('locale', t('admin.canned.locale'), select('locale', [['', t('admin.canned.any_language')], ['tr', 'Türkçe'], ['en', 'English']], reply.locale || '')))
  ], creating ? t('admin.canned.create') : t('admin.save'));
  onSubmit(form, NAMES, (f) => {
    const body = {
      shortcut: value(f, 'shortcut').replace(/^\//, ''),
      title: value(f, 'title'),
      text: f.elements.namedItem('text').value,
      site_id: value(f, 'site_id') || null,
      locale: value(f, 'locale') || null
    };
    return creating ? request('POST', '/canned-replies', body) : request('PUT', '/canned-replies/' + reply.id, body);
  }, () => {
    announce(creating ? t('admin.canned.created') : t('admin.saved'), 'ok');
    closeSheet(form);
    done();
  });
  return form;
}

function cannedRow(reply, refresh) {
  return row('admin-canned-row', reply.id, [h('code', { class: 'ad-shortcut' }, '/' + reply.shortcut), ' ', reply.title], [
    h('p', { class: 'ad-preview' }, reply.text),
    h('div', { class: 'ad-chips' },
      chip(reply.site_id ? siteName(reply.site_id) : t('admin.canned.every_site')),
      chip(reply.locale ? reply.locale.toUpperCase() : t('admin.canned.any_language')))
  ], [
    editButton(t('admin.edit'), () => openSheet(cannedForm(reply, refresh))),
    deleteButton(t('admin.delete'), 'admin-delete-canned', () => request('DELETE', '/canned-replies/' + reply.id).then(refresh))
  ]);
}

export function cannedSection() {
  const section = sectionFrame('canned', t('admin.canned'), t('admin.canned_hint'),
    primaryButton(t('admin.canned.new'), 'admin-new-canned', () => openSheet(cannedForm({}, refresh))));
  const refresh = () => Promise.all([loadSites(), get('/canned-replies')]).then((results) => {
    const body = results[1];
    const replies = Array.isArray(body) ? body : (body && (body.canned_replies || body.replies)) || [];
    fillList(section, replies.map((r) => cannedRow(r, refresh)), t('admin.canned.empty'));
  }, (err) => listFailed(section, err));
  section.refresh = refresh;
  return section;
}
