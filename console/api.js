/* global sessionStorage, location, history, fetch, TextDecoderStream, document, URL, setTimeout */
// The console's access to /api (README, "Console"): the bearer token when admin.token is set
// (kept for this tab only), JSON calls, and GET /api/events read as Server-Sent Events over fetch,
// because EventSource cannot send an Authorization header.
const TOKEN_KEY = 'sip4xx.token';
/** An event larger than this without its blank line ends the stream (the server's are far smaller). */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

export class AuthError extends Error {}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(value) {
  if (value === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, value);
}

/** A token given in the address as #token=… is taken and removed from the address bar. */
export function tokenFromFragment() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m === null) return;
  setToken(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

export async function call(method, path, body, signal) {
  const headers = {};
  if (token() !== '') headers.Authorization = `Bearer ${token()}`;
  const init = { method, headers, signal, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 401) throw new AuthError('the admin API wants a bearer token');
  return res;
}

export async function json(method, path, body) {
  const res = await call(method, path, body);
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { error: text.slice(0, 300) };
  }
  if (!res.ok) {
    const problems = Array.isArray(parsed.problems) ? `: ${parsed.problems.map((p) => (typeof p === 'string' ? p : p.message ?? JSON.stringify(p))).join('; ')}` : '';
    throw new Error(`${res.status} ${parsed.error ?? ''}${problems}`);
  }
  return parsed;
}

/** Reads GET /api/events until it ends or `signal` aborts; `onEvent(type, data)` per event. */
export async function events(onEvent, onOpen, signal) {
  const res = await call('GET', '/api/events', undefined, signal);
  if (!res.ok || res.body === null) throw new Error(`events: ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut;
    while ((cut = buf.search(/\r?\n\r?\n/)) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut).replace(/^\r?\n\r?\n/, '');
      let type = 'message';
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') type = val;
        else if (field === 'data') data.push(val);
      }
      if (data.length > 0) onEvent(type, data.join('\n'));
    }
    if (buf.length > MAX_EVENT_CHARS) throw new Error('events: an event over the size bound');
  }
}

/** Saves `blob` as a file named `name` (a download, nothing leaves the page). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
