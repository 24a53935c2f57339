/* The assistant's FAQ (contract section 11): a site's entries (list, add, edit, delete),
 * a CSV import, a "test a question" box and the questions the assistant could not answer.
 *
 *   GET/POST /api/v1/faq, PUT/DELETE /api/v1/faq/{id}; the tools are in faq_tools.js.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { get, request } from './http.js';
import { field, formShell, input, onSubmit, select, textarea, value } from './forms.js';
import {
  announce, chip, closeSheet, data, editButton, fillList, listFailed, loadSites, openSheet, primaryButton,
  row, sectionFrame
} from './shell.js';
import { deleteButton } from './teams.js';
import { faqState as state, importButton, testBox, unansweredPanel } from './faq_tools.js';

const NAMES = ['question', 'answer', 'locale', 'alternates', 'site_id'];
const LOCALES = [['tr', 'Türkçe'], ['en', 'English']];
function alternatesOf(form) {
  return value(form, 'alternates').split('\n').map((s) => s.trim()).filter(Boolean);
}

/** The add/edit form; `entry` may be a new one prefilled (from an unanswered question). */
export function faqForm(entry, done) {
  const creating = !entry.id;
  const form = formShell('faq', creating ? t('faq.new') : t('faq.edit'), [
    field('question', t('faq.question'), input('question', entry.question, { required: true, maxlength: 500, autocomplete: 'off' })),
    field('answer', t('faq.answer'), textarea('answer', entry.answer, { rows: 5, required: true, maxlength: 5000 }), t('faq.answer_hint')),
    field('alternates', t('faq.alternates'), textarea('alternates', (entry.alternates || []).join('\n'), { rows: 3 }), t('faq.alternates_hint')),
    field('locale', t('faq.locale'), select('locale', LOCALES, entry.locale || document.documentElement.lang || 'tr'))
  ], creating ? t('faq.create') : t('admin.save'));
  onSubmit(form, NAMES, (f) => {
    const body = {
      question: value(f, 'question'),
      answer: f.elements.namedItem('answer').value,
      alternates: alternatesOf(f),
      locale: value(f, 'locale')
    };
    if (creating) body.site_id = entry.site_id || state.siteId;
    return creating ? request('POST', '/faq', body) : request('PUT', '/faq/' + entry.id, body);
  }, (saved) => {
    announce(creating ? t('faq.created') : t('admin.saved'), 'ok');
    closeSheet(form);
    done(saved);
  });
  return form;
}

function entryRow(entry, refresh) {
  const alternates = entry.alternates || [];
  return row('faq-row', entry.id, [chip(entry.locale.toUpperCase()), ' ', entry.question], [
    h('p', { class: 'ad-preview' }, entry.answer),
    alternates.length ? h('p', { class: 'ad-meta faq-alternates' }, t('faq.also') + ' ' + alternates.join(' · ')) : null
  ], [
    editButton(t('admin.edit'), () => openSheet(faqForm(entry, refresh)), 'faq-edit'),
    deleteButton(t('admin.delete'), 'faq-delete', () => request('DELETE', '/faq/' + entry.id).then(refresh))
  ]);
}

function sitePicker(onChange) {
  const picker = h('select', { class: 'af-input faq-site', 'data-chat': 'faq-site', 'aria-label': t('faq.site') });
  picker.addEventListener('change', () => { state.siteId = picker.value; onChange(); });
  picker.fillSites = () => {
    picker.replaceChildren(...data.sites.map((s) => h('option', { value: s.id }, s.name)));
    if (!data.sites.some((s) => s.id === state.siteId)) state.siteId = data.sites.length ? data.sites[0].id : '';
    picker.value = state.siteId;
    // One site: nothing to choose.
    if (picker.parentNode) picker.parentNode.hidden = data.sites.length < 2;
  };
  return picker;
}

export function faqSection() {
  let refresh = () => Promise.resolve();
  const section = sectionFrame('faq', t('faq.title'), t('faq.hint'),
    h('div', { class: 'faq-actions' },
      importButton(() => refresh()),
      primaryButton(t('faq.new'), 'faq-new', () => openSheet(faqForm({ site_id: state.siteId }, () => refresh())))));
  const picker = sitePicker(() => refresh());
  const unanswered = unansweredPanel((prefill, onSaved) => openSheet(faqForm(prefill, (saved) => {
    if (onSaved) onSaved(saved);
    refresh();
  })));
  const list = section.querySelector('[data-role="list"]');
  section.insertBefore(h('div', { class: 'faq-toolbar' }, picker), list);
  section.insertBefore(testBox(), list);
  section.insertBefore(h('h2', { class: 'faq-subtitle', id: 'faq-h-entries' }, t('faq.entries')), list);
  list.setAttribute('aria-labelledby', 'faq-h-entries');
  list.setAttribute('data-chat', 'faq-list');
  section.appendChild(unanswered);
  refresh = () => loadSites().then(() => {
    picker.fillSites();
    const site = state.siteId ? '?site_id=' + encodeURIComponent(state.siteId) : '';
    return Promise.all([get('/faq' + site), unanswered.refresh()]);
  }).then((results) => {
    const entries = (results[0] && results[0].entries) || [];
    fillList(section, entries.map((e) => entryRow(e, refresh)), t('faq.empty'));
  }, (err) => listFailed(section, err));
  section.refresh = refresh;
  return section;
}
