import { api, ApiError, session } from './api.js';
import { clearOldStatus, h, say } from './dom.js';
import { disposeMaps } from './map.js';
import { authView } from './views/auth.js';
import { checkinView } from './views/checkin.js';
import { feedView } from './views/feed.js';
import { placeView } from './views/place.js';
import { profileView } from './views/profile.js';
import { worldMapView } from './views/world-map.js';

// Hash routes (#/places/123): the API serves one page at /, and no client route can shadow an API path.
const routes = [
  [/^\/$/, (m, q, signal) => session.signedIn ? feedView('home', signal) : welcome(signal)],
  [/^\/global$/, (m, q, signal) => feedView('global', signal)],
  [/^\/map$/, () => worldMapView()],
  [/^\/login$/, () => authView('login')],
  [/^\/signup$/, () => authView('signup')],
  [/^\/checkin$/, (m, q) => needSession(() => checkinView(q))],
  [/^\/places\/([^/]+)$/, m => placeView(decodeURIComponent(m[1]))],
  [/^\/people\/([^/]+)$/, m => profileView(decodeURIComponent(m[1]))],
];

let current = null; // aborts the previous view's live streams
let rendered = false;

async function render() {
  const [path, query = ''] = (location.hash.slice(1) || '/').split('?');
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  const main = document.getElementById('main');
  main.setAttribute('aria-busy', 'true');
  let view;
  try {
    const route = routes.find(([pattern]) => pattern.test(path));
    view = route ? await route[1](path.match(route[0]), new URLSearchParams(query), signal) : notFound();
  } catch (e) {
    view = e instanceof ApiError && e.status === 404 ? notFound() : h('section', {}, h('h1', { tabindex: -1 }, 'Something went wrong'), h('p', { role: 'alert' }, e.message));
  }
  if (signal.aborted) return;
  clearOldStatus();
  disposeMaps();
  main.replaceChildren(view);
  main.setAttribute('aria-busy', 'false');
  const heading = main.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Herenow` : 'Herenow';
  // Tell screen readers (and keyboard users) that the page changed: focus lands on its heading. Not on the first
  // load, where the browser announces the page itself and the first Tab should reach the skip link.
  if (rendered) heading?.focus({ preventScroll: false });
  rendered = true;
  nav();
}

function needSession(view) {
  if (session.signedIn) return view();
  location.hash = '#/login';
  return h('p', {}, 'Log in first.');
}

function notFound() {
  return h('section', {}, h('h1', { tabindex: -1 }, 'Not found'), h('p', {}, 'There is nothing here (or you may not see it). ', h('a', { href: '#/' }, 'Go home')));
}

async function welcome(signal) {
  return h('div', {},
    h('section', { class: 'hero' },
      h('p', { class: 'lead' }, 'Check in where you are, see where your friends are, and keep a map of every place you have been.'),
      h('p', {}, h('a', { class: 'button primary', href: '#/signup' }, 'Sign up'), ' ', h('a', { class: 'button', href: '#/login' }, 'Log in'))),
    await feedView('global', signal));
}

function nav() {
  const here = location.hash || '#/';
  const link = (href, text) => h('li', {}, h('a', { href, 'aria-current': here === href ? 'page' : null }, text));
  const items = session.signedIn
    ? [link('#/', 'Home'), link('#/checkin', 'Check in'), link('#/global', 'Global'), link('#/map', 'Map'),
      link(`#/people/${encodeURIComponent(session.username)}`, 'Profile'),
      h('li', {}, h('button', { type: 'button', class: 'link-button', onclick: logOut }, 'Log out'))]
    : [link('#/', 'Home'), link('#/map', 'Map'), link('#/login', 'Log in'), link('#/signup', 'Sign up')];
  document.getElementById('nav').replaceChildren(...items);
}

async function logOut() {
  try { await api('/sessions/current', { method: 'DELETE' }); } catch { /* the token is dropped either way */ }
  session.clear();
  say('Logged out.');
  if (location.hash === '#/' || location.hash === '') render(); else location.hash = '#/';
}

// The skip link must not change the fragment (that is the route): it moves focus itself.
document.querySelector('.skip').addEventListener('click', event => {
  event.preventDefault();
  document.getElementById('main').focus();
});
window.addEventListener('hashchange', render);
window.addEventListener('herenow:session', nav);
render();
