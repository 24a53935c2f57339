/* Sites (admins): the list with each key, its embed snippet and copy buttons; create and edit
 * every setting of the flat Site shape (PATCH /api/v1/sites/{id} sends the whole form).
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { CONFIG, request } from './http.js';
import {
  checkbox, field, formShell, input, isChecked, lines, numberOrNull, onSubmit, select, textarea, value
} from './forms.js';
import {
  announce, chip, closeSheet, copyButton, editButton, fillList, listFailed, loadSites, openSheet,
  primaryButton, row, sectionFrame
} from './shell.js';

const NAMES = ['name', 'origins', 'color', 'greeting', 'locale', 'ip_mode', 'retention_days',
  'notify_emails', 'routing', 'assistant', 'auto_invite'];

export function snippet(site) {
  return '<script src="' + CONFIG.embed_base + '/widget.js" data-site="' + site.key + '" async></script>';
}

/** The one rule the simple editor can show, or undefined when the site's rules need the CLI. */
function simpleRule(site) {
  const rules = site.auto_invite || [];
  if (rules.length > 1) return undefined;
  const rule = rules[0] || {};
  const text = rule.text;
  if (text !== undefined && typeof text !== 'string' && typeof text !== 'object') return undefined;
  return rule;
}

function inviteFields(site) {
  const rule = simpleRule(site);
  if (rule === undefined) {
    return h('p', { class: 'af-hint' }, t('admin.site.auto_invite_many', { n: site.auto_invite.length }));
  }
  const text = typeof rule.text === 'string' ? { en: rule.text, tr: rule.text } : (rule.text || {});
  return h('fieldset', { class: 'af-fieldset', 'data-field': 'auto_invite' },
    h('legend', null, t('admin.site.auto_invite')),
    h('p', { class: 'af-hint' }, t('admin.site.auto_invite_hint')),
    field('invite_on', t('admin.site.invite_on'), checkbox('invite_on', !!rule.text, t('admin.site.invite_on_label'))),
    h('div', { class: 'af-row2' },
      field('invite_url', t('admin.site.invite_url'), input('invite_url', rule.url_contains || '', { placeholder: '/product/' })),
      field('invite_after', t('admin.site.invite_after'), input('invite_after', rule.after_seconds == null ? 30 : rule.after_seconds, { type: 'number', min: 0, step: 1, inputmode: 'numeric' }))),
    field('invite_tr', t('admin.site.invite_tr'), textarea('invite_tr', text.tr || '', { rows: 2, lang: 'tr' })),
    field('invite_en', t('admin.site.invite_en'), textarea('invite_en', text.en || '', { rows: 2, lang: 'en' })),
    h('p', { class: 'af-error', 'data-error-for': 'auto_invite', role: 'alert', hidden: true }));
}

function readInvite(form, site) {
  const rule = simpleRule(site);
  if (rule === undefined) return undefined;
  if (!isChecked(form, 'invite_on')) return [];
  const text = {};
  if (value(form, 'invite_tr')) text.tr = value(form, 'invite_tr');
  if (value(form, 'invite_en')) text.en = value(form, 'invite_en');
  const next = { id: rule.id || 'admin', text: text, after_seconds: Number(value(form, 'invite_after') || 0) };
  if (value(form, 'invite_url')) next.url_contains = value(form, 'invite_url');
  return [next];
}

function colorControl(current) {
  const text = input('color', current || '', { placeholder: '#4f46e5', maxlength: 7, class: 'af-input af-color-text', autocomplete: 'off' });
  const picker = h('input', { type: 'color', class: 'af-color', value: current || '#4f46e5', 'aria-label': t('admin.site.color_pick') });
  picker.addEventListener('input', () => { text.value = picker.value; });
  text.addEventListener('input', () => { if (/^#[0-9a-f]{6}$/i.test(text.value)) picker.value = text.value; });
  return h('div', { class: 'af-inline' }, picker, text);
}

function siteForm(site, done) {
  const creating = !site.id;
  const form = formShell('site', creating ? t('admin.site.new') : t('admin.site.edit', { name: site.name }), [
    field('name', t('admin.site.name'), input('name', site.name, { required: true, maxlength: 200, autocomplete: 'off' })),
    field('origins', t('admin.site.origins'), textarea('origins', (site.origins || []).join('\n'), { rows: 3, placeholder: 'https://shop.example' }), t('admin.site.origins_hint')),
    field('color', t('admin.site.color'), colorControl(site.color), t('admin.site.color_hint')),
    h('div', { class: 'af-row2' },
      field('greeting_tr', t('admin.site.greeting_tr'), textarea('greeting_tr', (site.greeting || {}).tr, { rows: 2, lang: 'tr', maxlength: 1000 })),
      field('greeting_en', t('admin.site.greeting_en'), textarea('greeting_en', (site.greeting || {}).en, { rows: 2, lang: 'en', maxlength: 1000 }))),
    h('p', { class: 'af-error', 'data-error-for': 'greeting', role: 'alert', hidden: true }),
    h('div', { class: 'af-row2' },
      field('locale', t('admin.site.locale'), select('locale', [['', t('admin.site.locale_auto')], ['tr', 'Türkçe'], ['en', 'English']], site.locale)),
      field('assistant', t('admin.site.assistant'), select('assistant', [
        ['off', t('admin.site.assistant_off')], ['offline', t('admin.site.assistant_offline')], ['always', t('admin.site.assistant_always')]
      ], site.assistant || 'off'))),
    field('routing', t('admin.site.routing'), checkbox('routing', site.routing !== false, t('admin.site.routing_label'))),
    h('fieldset', { class: 'af-fieldset' },
      h('legend', null, t('admin.site.privacy')),
      h('div', { class: 'af-row2' },
        field('ip_mode', t('admin.site.ip_mode'), select('ip_mode', [
          ['full', t('admin.site.ip_full')], ['truncate', t('admin.site.ip_truncate')], ['none', t('admin.site.ip_none')]
        ], site.ip_mode || 'full')),
        field('retention_days', t('admin.site.retention'), input('retention_days', site.retention_days, { type: 'number', min: 0, step: 1, inputmode: 'numeric', placeholder: t('admin.site.retention_forever') }), t('admin.site.retention_hint')))),
    field('notify_emails', t('admin.site.notify'), textarea('notify_emails', (site.notify_emails || []).join('\n'), { rows: 2, placeholder: 'destek@magaza.example' }), t('admin.site.notify_hint')),
    inviteFields(site)
  ], creating ? t('admin.site.create') : t('admin.save'));

  onSubmit(form, NAMES, (f) => {
    const body = {
      name: value(f, 'name'),
      origins: lines(f, 'origins'),
      color: value(f, 'color') || null,
      greeting: { tr: value(f, 'greeting_tr') || null, en: value(f, 'greeting_en') || null },
      locale: value(f, 'locale') || null,
      ip_mode: value(f, 'ip_mode'),
      retention_days: numberOrNull(f, 'retention_days'),
      notify_emails: lines(f, 'notify_emails'),
      routing: isChecked(f, 'routing'),
      assistant: value(f, 'assistant')
    };
    const invite = readInvite(f, site);
    if (invite !== undefined) body.auto_invite = invite;
    return creating ? request('POST', '/sites', body) : request('PATCH', '/sites/' + site.id, body);
  }, (saved) => {
    announce(creating ? t('admin.site.created', { name: saved.name }) : t('admin.saved'), 'ok');
    closeSheet(form);
    done();
  }, { greeting_tr: 'greeting', invite_url: 'auto_invite' });
  return form;
}

function siteRow(site, refresh) {
  const key = h('code', { class: 'ad-key', 'data-chat': 'admin-site-key' }, site.key);
  const code = h('code', { class: 'ad-snippet', 'data-chat': 'admin-snippet' }, snippet(site));
  const swatch = h('span', { class: 'ad-swatch', 'aria-hidden': 'true' });
  if (site.color) swatch.style.backgroundColor = site.color;
  return row('admin-site-row', site.id, [swatch, h('span', null, site.name)], [
    h('div', { class: 'ad-keyline' }, h('span', { class: 'ad-meta-label' }, t('admin.site.key')), key,
      copyButton(() => site.key, t('admin.site.copy_key'), 'admin-copy-key')),
    h('div', { class: 'ad-keyline' }, code, copyButton(() => snippet(site), t('admin.site.copy_snippet'), 'admin-copy-snippet')),
    h('div', { class: 'ad-chips' },
      chip((site.origins || []).length ? t('admin.site.origins_n', { n: site.origins.length }) : t('admin.site.origins_any')),
      chip(site.routing === false ? t('admin.site.routing_off') : t('admin.site.routing_on'), site.routing === false ? 'warn' : 'ok'),
      chip(t('admin.site.assistant_' + (site.assistant || 'off'))),
      chip(t('admin.site.ip_' + (site.ip_mode || 'full'))))
  ], [editButton(t('admin.edit'), () => openSheet(siteForm(site, refresh)))]);
}

export function sitesSection() {
  const section = sectionFrame('sites', t('admin.sites'), t('admin.sites_hint'), null);
  const refresh = () => loadSites().then((sites) => {
    fillList(section, sites.map((s) => siteRow(s, refresh)), t('admin.site.empty'));
  }, (err) => listFailed(section, err));
  const add = primaryButton(t('admin.site.new'), 'admin-new-site', () => openSheet(siteForm({ routing: true, assistant: 'off', ip_mode: 'full', auto_invite: [] }, refresh)));
  section.querySelector('.ad-section-head').appendChild(add);
  section.refresh = refresh;
  return section;
}

