// Sign-in with the OpenID Connect provider the server names (/web/config.json → oidc): the authorization code flow with
// PKCE (S256) as a public client. The access and refresh tokens live only in this module's memory — never in
// localStorage or sessionStorage — so a reload signs in again silently (prompt=none) while the provider's session lasts.
// sessionStorage holds only what must survive the redirect (state, nonce, the PKCE verifier) and a flag that this tab
// was signed in.

const FLOW = 'hearth.oidc.flow';
const SIGNED_IN = 'hearth.oidc.signedIn';
const RENEW_BEFORE_MS = 60_000;

let settings = null;
let metadata = null;
let session = null; // { accessToken, refreshToken, expiresAt }
let renewTimer = 0;
let renewing = null;

export function configure(oidc) {
  settings = oidc;
}

/** The access token, or null when not signed in. */
export function accessToken() {
  return session?.accessToken ?? null;
}

/** Whether this tab was signed in with the provider (a reload should sign in again without a click). */
export function wasSignedIn() {
  return sessionStorage.getItem(SIGNED_IN) === '1';
}

export function forget() {
  session = null;
  clearTimeout(renewTimer);
  sessionStorage.removeItem(SIGNED_IN);
}

async function discover() {
  if (metadata) return metadata;
  const response = await fetch(`${settings.authority}/.well-known/openid-configuration`, { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`The sign-in provider could not be reached (${response.status}).`);
  metadata = await response.json();
  return metadata;
}

function base64url(bytes) {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(bytes = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The page itself is the redirect URI (register both / and /admin with the provider). */
function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

/**
 * Sends the browser to the provider. silent: prompt=none (no page shown; the provider answers at once with a code
 * or with login_required). Never resolves: the page is left.
 */
export async function startSignIn({ silent = false } = {}) {
  const md = await discover();
  const verifier = random(48);
  const flow = { state: random(), nonce: random(), verifier, redirectUri: redirectUri(), returnTo: location.pathname + location.search + location.hash, silent };
  sessionStorage.setItem(FLOW, JSON.stringify(flow));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const url = new URL(md.authorization_endpoint);
  const query = {
    client_id: settings.clientId, response_type: 'code', response_mode: 'query', redirect_uri: flow.redirectUri, scope: settings.scopes,
    state: flow.state, nonce: flow.nonce, code_challenge: challenge, code_challenge_method: 'S256',
  };
  if (silent) query.prompt = 'none';
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  location.assign(url.toString());
  return new Promise(() => {});
}

/**
 * Finishes a return from the provider (?code=… or ?error=… with our state): the code is exchanged for tokens with the
 * PKCE verifier, and the address bar loses the code. Answers { handled, error?, silent? }.
 */
export async function completeSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return { handled: false };
  const flow = JSON.parse(sessionStorage.getItem(FLOW) ?? 'null');
  if (!flow || params.get('state') !== flow.state) return { handled: false };
  sessionStorage.removeItem(FLOW);
  history.replaceState(null, '', flow.returnTo);
  if (params.has('error')) return { handled: true, silent: flow.silent, error: params.get('error'), description: params.get('error_description') };
  const tokens = await tokenRequest({
    grant_type: 'authorization_code', code: params.get('code'), redirect_uri: flow.redirectUri, code_verifier: flow.verifier, client_id: settings.clientId,
  });
  if (tokens.id_token && claimsOf(tokens.id_token).nonce !== flow.nonce) {
    forget();
    throw new Error('The sign-in answer did not match this request (nonce). Try again.');
  }
  sessionStorage.setItem(SIGNED_IN, '1');
  return { handled: true };
}

function claimsOf(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

async function tokenRequest(body) {
  const md = await discover();
  const response = await fetch(md.token_endpoint, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: new URLSearchParams(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok || !answer.access_token) throw new Error(`The sign-in provider refused: ${answer.error_description ?? answer.error ?? response.status}`);
  session = {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? session?.refreshToken ?? null,
    expiresAt: Date.now() + Number(answer.expires_in ?? 3600) * 1000,
  };
  scheduleRenewal();
  return answer;
}

function scheduleRenewal() {
  clearTimeout(renewTimer);
  const wait = Math.max(5_000, session.expiresAt - Date.now() - RENEW_BEFORE_MS);
  renewTimer = setTimeout(() => { renew().then((ok) => { if (!ok) startSignIn({ silent: true }); }); }, wait);
}

/**
 * Renews the access token with the refresh token (one renewal at a time); answers false when there is none or the
 * provider refused it (then a silent sign-in by redirect is the way left).
 */
export function renew() {
  if (!session?.refreshToken) return Promise.resolve(false);
  renewing ??= tokenRequest({ grant_type: 'refresh_token', refresh_token: session.refreshToken, client_id: settings.clientId, scope: settings.scopes })
    .then(() => true, () => false)
    .finally(() => { renewing = null; });
  return renewing;
}

/** Signs out here and at the provider (when it offers an end-session endpoint), back to this page. */
export async function signOut() {
  forget();
  const md = await discover().catch(() => null);
  if (!md?.end_session_endpoint) { location.href = location.pathname; return; }
  const url = new URL(md.end_session_endpoint);
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('post_logout_redirect_uri', redirectUri());
  location.assign(url.toString());
}
