import { all } from '../api.js';
import { h } from '../dom.js';
import { placesMap, placesOf } from '../map.js';

/** The places of the most recent public check-ins (GET /feeds/global). */
export async function worldMapView() {
  const recent = await all('/feeds/global', 200);
  return h('section', {},
    h('h1', { tabindex: -1 }, 'Map of recent check-ins'),
    h('p', { class: 'muted' }, `Places of the last ${recent.length} public check-ins.`),
    placesMap(placesOf(recent), { title: 'Recent places', empty: 'No public check-ins yet.' }));
}
