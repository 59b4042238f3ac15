// Signing in — with the sign-in provider (OpenID Connect, when the server names one) or, in Development, with a pasted
// bearer token (the dev token prefilled) — and knowing who is signed in.
import { api, token, pageConfig, useTokenSource } from './api.js';
import { toast } from './ui.js';
import * as oidc from './oidc.js';

/** Shows the sign-in until it works; resolves with /api/me. */
export async function signIn() {
  const config = await pageConfig();
  const section = document.getElementById('signin');
  const form = document.getElementById('signin-form');
  const input = document.getElementById('token');
  const hint = document.getElementById('signin-hint');
  const providerButton = document.getElementById('oidc-signin');
  const tokenForm = config.tokenForm ?? config.environment === 'Development';
  // Outside Development a token is never taken from storage: people sign in with the provider.
  if (!tokenForm) token.clear();

  window.addEventListener('hearth:unauthorized', () => {
    token.clear();
    // Not again without a click: a token the API keeps refusing must not loop through the provider.
    oidc.forget();
    location.reload();
  }, { once: true });
  document.getElementById('sign-out').addEventListener('click', () => {
    token.clear();
    if (config.oidc && oidc.accessToken()) oidc.signOut(); else location.href = location.pathname;
  });

  if (config.oidc) {
    oidc.configure(config.oidc);
    useTokenSource(oidc.accessToken, oidc.renew);
    let returned = { handled: false };
    try {
      returned = await oidc.completeSignIn();
    } catch (error) {
      toast(error.message);
    }
    if (returned.error && !returned.silent) toast(`Sign-in did not finish: ${returned.description || returned.error}`);
    if (returned.error) oidc.forget(); // the provider has no session for us (login_required): show the button
    if (oidc.accessToken()) {
      try {
        return shown(await api('/api/me'));
      } catch (error) {
        oidc.forget();
        toast(`Signed in with the provider, but Hearth did not accept it: ${error.message}`);
      }
    } else if (!returned.handled && oidc.wasSignedIn()) {
      await oidc.startSignIn({ silent: true }); // a reload: the token was only in memory
    }
  }

  if (tokenForm && token.get()) {
    try { return shown(await api('/api/me')); } catch { token.clear(); }
  }
  if (config.oidc) {
    providerButton.textContent = config.oidc.buttonText || 'Sign in';
    providerButton.hidden = false;
    providerButton.addEventListener('click', () => { providerButton.disabled = true; oidc.startSignIn().catch((error) => { providerButton.disabled = false; toast(error.message); }); });
  }
  document.getElementById('token-fields').hidden = !tokenForm;
  input.required = tokenForm;
  if (config.oidc) hint.textContent = tokenForm ? 'Sign in with your account, or paste an access token (Development).' : 'Sign in with your account.';
  else if (!tokenForm) hint.textContent = 'This server has no sign-in provider configured (Auth:Oidc). Its operator can set one up; API clients send a bearer token.';
  if (tokenForm && config.devToken) {
    input.value = config.devToken;
    hint.textContent = `Development: the dev token is filled in (it signs in as the admin "dev"; "${config.devToken}:<name>" signs in as the user "dev:<name>").`;
  }
  section.hidden = false;
  (tokenForm ? input : providerButton).focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!tokenForm) return;
      token.set(input.value.trim());
      try {
        const me = await api('/api/me');
        section.hidden = true;
        resolve(shown(me));
      } catch (error) {
        token.clear();
        toast(error.status === 401 ? 'That token was not accepted.' : error.message);
        input.focus();
      }
    });
  });
}

function shown(me) {
  document.getElementById('who').textContent = me.displayName || me.subject;
  document.getElementById('sign-out').hidden = false;
  return me;
}
