/* Form building blocks for the admin screens: labelled fields with an error slot each,
 * and one submit cycle (progress, success message, API errors next to their field).
 *
 * A failed save leaves every value in place: the form is only rebuilt after a success.
 */
import { h, $$ } from '../dom.js';
import { t, has } from '../i18n.js';

let uid = 0;
function nextId(name) { uid += 1; return 'af-' + name.replace(/[^a-z0-9_-]/gi, '-') + '-' + uid; }

/** A labelled field: label, control, optional hint, and the slot its error goes in. */
export function field(name, label, control, hint) {
  const id = control.id || nextId(name);
  const errorId = id + '-error';
  const hintId = hint ? id + '-hint' : null;
  const focusable = control.matches('input, select, textarea') ? control : control.querySelector('input, select, textarea');
  if (control.matches('input, select, textarea')) control.id = id;
  if (focusable) focusable.setAttribute('aria-describedby', [hintId, errorId].filter(Boolean).join(' '));
  const isGroup = !control.matches('input, select, textarea');
  const labelEl = isGroup
    ? h('span', { class: 'af-label', id: id + '-label' }, label)
    : h('label', { class: 'af-label', for: id }, label);
  if (isGroup) { control.setAttribute('role', 'group'); control.setAttribute('aria-labelledby', id + '-label'); }
  return h('div', { class: 'af-field', 'data-field': name },
    labelEl,
    control,
    hint ? h('p', { class: 'af-hint', id: hintId }, hint) : null,
    h('p', { class: 'af-error', id: errorId, 'data-error-for': name, role: 'alert', hidden: true }));
}

export function input(name, value, attrs) {
  return h('input', Object.assign({ name: name, type: 'text', value: value == null ? '' : String(value), class: 'af-input' }, attrs || {}));
}

export function textarea(name, value, attrs) {
  const el = h('textarea', Object.assign({ name: name, rows: 3, class: 'af-input' }, attrs || {}));
  el.value = value == null ? '' : String(value);
  return el;
}

/** options: [[value, label], ...] */
export function select(name, options, value) {
  const el = h('select', { name: name, class: 'af-input' },
    options.map((o) => h('option', { value: o[0] }, o[1])));
  el.value = value == null ? '' : String(value);
  return el;
}

export function checkbox(name, checked, label) {
  return h('label', { class: 'af-check' },
    h('input', { type: 'checkbox', name: name, checked: !!checked }),
    h('span', null, label));
}

/** Several checkboxes under one name; items: [{value, label}]. */
export function checkList(name, items, selected) {
  const chosen = new Set(selected || []);
  const box = h('div', { class: 'af-checklist', 'data-checklist': name });
  if (!items.length) box.appendChild(h('p', { class: 'af-empty' }, t('admin.none_yet')));
  items.forEach((item) => box.appendChild(h('label', { class: 'af-check' },
    h('input', { type: 'checkbox', name: name, value: item.value, checked: chosen.has(item.value) }),
    h('span', null, item.label))));
  return box;
}

export function checkedValues(form, name) {
  return $$('input[name="' + name + '"]:checked', form).map((el) => el.value);
}

export function value(form, name) {
  const el = form.elements.namedItem(name);
  return el ? String(el.value).trim() : '';
}

export function lines(form, name) {
  return value(form, name).split(/[\n,]+/).map((s) => s.trim()).filter(Boolean);
}

export function isChecked(form, name) {
  const el = form.elements.namedItem(name);
  return !!(el && el.checked);
}

/** A number field's value: null when empty, NaN stays NaN so the API names the mistake. */
export function numberOrNull(form, name) {
  const raw = value(form, name);
  return raw === '' ? null : Number(raw);
}

/** The translated sentence for an API error (a field's own one first, then the code's). */
export function errorText(err, fieldName) {
  const code = (err && err.code) || 'unknown';
  if (fieldName && has('admin.err.' + fieldName)) return t('admin.err.' + fieldName);
  if (has('admin.err.' + code)) return t('admin.err.' + code);
  if (err && err.status === 0) return t('admin.err.network');
  return t('admin.err.generic');
}

/** Which of `names` an API error is about: its code names it (invalid_X, X_taken), else its message. */
export function fieldOfError(err, names) {
  const code = (err && err.code) || '';
  const message = (err && err.message) || '';
  const byCode = names.find((n) => code === 'invalid_' + n || code.indexOf(n + '_') === 0 || code.indexOf('_' + n) > 0);
  if (byCode) return byCode;
  const byPrefix = names.find((n) => message.indexOf(n + ':') === 0 || message.indexOf(n + '.') === 0 || message.indexOf(n + ' ') === 0);
  if (byPrefix) return byPrefix;
  return names.find((n) => message.indexOf(n) >= 0) || null;
}

function clearErrors(form) {
  $$('.af-error', form).forEach((el) => { el.hidden = true; el.textContent = ''; });
  $$('[aria-invalid]', form).forEach((el) => el.removeAttribute('aria-invalid'));
}

/** Shows err next to its field (or at the top of the form); focuses that field. */
export function showError(form, err, names, aliases) {
  const named = fieldOfError(err, names.concat(Object.keys(aliases || {})));
  const name = named && aliases && aliases[named] ? aliases[named] : named;
  const slot = name && form.querySelector('[data-error-for="' + name + '"]');
  const text = errorText(err, name && name.indexOf('.') < 0 ? name : null);
  const detail = err && err.message && (document.documentElement.lang === 'en') ? err.message : '';
  if (slot) {
    slot.textContent = text + (detail && detail !== text ? ' (' + detail + ')' : '');
    slot.hidden = false;
    const holder = slot.closest('.af-field, .af-fieldset');
    const control = holder && holder.querySelector('input, select, textarea');
    if (control) { control.setAttribute('aria-invalid', 'true'); control.focus(); }
    return;
  }
  const top = form.querySelector('[data-error-for="_form"]');
  top.textContent = text + (detail ? ' (' + detail + ')' : '');
  top.hidden = false;
  top.focus();
}

/**
 * The submit cycle of a form built by formShell(): shows progress while save() runs, then a
 * success message; an ApiError goes next to its field. save(form) returns a Promise.
 */
export function onSubmit(form, names, save, done, aliases) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    clearErrors(form);
    const button = form.querySelector('button[type="submit"]');
    const status = form.querySelector('[data-chat="admin-form-status"]');
    const label = button.textContent;
    form.setAttribute('aria-busy', 'true');
    button.disabled = true;
    button.textContent = t('admin.saving');
    status.textContent = t('admin.saving');
    status.className = 'af-status is-busy';
    let result;
    try { result = Promise.resolve(save(form)); } catch (e) { result = Promise.reject(e); }
    result.then((data) => {
      status.textContent = t('admin.saved');
      status.className = 'af-status is-ok';
      if (done) done(data);
    }, (err) => {
      status.textContent = '';
      status.className = 'af-status';
      showError(form, err, names, aliases);
    }).then(() => {
      form.removeAttribute('aria-busy');
      button.disabled = false;
      button.textContent = label;
    });
  });
}

/** A form with a title, the fields, a top error slot, a status line and the buttons. */
export function formShell(kind, title, fields, submitLabel, extra) {
  const top = h('p', { class: 'af-error af-error-top', 'data-error-for': '_form', role: 'alert', tabindex: '-1', hidden: true });
  return h('form', { class: 'af-form', 'data-chat': 'admin-form', 'data-form': kind, novalidate: true },
    h('h2', { class: 'af-title' }, title),
    top,
    h('div', { class: 'af-fields' }, fields),
    extra || null,
    h('div', { class: 'af-actions' },
      h('button', { type: 'submit', class: 'btn btn-primary', 'data-chat': 'admin-save' }, submitLabel || t('admin.save')),
      h('button', { type: 'button', class: 'btn', 'data-close': '' }, t('admin.close')),
      h('span', { class: 'af-status', 'data-chat': 'admin-form-status', role: 'status', 'aria-live': 'polite' })));
}
