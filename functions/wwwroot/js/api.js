// The Hearth API from the browser: the bearer token (the sign-in provider's, in memory; or a pasted one in Development,
// kept in localStorage), problems turned into errors with their detail.

const TOKEN_KEY = 'hearth.token';

export class ApiError extends Error {
  constructor(status, problem) {
    const fields = problem?.errors ? Object.entries(problem.errors).map(([k, v]) => `${k}: ${[].concat(v).join(', ')}`).join('; ') : '';
    super(fields ? `${problem?.detail ?? problem?.title ?? 'Request failed'} (${fields})` : (problem?.detail ?? problem?.title ?? `Request failed (${status})`));
    this.status = status;
    this.problem = problem;
  }
}

let source = null;   // () => the signed-in person's access token (OpenID Connect), when the page signs in that way
let renewer = null;  // () => Promise<boolean>: a fresh access token after a 401

/** Uses tokens from the sign-in provider: read on every call, renewed once when the API answers 401. */
export function useTokenSource(get, renew) {
  source = get;
  renewer = renew;
}

export const token = {
  get: () => source?.() ?? localStorage.getItem(TOKEN_KEY),
  set: (value) => localStorage.setItem(TOKEN_KEY, value),
  clear: () => localStorage.removeItem(TOKEN_KEY),
};

let config;
/** The host's page configuration: environment and, in Development, the dev token to prefill. */
export async function pageConfig() {
  config ??= await fetch('/web/config.json').then((r) => (r.ok ? r.json() : { environment: 'Production', devToken: null })).catch(() => ({ environment: 'Production', devToken: null }));
  return config;
}

function headers(extra = {}) {
  const h = { Accept: 'application/json', ...extra };
  const t = token.get();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function problemOf(response) {
  try { return await response.json(); } catch { return null; }
}

/** Calls the API; answers the parsed JSON (null for 204) or throws ApiError. */
export async function api(path, options = {}) {
  const { method = 'GET', body, raw, contentType, signal } = options;
  const init = { method, headers: headers(raw !== undefined ? { 'Content-Type': contentType ?? 'application/octet-stream' } : body === undefined ? {} : { 'Content-Type': 'application/json' }), signal };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  if (!response.ok) {
    // An access token that expired (or was revoked) is renewed once and the call made again.
    if (response.status === 401 && renewer && source?.() && !options.renewed && await renewer()) return api(path, { ...options, renewed: true });
    const error = new ApiError(response.status, await problemOf(response));
    if (response.status === 401) window.dispatchEvent(new CustomEvent('hearth:unauthorized'));
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get('Content-Type') ?? '';
  return type.includes('json') ? response.json() : response.text();
}

/**
 * A streamed chat turn (server-sent events over a POST). Calls onDelta(text) for checked text, onReset() when the text
 * so far must be dropped; resolves with the 'done' answer, rejects with ApiError on 'error' or a problem before the stream.
 */
export function streamTurn(agentId, body, handlers = {}) {
  return streamEvents(`/api/agents/${encodeURIComponent(agentId)}/chat/stream`, body, handlers);
}

/** A regeneration of the latest reply, streamed like a turn; resolves with the reply's alternatives. */
export function streamRegeneration(agentId, replyId, handlers = {}) {
  return streamEvents(`/api/agents/${encodeURIComponent(agentId)}/messages/${encodeURIComponent(replyId)}/regenerate/stream`, undefined, handlers);
}

async function streamEvents(path, body, { onDelta, onReset, signal } = {}) {
  const response = await fetch(path, {
    method: 'POST', headers: headers(body === undefined ? { Accept: 'text/event-stream' } : { 'Content-Type': 'application/json', Accept: 'text/event-stream' }),
    body: body === undefined ? undefined : JSON.stringify(body), signal,
  });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      const payload = data.length ? JSON.parse(data.join('\n')) : {};
      if (event === 'delta') onDelta?.(payload.text ?? '');
      else if (event === 'reset') onReset?.();
      else if (event === 'done') return payload;
      else if (event === 'error') throw new ApiError(payload.status ?? 500, payload);
    }
  }
  throw new ApiError(502, { detail: 'The reply stream ended before the reply was complete. Try again.' });
}

/** Fetches a file with the bearer token (an <a href> cannot send one); answers { blob, name }, the name from Content-Disposition. */
export async function download(path, accept) {
  const response = await fetch(path, { headers: headers({ Accept: accept }) });
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1] ?? /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? 'download';
  return { blob: await response.blob(), name: decodeURIComponent(name) };
}
