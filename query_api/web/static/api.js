/* The one client of the JSON API (/api/v1): fetch, JSON both ways, and the CSRF flow.
 *
 * Every write carries the session's CSRF token in X-CSRF-Token. The token comes from
 * GET /api/v1/session on first use; when the server refuses it (403 csrf_failed: the
 * session changed, e.g. after signing in elsewhere) it is fetched again and the write
 * tried once more. A reply that brings a new token (sign-in) replaces the old one.
 *
 * Every call resolves to {status, ok, body} (body is {} when the reply is not JSON) and
 * rejects only when the network fails or the call is aborted.
 */

const JSON_HEADERS = { Accept: "application/json" };
let token = null;

async function exchange(url, options) {
  const response = await fetch(url, { credentials: "same-origin", ...options });
  const body = await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, body: body || {} };
}

/* GET /api/v1/session: {signed_in, account, csrf_token}; keeps the token. */
export async function session() {
  const result = await exchange("/api/v1/session", { headers: JSON_HEADERS });
  if (result.body.csrf_token) { token = result.body.csrf_token; }
  return result.body;
}

/* A read: GET url → {status, ok, body}. ``signal`` lets a newer request cancel this one. */
export function getJSON(url, { signal } = {}) {
  return exchange(url, { headers: JSON_HEADERS, signal });
}

function write(method, url, body) {
  return exchange(url, {
    method,
    headers: { ...JSON_HEADERS, "Content-Type": "application/json", "X-CSRF-Token": token || "" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/* A write (POST, PUT, PATCH, DELETE) with the CSRF token. */
export async function send(method, url, body) {
  if (!token) { await session(); }
  let result = await write(method, url, body);
  if (result.status === 403 && errorOf(result).code === "csrf_failed") {
    await session();
    result = await write(method, url, body);
  }
  if (result.body.csrf_token) { token = result.body.csrf_token; }
  return result;
}

/* The API's error, {code, message, field} ({} when the reply has none). */
export function errorOf(result) {
  return (result && result.body && result.body.error) || {};
}
