/* Kervan Chat admin screens: one section at a time, chosen by the tabs (and the URL hash).
 *
 *   http.js    REST calls with the page's token       forms.js  fields, errors, the save cycle
 *   shell.js   shared lists, the sheet, copy buttons  avatar.js agent pictures and initials
 *   sites.js, agents.js, teams.js, sla.js, canned.js, faq.js (+ faq_tools.js), webhooks.js: one section each
 */
import { $$, hook } from '../dom.js';
import { CONFIG } from './http.js';
import { sitesSection } from './sites.js';
import { agentsSection } from './agents.js';
import { teamsSection } from './teams.js';
import { slaSection } from './sla.js';
import { cannedSection } from './canned.js';
import { faqSection } from './faq.js';
import { webhooksSection } from './webhooks.js';

const BUILDERS = { sites: sitesSection, agents: agentsSection, teams: teamsSection, sla: slaSection, canned: cannedSection, faq: faqSection, webhooks: webhooksSection };
const allowed = (CONFIG.sections || []).filter((name) => BUILDERS[name]);
const content = hook('admin-content');
const built = {};

function show(name) {
  if (allowed.indexOf(name) < 0) name = allowed[0];
  if (!name) return;
  $$('[data-section-tab]').forEach((tab) => {
    const on = tab.getAttribute('data-section-tab') === name;
    tab.classList.toggle('is-active', on);
    if (on) {
      tab.setAttribute('aria-current', 'page');
      tab.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    } else tab.removeAttribute('aria-current');
  });
  Object.keys(built).forEach((key) => { built[key].hidden = key !== name; });
  if (!built[name]) {
    built[name] = BUILDERS[name]();
    content.appendChild(built[name]);
  }
  built[name].hidden = false;
  content.setAttribute('data-section', name);
  // Switching the language keeps the section open.
  $$('.langswitch a[hreflang]').forEach((link) => link.setAttribute('href', '?lang=' + link.getAttribute('hreflang') + '#' + name));
  built[name].refresh();
}

function fromHash() { return (window.location.hash || '').replace(/^#/, ''); }

window.addEventListener('hashchange', () => show(fromHash()));
show(fromHash());
document.body.setAttribute('data-ready', 'true');
