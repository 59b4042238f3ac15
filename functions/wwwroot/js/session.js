// Signing in with a bearer token (the dev token prefilled in Development) and knowing who is signed in.
import { api, token, pageConfig } from './api.js';
import { toast } from './ui.js';

/** Shows the sign-in form until a token works; resolves with /api/me. */
export async function signIn() {
  const config = await pageConfig();
  window.addEventListener('hearth:unauthorized', () => { token.clear(); location.reload(); }, { once: true });
  const signOut = document.getElementById('sign-out');
  signOut.addEventListener('click', () => { token.clear(); location.href = location.pathname; });

  if (token.get()) {
    try { return shown(await api('/api/me')); } catch { token.clear(); }
  }
  const section = document.getElementById('signin');
  const form = document.getElementById('signin-form');
  const input = document.getElementById('token');
  if (config.devToken) {
    input.value = config.devToken;
    document.getElementById('signin-hint').textContent = `Development: the dev token is filled in (it signs in as the admin "dev"; "${config.devToken}:<name>" signs in as the user "dev:<name>").`;
  }
  section.hidden = false;
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
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
