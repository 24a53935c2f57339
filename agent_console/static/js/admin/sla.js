/* SLA targets and business hours (admins): the default policy or one site's own,
 * read with GET /api/v1/sla?site_id= and stored with PUT /api/v1/sla.
 */
import { h, fill } from '../dom.js';
import { t } from '../i18n.js';
import { get, request } from './http.js';
import { checkbox, field, formShell, input, isChecked, lines, onSubmit, select, textarea, value } from './forms.js';
import { announce, data, loadSites } from './shell.js';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NAMES = ['first_response_seconds', 'next_response_seconds', 'business_hours', 'site_id'];

function spansText(spans) {
  return (spans || []).map((s) => s[0] + '-' + s[1]).join(', ');
}

function parseSpans(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => s.split(/\s*[-–]\s*/));
}

function hoursFields(hours) {
  const on = !!hours;
  const plan = hours || { timezone: 'Europe/Istanbul', intervals: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] }, holidays: [] };
  const days = h('div', { class: 'af-days' }, WEEKDAYS.map((d) =>
    field('day_' + d, t('admin.sla.day_' + d), input('day_' + d, spansText(plan.intervals[d]), { placeholder: t('admin.sla.closed'), autocomplete: 'off' }))));
  const box = h('div', { class: 'af-stack' },
    field('timezone', t('admin.sla.timezone'), input('timezone', plan.timezone, { autocomplete: 'off', spellcheck: 'false' }), t('admin.sla.timezone_hint')),
    h('p', { class: 'af-hint' }, t('admin.sla.days_hint')),
    days,
    field('holidays', t('admin.sla.holidays'), textarea('holidays', (plan.holidays || []).join('\n'), { rows: 2, placeholder: '2026-10-29' }), t('admin.sla.holidays_hint')));
  const toggle = checkbox('hours_on', on, t('admin.sla.hours_on'));
  const sync = () => { box.hidden = !toggle.querySelector('input').checked; };
  toggle.querySelector('input').addEventListener('change', sync);
  sync();
  return h('fieldset', { class: 'af-fieldset', 'data-field': 'business_hours' },
    h('legend', null, t('admin.sla.business_hours')), toggle, box,
    h('p', { class: 'af-error', 'data-error-for': 'business_hours', role: 'alert', hidden: true }));
}

function readHours(f) {
  if (!isChecked(f, 'hours_on')) return null;
  const intervals = {};
  WEEKDAYS.forEach((d) => { const spans = parseSpans(value(f, 'day_' + d)); if (spans.length) intervals[d] = spans; });
  return { timezone: value(f, 'timezone'), intervals: intervals, holidays: lines(f, 'holidays') };
}

function slaForm(siteId, policy) {
  const form = formShell('sla', t('admin.sla.form_title'), [
    h('div', { class: 'af-row2' },
      field('first_response_seconds', t('admin.sla.first'), input('first_response_seconds', policy.first_response_seconds, { type: 'number', min: 1, step: 'any', inputmode: 'decimal' }), t('admin.sla.seconds')),
      field('next_response_seconds', t('admin.sla.next'), input('next_response_seconds', policy.next_response_seconds, { type: 'number', min: 1, step: 'any', inputmode: 'decimal' }), t('admin.sla.seconds'))),
    hoursFields(policy.business_hours)
  ], t('admin.save'));
  form.querySelector('[data-close]').remove();
  onSubmit(form, NAMES, (f) => {
    const body = {
      first_response_seconds: Number(value(f, 'first_response_seconds')),
      next_response_seconds: Number(value(f, 'next_response_seconds'))
    };
    const hours = readHours(f);
    if (hours) body.business_hours = hours;
    if (siteId) body.site_id = siteId;
    return request('PUT', '/sla', body);
  }, () => announce(t('admin.saved'), 'ok'), {
    intervals: 'business_hours', timezone: 'business_hours', holidays: 'business_hours', weekday: 'business_hours'
  });
  return form;
}

export function slaSection() {
  const holder = h('div', { class: 'ad-sla-form' });
  const scope = select('sla_scope', [['', t('admin.sla.default')]], '');
  scope.id = 'sla-scope';
  scope.setAttribute('data-chat', 'admin-sla-scope');
  const section = h('section', { class: 'ad-section', 'data-chat': 'admin-sla', 'aria-labelledby': 'ad-h-sla' },
    h('header', { class: 'ad-section-head' },
      h('div', null, h('h1', { class: 'ad-title', id: 'ad-h-sla' }, t('admin.sla')), h('p', { class: 'ad-hint' }, t('admin.sla_hint')))),
    h('div', { class: 'af-field ad-scope' }, h('label', { class: 'af-label', for: 'sla-scope' }, t('admin.sla.scope')), scope,
      h('p', { class: 'af-hint' }, t('admin.sla.scope_hint'))),
    holder);
  const load = () => {
    holder.setAttribute('aria-busy', 'true');
    const siteId = scope.value;
    return get('/sla' + (siteId ? '?site_id=' + encodeURIComponent(siteId) : '')).then((policy) => {
      fill(holder, slaForm(siteId, policy));
      holder.setAttribute('aria-busy', 'false');
    }, () => fill(holder, h('p', { class: 'ad-empty is-bad', role: 'alert' }, t('admin.err.load'))));
  };
  scope.addEventListener('change', load);
  section.refresh = () => loadSites().then(() => {
    const chosen = scope.value;
    fill(scope, h('option', { value: '' }, t('admin.sla.default')), data.sites.map((s) => h('option', { value: s.id }, s.name)));
    scope.value = chosen;
    return load();
  });
  return section;
}
