import { api, ApiError, session } from '../api.js';
import { field, h, say } from '../dom.js';

/** Sign up (POST /accounts, then POST /sessions) or log in (POST /sessions). */
export function authView(mode) {
  const signup = mode === 'signup';
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true, maxlength: 30, pattern: '[A-Za-z0-9_]{1,30}', autocapitalize: 'none', spellcheck: 'false' });
  const display = signup ? h('input', { id: 'display_name', name: 'display_name', autocomplete: 'nickname', maxlength: 50 }) : null;
  const password = h('input', { id: 'password', name: 'password', type: 'password', required: true, minlength: signup ? 10 : null, autocomplete: signup ? 'new-password' : 'current-password' });
  const errors = h('div', { class: 'errors', role: 'alert', tabindex: -1 });
  const submit = h('button', { type: 'submit' }, signup ? 'Create account' : 'Log in');
  const form = h('form', {
    novalidate: false,
    onsubmit: async event => {
      event.preventDefault();
      errors.replaceChildren();
      submit.disabled = true;
      try {
        if (signup) {
          await api('/accounts', { method: 'POST', json: { username: username.value, password: password.value, display_name: display.value || undefined } });
        }
        const token = await api('/sessions', { method: 'POST', json: { username: username.value, password: password.value } });
        session.set(token.access_token, username.value.toLowerCase());
        window.dispatchEvent(new Event('herenow:session'));
        say(signup ? `Welcome, ${username.value}!` : `Logged in as ${username.value}.`);
        location.hash = '#/';
      } catch (e) {
        const lines = e instanceof ApiError ? e.lines : [e.message];
        errors.replaceChildren(h('p', {}, signup ? 'The account could not be created:' : 'Could not log in:'), h('ul', {}, lines.map(l => h('li', {}, l))));
        errors.focus();
      } finally {
        submit.disabled = false;
      }
    },
  },
  errors,
  field('Username', username, signup ? '1–30 letters, digits or _' : null),
  display ? field('Display name (optional)', display) : null,
  field('Password', password, signup ? 'At least 10 characters' : null),
  submit);
  return h('section', { class: 'narrow' },
    h('h1', { tabindex: -1 }, signup ? 'Sign up' : 'Log in'),
    form,
    h('p', {}, signup ? ['Have an account? ', h('a', { href: '#/login' }, 'Log in')] : ['New here? ', h('a', { href: '#/signup' }, 'Sign up')]));
}
