// The REST API v1 (docs: /docs), and nothing else: the web client has no back door the API does not offer.
const TOKEN = 'herenow.token';
const USER = 'herenow.username';

export const session = {
  get token() { return localStorage.getItem(TOKEN); },
  get username() { return localStorage.getItem(USER); },
  get signedIn() { return !!localStorage.getItem(TOKEN); },
  set(token, username) { localStorage.setItem(TOKEN, token); localStorage.setItem(USER, username); },
  clear() { localStorage.removeItem(TOKEN); localStorage.removeItem(USER); },
};

/** An RFC 9457 problem document as an Error: message is its detail (or title), errors its field messages. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.errors = problem?.errors ?? {};
  }

  /** One line per field message, for a form's error summary. */
  get lines() {
    const lines = Object.entries(this.errors).flatMap(([f, ms]) => ms.map(m => `${f.replaceAll('_', ' ')} ${m}`));
    return lines.length ? lines : [this.message];
  }
}

function idempotencyKey() {
  // crypto.randomUUID needs a secure context; a page opened over plain http on a LAN address is not one.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
}

export function authHeaders(extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  return headers;
}

export async function api(path, { method = 'GET', json, form } = {}) {
  const headers = authHeaders();
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  // Creating POSTs carry an Idempotency-Key, so a retried click never makes a second object.
  if (method === 'POST') headers['Idempotency-Key'] = idempotencyKey();
  const response = await fetch(`/api/v1${path}`, { method, headers, body });
  if (response.status === 401 && session.signedIn) {
    session.clear(); // a revoked or expired token: back to signed out
    window.dispatchEvent(new Event('herenow:session'));
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not a problem document */ }
    const error = new ApiError(response.status, problem);
    const wait = Number(response.headers.get('Retry-After'));
    if (response.status === 429 && wait > 0) error.message = `Too many requests: try again in ${wait} s.`;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

/** Every page of a paginated list, oldest last, up to max items (max_id paging, as the Link header's rel="next"). */
export async function all(path, max = 1000) {
  const items = [];
  const sep = path.includes('?') ? '&' : '?';
  let page = await api(`${path}${sep}limit=40`);
  while (page.length) {
    items.push(...page);
    if (page.length < 40 || items.length >= max) break;
    page = await api(`${path}${sep}limit=40&max_id=${encodeURIComponent(page[page.length - 1].id)}`);
  }
  return items.slice(0, max);
}
