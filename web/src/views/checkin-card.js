import { api } from '../api.js';
import { h, say, when } from '../dom.js';

const VISIBILITY = { public: 'Public', followers: 'Followers only', private: 'Only me' };

/** One check-in as an article: who, where, when, the shout, the photos (with their alt text), likes. */
export function checkinCard(c) {
  const who = c.account.display_name || c.account.username;
  const likes = h('span', { class: 'likes' }, String(c.likes_count));
  const like = h('button', {
    type: 'button', class: 'link-button',
    onclick: async () => {
      try {
        const updated = await api(`/checkins/${encodeURIComponent(c.id)}/like`, { method: 'POST' });
        likes.textContent = String(updated.likes_count);
        like.setAttribute('aria-pressed', 'true');
      } catch (e) { say(e.message, 'error'); }
    },
  }, 'Like');
  return h('article', { class: 'checkin', 'data-id': c.id },
    h('header', {},
      h('a', { href: `#/people/${encodeURIComponent(c.account.username)}`, class: 'who' }, who),
      c.place
        ? [' at ', h('a', { href: `#/places/${encodeURIComponent(c.place.id)}`, class: 'place' }, c.place.name)]
        : h('span', { class: 'muted' }, ' (place hidden)')),
    c.shout ? h('p', { class: 'shout' }, c.shout) : null,
    c.media?.length ? h('div', { class: 'photos' }, c.media.map(m => h('a', { href: m.url },
      h('img', { src: m.preview_url, alt: m.description || `Photo by ${who}`, width: m.width, height: m.height, loading: 'lazy' })))) : null,
    h('footer', {},
      when(c.created_at), ' · ', h('span', {}, VISIBILITY[c.visibility] ?? c.visibility),
      c.published === false ? h('span', {}, ' · held, not yet published') : null,
      ' · ', like, ' ', likes));
}
