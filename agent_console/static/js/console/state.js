/* The console's configuration (from the page) and everything it knows, in one object S. */
import { readJSON } from '../i18n.js';

export const CFG = readJSON('console-config') || {};
export const TOKEN = CFG.api_token || '';

export const RECONNECT_MIN = 500;
export const RECONNECT_MAX = 10000;
export const TYPING_SEND_EVERY = 3000;
export const TYPING_IDLE = 4000;
export const TYPING_SHOW_FOR = 7000;
export const MAX_TEXT = 5000;

export function normaliseSla(s) {
  s = s || {};
  const first = Number(s.first_response_seconds);
  const next = Number(s.next_response_seconds);
  const frac = Number(s.warning_fraction);
  return {
    first_response_seconds: first > 0 ? first : 60,
    next_response_seconds: next > 0 ? next : 120,
    warning_fraction: frac > 0 && frac < 1 ? frac : 0.8
  };
}

export const S = {
  me: CFG.agent || { id: null, name: '', role: 'agent' }, // the agent; the welcome frame updates it
  sla: normaliseSla(CFG.sla),
  convs: new Map(),        // id -> Conversation (open and resolved we know of)
  msgs: new Map(),         // conversation id -> Map(seq -> Message)
  loaded: new Set(),       // conversation ids whose history came from REST
  pending: new Map(),      // client_id -> {kind, conversation_id, visitor_id, text, internal, failed, frame, at}
  visitors: new Map(),     // id -> Visitor (online list), with _at = Date.now() when received
  details: new Map(),      // id -> Visitor from REST (full pages)
  unread: new Set(),
  typing: new Map(),       // conversation id -> {author, until}
  current: null,           // open conversation id
  selVisitor: null,        // visitor shown in the side panel
  invite: null,            // visitor id while composing an invitation
  resolving: null,         // conversation id while its resolve frame is unanswered
  tab: 'open',
  resolvedLoaded: false,
  agentsOnline: null,
  agents: new Map(),       // id -> colleague {id, name, status, open_chats, sites} (routing.js)
  teams: [],               // teams a conversation can be transferred to
  myStatus: null,          // 'online' or 'away': the agent's own choice
  welcomed: false,
  seen: loadSeen()         // conversation id -> the last seq the agent saw
};

// ------------------------------------------------------------------ persistence (localStorage)
function storageKey() { return 'kervan.console.' + (S.me.id || 'anon'); }

function loadSeen() {
  try { return JSON.parse(window.localStorage.getItem('kervan.console.' + ((CFG.agent || {}).id || 'anon') + '.seen') || '{}') || {}; }
  catch (e) { return {}; }
}

export function saveSeen() {
  try {
    const keep = {};
    S.convs.forEach((c, id) => { if (S.seen[id] !== undefined) keep[id] = S.seen[id]; });
    S.seen = keep;
    window.localStorage.setItem(storageKey() + '.seen', JSON.stringify(keep));
  } catch (e) { /* private mode: unread state lives for this page only */ }
}

export function pref(name, dflt) {
  try { const v = window.localStorage.getItem(storageKey() + '.' + name); return v === null ? dflt : v === '1'; }
  catch (e) { return dflt; }
}

export function setPref(name, on) {
  try { window.localStorage.setItem(storageKey() + '.' + name, on ? '1' : '0'); } catch (e) { /* ignore */ }
}

/** Runs fn; a render error is reported as a "[console]" warning instead of stopping the console. */
export function guard(fn) {
  try { return fn(); } catch (e) { if (window.console && console.warn) console.warn('[console]', e); return undefined; }
}
