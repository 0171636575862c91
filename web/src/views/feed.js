import { api, session } from '../api.js';
import { h } from '../dom.js';
import { openStream } from '../sse.js';
import { checkinCard } from './checkin-card.js';

/**
 * The home (own + followed) or global (public) feed: the first page from GET /feeds/{kind}, then live check-ins and
 * deletes from /streaming/{kind}, newest on top, and "Show older" paging with max_id.
 */
export async function feedView(kind, signal) {
  const title = kind === 'home' ? 'Home' : 'Everyone, everywhere';
  const live = h('p', { class: 'live muted', 'data-state': 'connecting' }, 'Connecting to live updates…');
  const list = h('div', { class: 'feed', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-busy': 'true' });
  const seen = new Set();
  const add = (c, top) => {
    if (seen.has(c.id)) return;
    seen.add(c.id);
    const card = checkinCard(c);
    if (top) list.prepend(card); else list.append(card);
  };
  let oldest = null;
  const more = h('button', { type: 'button', hidden: true, onclick: () => load(oldest) }, 'Show older');
  const load = async maxId => {
    const page = await api(`/feeds/${kind}?limit=20${maxId ? `&max_id=${encodeURIComponent(maxId)}` : ''}`);
    page.forEach(c => add(c, false));
    if (page.length) oldest = page[page.length - 1].id;
    more.hidden = page.length < 20;
    if (!list.children.length) list.append(h('p', { class: 'empty muted' }, kind === 'home'
      ? 'Nothing yet: check in, or follow people from their profiles.' : 'No public check-ins yet.'));
  };
  // Subscribe first, then read the page: the server watches the feed before it answers the stream, so a check-in is
  // either already in the page or arrives live (duplicates are skipped). The other order lost the one that landed
  // between the two (your own check-in, right after posting it).
  let subscribed;
  const streamOpen = new Promise(resolve => { subscribed = resolve; });
  openStream(`/streaming/${kind}`, {
    signal,
    onState: state => {
      live.dataset.state = state;
      live.textContent = state === 'live' ? 'Live: new check-ins appear at the top.' : 'Reconnecting to live updates…';
      if (state === 'live') subscribed();
    },
    onEvent: (event, data) => {
      if (event === 'checkin') {
        list.querySelector('.empty')?.remove();
        add(JSON.parse(data), true);
      } else if (event === 'delete') {
        list.querySelector(`[data-id="${CSS.escape(data)}"]`)?.remove();
      }
    },
  });
  await Promise.race([streamOpen, new Promise(resolve => setTimeout(resolve, 5000))]);
  await load(null);
  list.setAttribute('aria-busy', 'false');
  const other = kind === 'home'
    ? h('a', { href: '#/global' }, 'See everyone’s public check-ins')
    : session.signedIn ? h('a', { href: '#/' }, 'Back to your home feed') : null;
  return h('section', {}, h('h1', { tabindex: -1 }, title), h('p', {}, other, other ? ' · ' : null, h('a', { href: '#/map' }, 'Map of recent check-ins')),
    live, list, more);
}
