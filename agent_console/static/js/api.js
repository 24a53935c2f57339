/* The REST API (/api/v1) from the console pages.
 *
 * The console's pages authenticate with their session cookie (same origin), so they hold
 * no API token: a logout ends their access at once. Calls that change something must send
 * the session's CSRF token as X-CSRF-Token (admin/http.js does); these only read (GET).
 * A caller that has a token (a script, a test page) may still pass one: it goes out as a
 * Bearer token, and then the cookie is not looked at.
 */

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function bearer(token) {
  return 'Bearer ' + token;
}

/**
 * A function path -> Promise of the JSON body.
 *   prefix        put before every path ('/api/v1' for the dashboard)
 *   cache         the fetch cache mode, if any ('no-store' for the console)
 *   signedOut     statuses meaning the session is gone: onSignedOut() runs, then it rejects
 * It rejects with an ApiError: status 0 and code 'network' when the request never got an
 * answer, else the HTTP status and the error code and message of the body ({error: {...}}).
 */
export function createApi({ token = '', prefix = '', cache = null, signedOut = [401], onSignedOut = () => {} }) {
  return function api(path) {
    const headers = { 'Accept': 'application/json' };
    if (token) headers['Authorization'] = bearer(token);
    const init = { headers: headers, credentials: 'same-origin' };
    if (cache) init.cache = cache;
    return fetch(prefix + path, init).then((res) => {
      if (signedOut.indexOf(res.status) >= 0) {
        onSignedOut(res.status);
        throw new ApiError(res.status, 'unauthorized', '');
      }
      return res.json().catch(() => null).then((body) => {
        if (!res.ok) {
          const err = (body && body.error) || {};
          throw new ApiError(res.status, err.code || 'http_' + res.status, err.message || '');
        }
        return body;
      });
    }, () => { throw new ApiError(0, 'network', ''); });
  };
}
