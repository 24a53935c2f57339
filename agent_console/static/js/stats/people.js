/* Agents and visitors on the dashboard: initials on a colour of their own. */
import { h, svg } from '../dom.js';
import { t } from '../i18n.js';

export function initials(name) {
  return (name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part.charAt(0).toUpperCase()).join('');
}

/** A hue (0–359) of its own for every id. */
export function hue(text) {
  let n = 0;
  for (let i = 0; i < text.length; i++) n = (n * 31 + text.charCodeAt(i)) % 360;
  return n;
}

function person() {
  return svg('svg', { viewBox: '0 0 24 24', width: '15', height: '15', 'aria-hidden': 'true' },
    svg('circle', { cx: '12', cy: '8', r: '4', fill: 'currentColor' }),
    svg('path', { d: 'M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7', fill: 'currentColor' }));
}

/** The visitor's initials when they gave a name, else a person. */
export function visitorAvatar(item) {
  return h('span', { class: 'st-avatar st-avatar-visitor', style: '--h:' + hue(String(item.visitor_id)) },
    item.visitor_name ? initials(item.visitor_name) : person());
}

export function visitorName(item) {
  return item.visitor_name || t('stats.visitor', { id: '#' + String(item.visitor_id).slice(0, 6) });
}
