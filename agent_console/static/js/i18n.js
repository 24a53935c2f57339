/* The page's strings and language.
 *
 * The server renders every string of the page into <script id="i18n" type="application/json">
 * and the language into <html lang>. t('key', {name: 'x'}) fills {name}-style placeholders;
 * a key with no string shows as itself.
 */

/** The parsed JSON of a <script type="application/json"> blob, or null. */
export function readJSON(id) {
  const el = document.getElementById(id);
  if (!el) return null;
  try { return JSON.parse(el.textContent || 'null'); } catch (e) { return null; }
}

export const T = readJSON('i18n') || {};

/** 'tr' or 'en', as the server chose it (query parameter, cookie, then Accept-Language). */
export const lang = document.documentElement.getAttribute('lang') === 'tr' ? 'tr' : 'en';

/** The locale the console formats dates and times in (the dashboard formats in `lang`). */
export const locale = lang === 'tr' ? 'tr-TR' : 'en-GB';

export function has(key) {
  return Object.prototype.hasOwnProperty.call(T, key);
}

export function t(key, vars) {
  let s = has(key) ? String(T[key]) : key;
  if (vars) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
  }
  return s;
}
