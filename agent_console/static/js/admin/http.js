/* The admin screens' REST calls: JSON in, JSON out, errors as ApiError.
 *
 * The console session cookie authenticates the calls (same origin); the page's config blob
 * carries the session's CSRF token, sent as X-CSRF-Token on every call (the API requires
 * it on changes). A config with an api_token (a script's test page) sends it as a Bearer token.
 */
import { ApiError, bearer } from '../api.js';
import { readJSON } from '../i18n.js';

export const CONFIG = readJSON('admin-config') || {};

/** request('PATCH', '/sites/ID', {...}) -> Promise of the JSON body (null for an empty one). */
export function request(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (CONFIG.api_token) headers['Authorization'] = bearer(CONFIG.api_token);
  if (CONFIG.csrf_token) headers['X-CSRF-Token'] = CONFIG.csrf_token;
  const init = { method: method, headers: headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch('/api/v1' + path, init).then((res) => {
    if (res.status === 401) window.location.assign('/console/login?next=/console/admin');
    return res.text().then((text) => {
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (!res.ok) {
        const err = (data && data.error) || {};
        throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || '');
      }
      return data;
    });
  }, () => { throw new ApiError(0, 'network', ''); });
}

export const get = (path) => request('GET', path);
