/* The FAQ section's tools: import a CSV file, test a question against the entries (what the
 * assistant would answer, and the candidates with their scores), and the questions it
 * could not answer, most asked first, each one click away from becoming an entry.
 *
 *   POST /api/v1/faq/import, GET /api/v1/faq/search, GET/DELETE /api/v1/faq/unanswered.
 */
import { h, fill } from '../dom.js';
import { t } from '../i18n.js';
import { get, request, CONFIG } from './http.js';
import { errorText } from './forms.js';
import { announce, chip, editButton, row } from './shell.js';

/** The site the section shows (faq.js keeps it in step with its site picker). */
export const faqState = { siteId: '' };

const siteQuery = () => (faqState.siteId ? 'site_id=' + encodeURIComponent(faqState.siteId) : '');

/** Sends a CSV file as it is (text/csv), with the session's CSRF token. */
function uploadCsv(file) {
  const headers = { 'Content-Type': 'text/csv', 'Accept': 'application/json' };
  if (CONFIG.csrf_token) headers['X-CSRF-Token'] = CONFIG.csrf_token;
  return fetch('/api/v1/faq/import?' + siteQuery(), {
    method: 'POST', headers: headers, body: file, credentials: 'same-origin', cache: 'no-store'
  }).then((res) => res.json().catch(() => null).then((body) => {
    if (!res.ok) throw Object.assign(new Error('import'), { status: res.status, body: body });
    return body;
  }));
}

export function importButton(done) {
  const picker = h('input', { type: 'file', accept: '.csv,text/csv', class: 'ad-offscreen', 'data-chat': 'faq-import-file', tabindex: '-1', 'aria-hidden': 'true' });
  const button = h('button', { type: 'button', class: 'btn', 'data-chat': 'faq-import' }, t('faq.import'));
  button.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    button.disabled = true;
    button.textContent = t('faq.importing');
    uploadCsv(file).then((body) => {
      announce(t('faq.imported', { count: body.imported }), 'ok');
      done();
    }, (err) => {
      const detail = err.body && err.body.error;
      if (detail && detail.row) announce(t('faq.import_row', { row: detail.row }) + ' ' + detail.message, 'bad');
      else announce(t('faq.import_failed') + (detail ? ' ' + detail.message : ''), 'bad');
    }).then(() => {
      picker.value = '';
      button.disabled = false;
      button.textContent = t('faq.import');
    });
  });
  return h('span', null, button, picker);
}

function percent(score) { return Math.round(score * 100) + '%'; }

function showMatch(out, found) {
  const best = found.answer;
  fill(out,
    best
      ? h('div', { class: 'faq-verdict is-ok', 'data-chat': 'faq-test-answer' },
        h('p', { class: 'faq-verdict-title' }, t('faq.would_answer')),
        h('p', { class: 'faq-verdict-question' }, best.question),
        h('p', { class: 'faq-verdict-answer' }, best.answer))
      : h('div', { class: 'faq-verdict is-none', 'data-chat': 'faq-test-none' },
        h('p', { class: 'faq-verdict-title' }, t('faq.would_not_answer')),
        h('p', null, t('faq.would_not_answer_hint'))),
    found.candidates.length
      ? h('ol', { class: 'faq-candidates', 'data-chat': 'faq-candidates', 'aria-label': t('faq.candidates') },
        found.candidates.map((c) => h('li', { class: best && c.id === best.id ? 'is-chosen' : '' },
          h('span', { class: 'faq-score' }, percent(c.score)),
          h('span', { class: 'faq-bar', 'aria-hidden': 'true' }, h('i', { style: 'width: ' + percent(c.score) })),
          h('span', { class: 'faq-candidate' }, c.question))))
      : null);
}

export function testBox() {
  const question = h('input', { type: 'search', name: 'q', class: 'af-input', maxlength: 500, autocomplete: 'off', 'data-chat': 'faq-test-input', placeholder: t('faq.test_placeholder'), id: 'faq-test-q' });
  const locale = h('select', { class: 'af-input faq-test-locale', name: 'locale', 'aria-label': t('faq.locale') },
    h('option', { value: '' }, t('faq.site_language')), h('option', { value: 'tr' }, 'Türkçe'), h('option', { value: 'en' }, 'English'));
  const button = h('button', { type: 'submit', class: 'btn btn-primary', 'data-chat': 'faq-test-go' }, t('faq.test'));
  const out = h('div', { class: 'faq-test-out', 'data-chat': 'faq-test-out', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'faq-test', 'data-chat': 'faq-test', role: 'search' },
    h('label', { class: 'af-label', for: 'faq-test-q' }, t('faq.test_label')),
    h('div', { class: 'faq-test-row' }, question, locale, button), out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = question.value.trim();
    if (!text) { question.focus(); return; }
    out.setAttribute('aria-busy', 'true');
    fill(out, h('p', { class: 'ad-loading' }, t('faq.testing')));
    const params = [siteQuery(), 'q=' + encodeURIComponent(text), locale.value ? 'locale=' + locale.value : ''].filter(Boolean);
    get('/faq/search?' + params.join('&')).then((found) => showMatch(out, found), (err) => {
      fill(out, h('p', { class: 'af-error', role: 'alert' }, errorText(err)));
    }).then(() => out.setAttribute('aria-busy', 'false'));
  });
  return form;
}

function unansweredRow(item, addEntry, refresh) {
  return row('faq-unanswered-row', item.id, [chip(item.locale.toUpperCase()), ' ', item.text], [
    h('p', { class: 'ad-meta' }, item.count === 1 ? t('faq.asked_once') : t('faq.asked', { count: item.count }))
  ], [
    editButton(t('faq.add_as_entry'), () => addEntry({
      question: item.text, locale: item.locale, site_id: item.site_id, answer: '', alternates: [], unanswered: item.id
    }), 'faq-add-unanswered'),
    h('button', {
      type: 'button', class: 'btn btn-sm', 'data-chat': 'faq-dismiss',
      onclick: () => request('DELETE', '/faq/unanswered/' + item.id).then(refresh, () => announce(t('admin.err.generic'), 'bad'))
    }, t('faq.dismiss'))
  ]);
}

export function unansweredPanel(openForm) {
  const list = h('ul', { class: 'ad-list', 'data-chat': 'faq-unanswered', 'aria-labelledby': 'faq-h-unanswered' });
  const panel = h('div', { class: 'faq-unanswered' },
    h('h2', { class: 'faq-subtitle', id: 'faq-h-unanswered' }, t('faq.unanswered')),
    h('p', { class: 'ad-hint' }, t('faq.unanswered_hint')), list);
  // Once the question has an entry, it comes off the list.
  const addEntry = (prefill) => openForm(prefill, (saved) => {
    if (saved && prefill.unanswered) request('DELETE', '/faq/unanswered/' + prefill.unanswered).then(panel.refresh, panel.refresh);
  });
  panel.refresh = () => get('/faq/unanswered' + (siteQuery() ? '?' + siteQuery() : '')).then((body) => {
    const items = (body && body.questions) || [];
    fill(list, items.length ? items.map((item) => unansweredRow(item, addEntry, panel.refresh))
      : h('li', { class: 'ad-empty' }, t('faq.unanswered_empty')));
  }, () => fill(list, h('li', { class: 'ad-empty is-bad', role: 'alert' }, t('admin.err.load'))));
  return panel;
}
