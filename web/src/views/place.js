import { api, session } from '../api.js';
import { h } from '../dom.js';
import { placesMap } from '../map.js';
import { checkinCard } from './checkin-card.js';

const HERE_NOW_MS = 3 * 60 * 60 * 1000; // the API's "here now": checked in during the last 3 hours

/** A place: stats, mayor, who is here now, recent check-ins, and a map. */
export async function placeView(id) {
  const [place, recent] = await Promise.all([
    api(`/places/${encodeURIComponent(id)}`),
    api(`/places/${encodeURIComponent(id)}/checkins?limit=20`),
  ]);
  const now = Date.now();
  const hereNow = [...new Map(recent.filter(c => now - Date.parse(c.created_at) < HERE_NOW_MS)
    .map(c => [c.account.username, c.account])).values()];
  const person = a => h('a', { href: `#/people/${encodeURIComponent(a.username)}` }, a.display_name || a.username);
  return h('section', {},
    h('h1', { tabindex: -1 }, place.name),
    h('p', { class: 'muted' }, [place.category, place.address].filter(Boolean).join(' · ') || null),
    session.signedIn ? h('p', {}, h('a', { class: 'button primary', href: `#/checkin?place=${encodeURIComponent(place.id)}` }, 'Check in here')) : null,
    h('dl', { class: 'stats' },
      h('div', {}, h('dt', {}, 'Check-ins'), h('dd', {}, String(place.stats.checkins_count))),
      h('div', {}, h('dt', {}, 'Visitors'), h('dd', {}, String(place.stats.visitors_count))),
      h('div', {}, h('dt', {}, 'Here now'), h('dd', {}, String(place.stats.here_now_count))),
      h('div', {}, h('dt', {}, 'Mayor'), h('dd', {}, place.mayor ? person(place.mayor) : 'nobody yet'))),
    hereNow.length ? h('p', {}, 'Here now: ', hereNow.map((a, i) => [i ? ', ' : '', person(a)])) : null,
    placesMap([{ ...place, href: `#/places/${encodeURIComponent(place.id)}` }], { title: 'Where it is' }),
    h('h2', {}, 'Recent check-ins'),
    recent.length ? h('div', { class: 'feed' }, recent.map(checkinCard)) : h('p', { class: 'muted' }, 'No check-ins you can see yet.'));
}
