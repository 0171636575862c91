import { all, api, ApiError, session } from '../api.js';
import { h, say, when } from '../dom.js';
import { placesMap, placesOf } from '../map.js';
import { checkinCard } from './checkin-card.js';

/** A profile: the account, follow/unfollow, a map of every place in the lifetime history, and the history itself. */
export async function profileView(username) {
  const account = await api(`/accounts/${encodeURIComponent(username)}`);
  const history = await all(`/accounts/${encodeURIComponent(username)}/checkins`);
  const mine = session.username && session.username === account.username.toLowerCase();
  let followButton = null;
  if (session.signedIn && !mine) {
    // The account carries no "followed by me" flag: the caller's following list says.
    const following = await all(`/accounts/${encodeURIComponent(session.username)}/following`, 5000);
    let follows = following.some(a => a.username.toLowerCase() === account.username.toLowerCase());
    const label = () => { followButton.textContent = follows ? 'Unfollow' : 'Follow'; followButton.setAttribute('aria-pressed', String(follows)); };
    followButton = h('button', {
      type: 'button', class: 'primary',
      onclick: async () => {
        try {
          await api(`/accounts/${encodeURIComponent(account.username)}/follow`, { method: follows ? 'DELETE' : 'POST' });
          follows = !follows;
          label();
          say(follows ? `You follow ${account.username}.` : `You no longer follow ${account.username}.`);
        } catch (e) { say(e instanceof ApiError ? e.message : String(e), 'error'); }
      },
    });
    label();
  }
  const places = placesOf(history);
  return h('section', {},
    h('h1', { tabindex: -1 }, account.display_name || account.username),
    h('p', { class: 'muted' }, `@${account.username}`, account.created_at ? [' · joined ', when(account.created_at)] : null),
    account.note ? h('p', {}, account.note) : null,
    h('dl', { class: 'stats' },
      h('div', {}, h('dt', {}, 'Check-ins'), h('dd', {}, String(account.checkins_count))),
      h('div', {}, h('dt', {}, 'Followers'), h('dd', {}, String(account.followers_count))),
      h('div', {}, h('dt', {}, 'Following'), h('dd', {}, String(account.following_count)))),
    followButton,
    placesMap(places, { title: `Places (${places.length})`, empty: 'No places you can see yet.' }),
    h('h2', {}, 'History'),
    history.length ? h('div', { class: 'feed' }, history.map(checkinCard)) : h('p', { class: 'muted' }, 'No check-ins you can see yet.'));
}
