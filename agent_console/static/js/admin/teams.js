/* Teams: list, create, edit (name, sites, agents) and delete, as GET/POST /api/v1/teams and
 * PATCH/DELETE /api/v1/teams/{id}. A conversation can be transferred to a team.
 */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { request } from './http.js';
import { checkList, checkedValues, field, formShell, input, onSubmit, value } from './forms.js';
import {
  agentName, announce, chip, closeSheet, data, editButton, fillList, listFailed, loadAgents, loadSites,
  loadTeams, openSheet, primaryButton, row, sectionFrame, siteName
} from './shell.js';

const NAMES = ['name', 'site_ids', 'agent_ids'];

function teamForm(team, done) {
  const creating = !team.id;
  const form = formShell('team', creating ? t('admin.team.new') : t('admin.team.edit', { name: team.name }), [
    field('name', t('admin.team.name'), input('name', team.name, { required: true, maxlength: 100, autocomplete: 'off' })),
    field('site_ids', t('admin.team.sites'), checkList('site_ids', data.sites.map((s) => ({ value: s.id, label: s.name })), team.site_ids)),
    field('agent_ids', t('admin.team.agents'), checkList('agent_ids', data.agents.map((a) => ({ value: a.id, label: a.name })), team.agent_ids))
  ], creating ? t('admin.team.create') : t('admin.save'));
  onSubmit(form, NAMES, (f) => {
    const body = { name: value(f, 'name'), site_ids: checkedValues(f, 'site_ids'), agent_ids: checkedValues(f, 'agent_ids') };
    return creating ? request('POST', '/teams', body) : request('PATCH', '/teams/' + team.id, body);
  }, (saved) => {
    announce(creating ? t('admin.team.created', { name: saved.name }) : t('admin.saved'), 'ok');
    closeSheet(form);
    done();
  });
  return form;
}

/** Delete asks twice on the page itself (no browser dialog): the first click arms the button. */
export function deleteButton(label, hookName, remove) {
  const button = h('button', { type: 'button', class: 'btn btn-sm btn-danger', 'data-chat': hookName }, label);
  let armed = false;
  button.addEventListener('click', () => {
    if (!armed) {
      armed = true;
      button.textContent = t('admin.confirm_delete');
      setTimeout(() => { armed = false; button.textContent = label; }, 4000);
      return;
    }
    button.disabled = true;
    remove().then(() => announce(t('admin.deleted'), 'ok'), () => {
      button.disabled = false;
      announce(t('admin.err.generic'), 'bad');
    });
  });
  return button;
}

function teamRow(team, refresh) {
  return row('admin-team-row', team.id, team.name, [
    h('div', { class: 'ad-chips' },
      (team.site_ids || []).map((id) => chip(siteName(id))),
      chip(t('admin.team.n_agents', { n: (team.agent_ids || []).length }))),
    h('span', { class: 'ad-meta' }, (team.agent_ids || []).map(agentName).join(', ') || t('admin.team.no_agents'))
  ], [
    editButton(t('admin.edit'), () => openSheet(teamForm(team, refresh))),
    deleteButton(t('admin.delete'), 'admin-delete-team', () => request('DELETE', '/teams/' + team.id).then(refresh))
  ]);
}

export function teamsSection() {
  const section = sectionFrame('teams', t('admin.teams'), t('admin.teams_hint'),
    primaryButton(t('admin.team.new'), 'admin-new-team', () => openSheet(teamForm({ site_ids: [], agent_ids: [] }, refresh))));
  const refresh = () => Promise.all([loadSites(), loadAgents(), loadTeams()]).then(() => {
    fillList(section, data.teams.map((x) => teamRow(x, refresh)), t('admin.team.empty'));
  }, (err) => listFailed(section, err));
  section.refresh = refresh;
  return section;
}
