/* Numbers, durations, times and dates as the console pages show them.
 *
 * The console formats dates in `locale` (tr-TR, en-GB) and words durations with the
 * time.* strings; the dashboard formats in `lang` (tr, en) with the stats.unit_* strings.
 */
import { t, lang, locale } from './i18n.js';

/** Milliseconds since the epoch of an ISO time, or NaN. */
export function parseTime(s) {
  if (!s) return NaN;
  const n = Date.parse(s);
  return isNaN(n) ? NaN : n;
}

/** 00:07, 12:34, 1:02:03: the console's wait timers. */
export function clock(sec) {
  sec = Math.max(0, Math.floor(sec));
  const hh = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  return (hh ? hh + ':' : '') + String(m).padStart(2, '0') + ':' + String(s).padStart(2, '0');
}

/** 0:07, 1:23, 1:02:03: the dashboard's live timers. */
export function timer(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
  const mm = h ? (m < 10 ? '0' : '') + m : String(m);
  return (h ? h + ':' : '') + mm + ':' + (s < 10 ? '0' : '') + s;
}

/** 45 s, 3 min 20 s, 2 h 5 min, 1 d 3 h (the console); '' for no value. */
export function duration(sec) {
  if (sec === null || sec === undefined || isNaN(sec)) return '';
  sec = Math.max(0, Math.round(sec));
  if (sec < 60) return t('time.s', { n: sec });
  let m = Math.floor(sec / 60);
  const s = sec % 60;
  if (m < 60) return t('time.m', { n: m }) + (s ? ' ' + t('time.s', { n: s }) : '');
  const hh = Math.floor(m / 60);
  m = m % 60;
  if (hh < 24) return t('time.h', { n: hh }) + (m ? ' ' + t('time.m', { n: m }) : '');
  const d = Math.floor(hh / 24);
  return t('time.d', { n: d }) + (hh % 24 ? ' ' + t('time.h', { n: hh % 24 }) : '');
}

const numberFormats = new Map();
/** A number in the page's language with `digits` decimals; '–' for none. */
export function num(value, digits) {
  if (value == null) return '–';
  const d = digits || 0;
  if (!numberFormats.has(d)) {
    numberFormats.set(d, new Intl.NumberFormat(lang, { minimumFractionDigits: d, maximumFractionDigits: d }));
  }
  return numberFormats.get(d).format(value);
}

/** part / whole in percent, or null when whole is 0. */
export function pct(part, whole) {
  if (!whole) return null;
  return (100 * part) / whole;
}

export function pctText(value) {
  if (value == null) return '–';
  return num(value, value >= 99.95 || value === 0 ? 0 : 1);
}

/** 2.4 s, 38 s, 4 min 05 s, 1 h 12 min (the dashboard); '–' for none. */
export function statDuration(seconds) {
  if (seconds == null || isNaN(seconds)) return '–';
  const s = t('stats.unit_s'), m = t('stats.unit_min'), h = t('stats.unit_h');
  if (seconds < 10) return num(seconds, 1) + ' ' + s;
  if (seconds < 60) return num(Math.round(seconds)) + ' ' + s;
  const total = Math.round(seconds);
  if (total < 3600) {
    const secs = total % 60;
    return Math.floor(total / 60) + ' ' + m + (secs ? ' ' + (secs < 10 ? '0' : '') + secs + ' ' + s : '');
  }
  const mins = Math.floor(total / 60) % 60;
  return Math.floor(total / 3600) + ' ' + h + (mins ? ' ' + mins + ' ' + m : '');
}

// ---------------------------------------------------------------- the console's dates (locale)

/** A function ms -> text with Intl.DateTimeFormat(locale, opts); '' for NaN. */
export function dateFormat(opts, tz) {
  let f = null;
  try { f = new Intl.DateTimeFormat(locale, tz ? Object.assign({ timeZone: tz }, opts) : opts); } catch (e) { f = null; }
  return function (ms) {
    if (isNaN(ms)) return '';
    try { return f ? f.format(new Date(ms)) : new Date(ms).toISOString(); } catch (e) { return ''; }
  };
}
export const fmtTime = dateFormat({ hour: '2-digit', minute: '2-digit' });
export const fmtDay = dateFormat({ day: 'numeric', month: 'long', year: 'numeric' });
export const fmtShortDay = dateFormat({ day: 'numeric', month: 'short' });
export const fmtFull = dateFormat({ day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });

const tzFormatters = new Map();
/** The weekday and time now in the time zone `tz` ('' when unknown). */
export function timeIn(tz) {
  if (!tz) return '';
  if (!tzFormatters.has(tz)) {
    let f = null;
    try { f = new Intl.DateTimeFormat(locale, { timeZone: tz, hour: '2-digit', minute: '2-digit', weekday: 'short' }); } catch (e) { f = null; }
    tzFormatters.set(tz, f);
  }
  const fm = tzFormatters.get(tz);
  return fm ? fm.format(new Date()) : '';
}

export function dayKey(ms) {
  const d = new Date(ms);
  return d.getFullYear() + '-' + d.getMonth() + '-' + d.getDate();
}

/** Today, Yesterday, or the date. */
export function dayLabel(ms) {
  const now = new Date();
  const today = dayKey(now.getTime());
  const yest = dayKey(now.getTime() - 86400000);
  const k = dayKey(ms);
  if (k === today) return t('console.today');
  if (k === yest) return t('console.yesterday');
  return fmtDay(ms);
}

/** The time for today, else the short date. */
export function shortWhen(ms) {
  if (isNaN(ms)) return '';
  return dayKey(ms) === dayKey(Date.now()) ? fmtTime(ms) : fmtShortDay(ms);
}

// ---------------------------------------------------------------- the dashboard's dates (lang)

export function timeOfDay(date) {
  return date.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' });
}

export function timeWithSeconds(date) {
  return date.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function shortDate(date) {
  return date.toLocaleDateString(lang, { day: 'numeric', month: 'short' });
}

export function dateTime(date) {
  return date.toLocaleString(lang, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}
