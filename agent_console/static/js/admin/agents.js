/* Agents: the list with status and load; invite (admins); edit role, sites, teams and
 * max_chats; deactivate or activate; reset the password; two-factor; the avatar.
 *
 * Managers change only max_chats, teams and active of the agents of their sites (CONTRACT
 * section 14): the other fields are shown, not offered.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { CONFIG, request } from './http.js';
import {
  checkList, checkbox, checkedValues, field, formShell, input, isChecked, numberOrNull, onSubmit, select, value
} from './forms.js';
import {
  announce, chip, closeSheet, data, editButton, fillList, listFailed, loadAgents, loadSites, loadTeams,
  openSheet, primaryButton, row, sectionFrame, siteName, teamName
} from './shell.js';
import { avatar, avatarControl } from './avatar.js';

const NAMES = ['email', 'name', 'role', 'password', 'sites', 'teams', 'max_chats', 'active'];
const isAdmin = () => CONFIG.agent && CONFIG.agent.role === 'admin';

function roleOptions() {
  return ['agent', 'manager', 'admin'].map((r) => [r, t('role.' + r)]);
}

function siteItems() { return data.sites.map((s) => ({ value: s.id, label: s.name })); }
function teamItems() { return data.teams.map((x) => ({ value: x.id, label: x.name })); }

function sitesControl(agent) {
  const every = checkbox('all_sites', agent.all_sites !== false, t('admin.agent.all_sites'));
  const list = checkList('sites', siteItems(), agent.all_sites ? [] : (agent.sites || []));
  const sync = () => { list.hidden = every.querySelector('input').checked; };
  every.querySelector('input').addEventListener('change', sync);
  sync();
  return h('div', { class: 'af-stack' }, every, list);
}

function readonly(label, text) {
  return h('div', { class: 'af-field af-readonly' }, h('span', { class: 'af-label' }, label), h('span', null, text));
}

function accountForm(agent, done) {
  const creating = !agent.id;
  const admin = isAdmin();
  const fields = [];
  if (admin) {
    fields.push(
      h('div', { class: 'af-row2' },
        field('name', t('admin.agent.name'), input('name', agent.name, { required: true, autocomplete: 'off', maxlength: 200 })),
        field('email', t('admin.agent.email'), input('email', agent.email, { type: 'email', required: true, autocomplete: 'off' }))),
      h('div', { class: 'af-row2' },
        field('role', t('admin.agent.role'), select('role', roleOptions(), agent.role || 'agent')),
        field('max_chats', t('admin.agent.max_chats'), input('max_chats', agent.max_chats == null ? 5 : agent.max_chats, { type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric' }), t('admin.agent.max_chats_hint'))));
    if (creating) {
      fields.push(field('password', t('admin.agent.password'), input('password', '', { type: 'text', autocomplete: 'new-password', minlength: 8, spellcheck: 'false' }), t('admin.agent.password_hint')));
    }
    fields.push(field('sites', t('admin.agent.sites'), sitesControl(agent)));
  } else {
    fields.push(
      readonly(t('admin.agent.name'), agent.name),
      readonly(t('admin.agent.email'), agent.email || '–'),
      readonly(t('admin.agent.role'), t('role.' + agent.role)),
      readonly(t('admin.agent.sites'), agent.all_sites ? t('admin.agent.all_sites') : (agent.sites || []).map(siteName).join(', ')),
      field('max_chats', t('admin.agent.max_chats'), input('max_chats', agent.max_chats, { type: 'number', min: 0, max: 100, step: 1, inputmode: 'numeric' }), t('admin.agent.max_chats_hint')));
  }
  fields.push(field('teams', t('admin.agent.teams'), checkList('teams', teamItems(), agent.teams || [])));
  const form = formShell('agent', creating ? t('admin.agent.invite') : t('admin.agent.edit', { name: agent.name }), fields,
    creating ? t('admin.agent.create') : t('admin.save'));
  onSubmit(form, NAMES, (f) => {
    const body = { teams: checkedValues(f, 'teams'), max_chats: numberOrNull(f, 'max_chats') };
    if (body.max_chats === null) delete body.max_chats;
    if (admin) {
      body.name = value(f, 'name');
      body.email = value(f, 'email');
      body.role = value(f, 'role');
      const every = isChecked(f, 'all_sites');
      if (!every) body.sites = checkedValues(f, 'sites');
      else if (!creating && !agent.all_sites) body.sites = data.sites.map((s) => s.id);
      if (creating) body.password = value(f, 'password');
    }
    return creating ? request('POST', '/agents', body) : request('PATCH', '/agents/' + agent.id, body);
  }, (saved) => {
    announce(creating ? t('admin.agent.created', { name: saved.name }) : t('admin.saved'), 'ok');
    if (creating) closeSheet(form);
    done();
  });
  return form;
}

/** A small form inside the sheet: one action with its own progress and errors. */
function actionForm(kind, title, fields, submitLabel, save, done, names) {
  const form = h('form', { class: 'af-form af-mini', 'data-form': kind, novalidate: true },
    h('h3', { class: 'af-subtitle' }, title),
    h('p', { class: 'af-error af-error-top', 'data-error-for': '_form', role: 'alert', tabindex: '-1', hidden: true }),
    fields,
    h('div', { class: 'af-actions' },
      h('button', { type: 'submit', class: 'btn', 'data-chat': 'admin-' + kind }, submitLabel),
      h('span', { class: 'af-status', 'data-chat': 'admin-form-status', role: 'status', 'aria-live': 'polite' })));
  onSubmit(form, names || [], save, done);
  return form;
}

function activeForm(agent, done) {
  const on = agent.active !== false;
  return actionForm('active', t('admin.agent.access'),
    h('p', { class: 'af-hint' }, on ? t('admin.agent.active_hint') : t('admin.agent.inactive_hint')),
    on ? t('admin.agent.deactivate') : t('admin.agent.activate'),
    () => request('PATCH', '/agents/' + agent.id, { active: !on }),
    (saved) => { agent.active = saved.active; announce(saved.active ? t('admin.agent.activated') : t('admin.agent.deactivated'), 'ok'); done(true); });
}

function passwordForm(agent, done) {
  return actionForm('password', t('admin.agent.reset_password'),
    field('password', t('admin.agent.new_password'), input('password', '', { type: 'text', autocomplete: 'new-password', minlength: 8, spellcheck: 'false' }), t('admin.agent.reset_hint')),
    t('admin.agent.set_password'),
    (f) => request('PATCH', '/agents/' + agent.id, { password: value(f, 'password') }),
    () => { announce(t('admin.agent.password_set'), 'ok'); done(false); }, ['password']);
}

function twoFactorForm(agent, done) {
  const on = !!agent.two_factor;
  const out = h('div', { class: 'ad-otp', 'data-chat': 'admin-otp', hidden: true });
  const form = actionForm('otp', t('admin.agent.two_factor'),
    [h('p', { class: 'af-hint' }, on ? t('admin.agent.otp_on') : t('admin.agent.otp_off')), out],
    on ? t('admin.agent.otp_disable') : t('admin.agent.otp_enable'),
    () => request(on ? 'DELETE' : 'POST', '/agents/' + agent.id + '/otp'),
    (result) => {
      if (!on && result && result.uri) {
        out.hidden = false;
        out.replaceChildren(
          h('p', null, t('admin.agent.otp_scan')),
          result.qr_svg ? h('img', { class: 'ad-qr', src: 'data:image/svg+xml;base64,' + btoa(result.qr_svg), alt: t('admin.agent.otp_qr') }) : null,
          h('label', { class: 'af-label', for: 'otp-uri-' + agent.id }, t('admin.agent.otp_uri')),
          h('textarea', { id: 'otp-uri-' + agent.id, class: 'af-input ad-mono', readonly: true, rows: 3, 'data-chat': 'admin-otp-uri' }, result.uri),
          h('p', { class: 'af-hint' }, t('admin.agent.otp_secret', { secret: result.secret })));
      }
      agent.two_factor = !on;
      announce(on ? t('admin.agent.otp_disabled') : t('admin.agent.otp_enabled'), 'ok');
      done(false);
    });
  return form;
}

function openAgent(agent, refresh) {
  const form = accountForm(agent, refresh);
  const extra = h('div', { class: 'ad-sheet-extra' });
  const self = CONFIG.agent && CONFIG.agent.id === agent.id;
  if (isAdmin() || self) extra.appendChild(avatarControl(agent, refresh));
  if (!self) extra.appendChild(activeForm(agent, () => { closeSheet(form); refresh(); }));
  if (isAdmin()) {
    extra.appendChild(passwordForm(agent, refresh));
    extra.appendChild(twoFactorForm(agent, refresh));
  }
  openSheet(form, extra);
}

function statusChip(agent) {
  const status = agent.status || 'offline';
  return h('span', { class: 'ad-status is-' + status, 'data-chat': 'admin-agent-status', 'data-status': status },
    h('i', { 'aria-hidden': 'true' }), t('admin.status.' + status));
}

function agentRow(agent, refresh) {
  const sites = agent.all_sites ? t('admin.agent.all_sites') : (agent.sites || []).map(siteName).join(', ');
  const teams = (agent.teams || []).map(teamName).join(', ');
  const load = agent.max_chats == null ? String(agent.open_chats) : t('admin.agent.load', { open: agent.open_chats, max: agent.max_chats });
  const meta = [
    agent.email ? h('span', { class: 'ad-meta' }, agent.email) : null,
    h('div', { class: 'ad-chips' },
      agent.role ? chip(t('role.' + agent.role)) : null,
      statusChip(agent),
      h('span', { class: 'ad-chip', 'data-chat': 'admin-agent-load', title: t('admin.agent.load_title') }, load),
      agent.active === false ? chip(t('admin.agent.inactive'), 'bad') : null,
      agent.two_factor ? chip(t('admin.agent.two_factor_short'), 'ok') : null),
    h('span', { class: 'ad-meta' }, t('admin.agent.sites') + ': ' + (sites || '–')),
    teams ? h('span', { class: 'ad-meta' }, t('admin.agent.teams') + ': ' + teams) : null
  ];
  const canEdit = !!agent.email; // staff see e-mails; the API decides the rest
  return row('admin-agent-row', agent.id, agent.name, meta,
    canEdit ? [editButton(t('admin.edit'), () => openAgent(agent, refresh))] : [],
    avatar(agent, 40));
}

export function agentsSection() {
  const section = sectionFrame('agents', t('admin.agents'), t('admin.agents_hint'), null);
  const refresh = () => Promise.all([loadSites(), loadTeams(), loadAgents()]).then(() => {
    fillList(section, data.agents.map((a) => agentRow(a, refresh)), t('admin.agent.empty'));
  }, (err) => listFailed(section, err));
  if (isAdmin()) {
    section.querySelector('.ad-section-head').appendChild(primaryButton(t('admin.agent.invite'), 'admin-new-agent',
      () => openSheet(accountForm({ all_sites: true, max_chats: 5, role: 'agent' }, refresh))));
  }
  section.refresh = refresh;
  return section;
}
