/* Webhooks (contract section 10, issue 13): the subscriptions of the admin's sites, each with
 * its last delivery, and one webhook's deliveries with their state and a "Retry now".
 *
 *   GET/POST /api/v1/webhooks, DELETE /api/v1/webhooks/{id}
 *   GET /api/v1/webhooks/{id}/outbox                       one row per delivery
 *   POST /api/v1/webhooks/{id}/deliveries/{delivery}/retry
 *
 * Admins create, delete and retry; managers see the same lists without those buttons (the API
 * refuses them anyway). The signing secret is shown once, right after creation.
 */
import { h, fill } from '../dom.js';
import { t, locale } from '../i18n.js';
import { CONFIG, get, request } from './http.js';
import { checkList, checkedValues, errorText, field, formShell, input, onSubmit, select, value } from './forms.js';
import {
  announce, chip, closeSheet, copyButton, data, editButton, fillList, listFailed, loadSites, openSheet,
  primaryButton, row, sectionFrame, siteName
} from './shell.js';
import { deleteButton } from './teams.js';

const EVENTS = [
  'conversation.created', 'message.created', 'conversation.resolved',
  'rating.recorded', 'visitor.identified', 'offline_message.created'
];
const NAMES = ['url', 'events', 'site_id'];
// API codes that name no field of the form but belong to one (private_address: the URL).
const ALIASES = { address: 'url', host: 'url', site: 'site_id' };
// How often an open delivery list asks again: a retry's result shows without a click.
const POLL_MS = 3000;
const STATUS_KIND = { delivered: 'ok', failing: 'bad', pending: 'warn', dead: 'bad' };

const isAdmin = () => !!(CONFIG.agent && CONFIG.agent.role === 'admin');
const hookPath = (id) => '/webhooks/' + encodeURIComponent(id);

/** What the page calls a delivery's state: a pending one already tried is failing. */
export function statusOf(delivery) {
  if (delivery.state === 'sent') return 'delivered';
  if (delivery.state === 'dead') return 'dead';
  return delivery.attempts > 0 ? 'failing' : 'pending';
}

function timeText(iso) {
  if (!iso) return '';
  const at = new Date(iso);
  const today = new Date().toDateString() === at.toDateString();
  const opts = today
    ? { hour: '2-digit', minute: '2-digit', second: '2-digit' }
    : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' };
  return new Intl.DateTimeFormat(locale, opts).format(at);
}

function timeEl(iso, key) {
  return h('time', { datetime: iso, class: 'wh-time' }, t(key, { time: timeText(iso) }));
}

/** The receiver's answer in words: "HTTP 500", or the failure translated, the detail kept. */
function answerText(delivery) {
  if (delivery.status_code) return 'HTTP ' + delivery.status_code;
  const error = delivery.error || '';
  if (!error) return '';
  if (/^timeout/i.test(error)) return t('webhooks.answer.timeout');
  if (/^Connect(Error|Timeout)/.test(error)) return t('webhooks.answer.connect');
  if (/deleted/.test(error)) return t('webhooks.answer.deleted');
  return error;
}

function statusChip(delivery) {
  const status = statusOf(delivery);
  const answer = answerText(delivery);
  const label = t('webhooks.status.' + status) + (answer && status !== 'pending' ? ' · ' + answer : '');
  const el = chip(label, STATUS_KIND[status]);
  el.setAttribute('data-chat', 'webhook-status');
  el.setAttribute('data-status', status);
  if (delivery.error) el.setAttribute('title', delivery.error);
  return el;
}

/** The event in words, then its name; the name may break after its dot on a narrow screen. */
function eventLabel(code) {
  const dot = code.indexOf('.') + 1;
  return [t('webhooks.event.' + code), ' ',
    h('code', { class: 'wh-code' }, code.slice(0, dot), h('wbr'), code.slice(dot))];
}

function attemptsText(n) {
  if (!n) return t('webhooks.attempts_none');
  return n === 1 ? t('webhooks.attempts_one') : t('webhooks.attempts', { n: n });
}

/* ---------- creating ---------- */

function secretSheet(webhook) {
  const secret = h('input', {
    class: 'af-input wh-secret', readonly: true, value: webhook.secret, 'data-chat': 'webhook-secret',
    'aria-describedby': 'wh-secret-note', spellcheck: 'false', autocomplete: 'off'
  });
  secret.addEventListener('focus', () => secret.select());
  const box = h('div', { class: 'af-form wh-created', 'data-chat': 'webhook-created' },
    h('h2', { class: 'af-title' }, t('webhooks.created_title')),
    h('p', { class: 'ad-meta' }, h('code', { class: 'wh-code' }, webhook.url)),
    h('label', { class: 'af-label', for: 'wh-secret-input' }, t('webhooks.secret')),
    h('div', { class: 'wh-secret-row' }, secret,
      copyButton(() => webhook.secret, t('webhooks.copy_secret'), 'webhook-copy-secret')),
    h('p', { class: 'wh-note', id: 'wh-secret-note', role: 'note' }, t('webhooks.secret_note')),
    h('div', { class: 'af-actions' },
      h('button', { type: 'button', class: 'btn btn-primary', 'data-close': '', 'data-chat': 'webhook-secret-done' },
        t('webhooks.secret_done'))));
  secret.id = 'wh-secret-input';
  return box;
}

function webhookForm(done) {
  const sites = [['', t('webhooks.every_site')]].concat(data.sites.map((s) => [s.id, s.name]));
  const defaultSite = data.sites.length === 1 ? data.sites[0].id : '';
  const events = EVENTS.map((code) => ({ value: code, label: eventLabel(code) }));
  const form = formShell('webhook', t('webhooks.new'), [
    field('url', t('webhooks.url'), input('url', '', {
      type: 'url', required: true, maxlength: 2000, autocomplete: 'off', spellcheck: 'false',
      placeholder: 'https://crm.example.com/hooks/chat', inputmode: 'url'
    }), t('webhooks.url_hint')),
    field('events', t('webhooks.events'), checkList('events', events, EVENTS), t('webhooks.events_hint')),
    field('site_id', t('webhooks.site'), select('site_id', sites, defaultSite))
  ], t('webhooks.create'));
  onSubmit(form, NAMES, (f) => {
    const body = { url: value(f, 'url'), events: checkedValues(f, 'events') };
    if (value(f, 'site_id')) body.site_id = value(f, 'site_id');
    return request('POST', '/webhooks', body);
  }, (created) => {
    closeSheet(form);
    done();
    openSheet(secretSheet(created));
  }, ALIASES);
  return form;
}

/* ---------- one webhook's deliveries ---------- */

function retryButton(webhook, delivery, after) {
  const button = h('button', { type: 'button', class: 'btn btn-sm', 'data-chat': 'webhook-retry' }, t('webhooks.retry'));
  button.addEventListener('click', () => {
    button.disabled = true;
    button.textContent = t('webhooks.retrying');
    request('POST', hookPath(webhook.id) + '/deliveries/' + encodeURIComponent(delivery.id) + '/retry').then(() => {
      announce(t('webhooks.retried'), 'ok');
      after();
    }, (err) => {
      button.disabled = false;
      button.textContent = t('webhooks.retry');
      announce(errorText(err), 'bad');
    });
  });
  return button;
}

function deliveryRow(webhook, delivery, after) {
  const status = statusOf(delivery);
  const meta = [
    h('span', null, attemptsText(delivery.attempts)),
    timeEl(delivery.created_at, 'webhooks.created_at'),
    delivery.last_attempt_at ? timeEl(delivery.last_attempt_at, 'webhooks.last_attempt') : null,
    delivery.next_attempt_at && delivery.attempts > 0 ? timeEl(delivery.next_attempt_at, 'webhooks.next_attempt') : null
  ];
  const actions = isAdmin() && status !== 'delivered' ? [retryButton(webhook, delivery, after)] : [];
  const li = row('webhook-delivery', delivery.id, eventLabel(delivery.event), [
    h('div', { class: 'ad-chips' }, statusChip(delivery)),
    h('div', { class: 'wh-meta' }, meta)
  ], actions);
  li.setAttribute('data-status', status);
  return li;
}

/** The panel under the list: one webhook's deliveries, asked again every POLL_MS while shown. */
function deliveriesPanel(section) {
  const title = h('h2', { class: 'wh-subtitle', id: 'wh-h-deliveries' });
  const status = h('p', { class: 'wh-updated', role: 'status', 'aria-live': 'polite', 'data-chat': 'webhook-updated' });
  const list = h('ul', { class: 'ad-list', 'aria-labelledby': 'wh-h-deliveries', 'data-chat': 'webhook-deliveries-list', 'aria-busy': 'false' });
  const refreshButton = h('button', { type: 'button', class: 'btn btn-sm', 'data-chat': 'webhook-refresh' }, t('webhooks.refresh'));
  const closeButton = h('button', { type: 'button', class: 'btn btn-sm' }, t('admin.close'));
  const panel = h('section', { class: 'wh-deliveries', 'data-chat': 'webhook-deliveries', 'aria-labelledby': 'wh-h-deliveries', hidden: true },
    h('header', { class: 'wh-deliveries-head' },
      h('div', null, title, h('p', { class: 'ad-hint' }, t('webhooks.deliveries_hint')), status),
      h('div', { class: 'ad-row-actions' }, refreshButton, closeButton)),
    list);
  let webhook = null;
  let timer = null;
  let loading = false;

  const load = () => {
    if (!webhook || loading) return Promise.resolve();
    const asked = webhook;
    loading = true;
    status.textContent = t('webhooks.refreshing');
    return get(hookPath(asked.id) + '/outbox?limit=50').then((body) => {
      if (asked !== webhook) return;
      const deliveries = (body && body.deliveries) || [];
      list.setAttribute('aria-busy', 'false');
      if (!deliveries.length) fill(list, h('li', { class: 'ad-empty' }, t('webhooks.no_deliveries')));
      else fill(list, deliveries.map((d) => deliveryRow(asked, d, () => setTimeout(load, 400))));
      status.textContent = t('webhooks.updated_at', { time: timeText(new Date().toISOString()) });
      status.classList.remove('is-bad');
      section.showLast(asked.id, deliveries[0]);
    }, () => {
      list.setAttribute('aria-busy', 'false');
      status.textContent = t('webhooks.update_failed');
      status.classList.add('is-bad');
    }).then(() => { loading = false; });
  };
  const stop = () => { clearInterval(timer); timer = null; };
  const tick = () => {
    // Nobody looks at a hidden section or a closed panel: stop asking.
    if (panel.hidden || section.hidden || !document.body.contains(panel)) { stop(); return; }
    if (!document.hidden) load();
  };

  panel.open = (chosen) => {
    webhook = chosen;
    title.textContent = t('webhooks.deliveries_of', { url: chosen.url });
    list.setAttribute('aria-busy', 'true');
    fill(list, h('li', { class: 'ad-loading' }, t('admin.loading')));
    panel.hidden = false;
    stop();
    timer = setInterval(tick, POLL_MS);
    panel.scrollIntoView({ block: 'nearest' });
    return load();
  };
  panel.reload = () => { if (webhook && !panel.hidden) { if (!timer) timer = setInterval(tick, POLL_MS); load(); } };
  panel.forget = (id) => { if (webhook && webhook.id === id) { webhook = null; panel.hidden = true; stop(); } };
  refreshButton.addEventListener('click', load);
  closeButton.addEventListener('click', () => { webhook = null; panel.hidden = true; stop(); });
  return panel;
}

/* ---------- the list ---------- */

function webhookRow(webhook, panel, refresh) {
  const last = h('span', { class: 'wh-last', 'data-chat': 'webhook-last' },
    h('span', { class: 'ad-meta-label' }, t('webhooks.last')), ' ', chip(t('admin.loading')));
  const actions = [
    editButton(t('webhooks.show_deliveries'), () => panel.open(webhook), 'webhook-show-deliveries')
  ];
  if (isAdmin()) {
    actions.push(deleteButton(t('admin.delete'), 'webhook-delete', () => request('DELETE', hookPath(webhook.id)).then(() => {
      panel.forget(webhook.id);
      return refresh();
    })));
  }
  const li = row('webhook-row', webhook.id, h('code', { class: 'wh-code wh-url' }, webhook.url), [
    h('div', { class: 'ad-chips' },
      chip(webhook.site_id ? siteName(webhook.site_id) : t('webhooks.every_site')),
      webhook.events.map((code) => chip(t('webhooks.event.' + code)))),
    last
  ], actions);
  li.showLast = (delivery) => {
    fill(last, [h('span', { class: 'ad-meta-label' }, t('webhooks.last')), ' ',
      delivery ? statusChip(delivery) : chip(t('webhooks.never')),
      delivery ? h('span', { class: 'ad-meta' }, timeText(delivery.created_at)) : null]);
  };
  return li;
}

export function webhooksSection() {
  const admin = isAdmin();
  const section = sectionFrame('webhooks', t('webhooks.title'), t('webhooks.hint'),
    admin ? primaryButton(t('webhooks.new'), 'webhook-new', () => openSheet(webhookForm(() => refresh()))) : null);
  const list = section.querySelector('[data-role="list"]');
  list.setAttribute('data-chat', 'webhook-list');
  if (!admin) section.insertBefore(h('p', { class: 'wh-note', 'data-chat': 'webhook-read-only' }, t('webhooks.read_only')), list);
  const panel = deliveriesPanel(section);
  section.appendChild(panel);
  const rows = {};

  section.showLast = (id, delivery) => { if (rows[id]) rows[id].showLast(delivery); };
  const lastOf = (webhook) => get(hookPath(webhook.id) + '/outbox?limit=1').then((body) => {
    section.showLast(webhook.id, body && body.deliveries && body.deliveries[0]);
  }, () => section.showLast(webhook.id, null));

  const refresh = () => Promise.all([loadSites(), get('/webhooks')]).then((results) => {
    const webhooks = (results[1] && results[1].webhooks) || [];
    Object.keys(rows).forEach((id) => { delete rows[id]; });
    fillList(section, webhooks.map((w) => {
      rows[w.id] = webhookRow(w, panel, refresh);
      return rows[w.id];
    }), t('webhooks.empty'));
    panel.reload();
    return Promise.all(webhooks.map(lastOf));
  }, (err) => listFailed(section, err));
  section.refresh = refresh;
  return section;
}
