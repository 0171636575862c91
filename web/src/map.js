import * as L from 'leaflet';
import { feature } from 'topojson-client';
import { h } from './dom.js';

// The basemap ships with the app (Natural Earth country outlines from world-atlas): no tile server, works offline.
let countries;
function basemap() {
  countries ??= fetch('/app/countries-110m.json')
    .then(r => r.json())
    .then(topology => feature(topology, topology.objects.countries))
    .catch(e => { countries = undefined; throw e; }); // try again on the next map
  return countries;
}

/**
 * A map of places with a list beside it: the list is the keyboard and screen-reader way to the same places (SVG
 * markers are not focusable). places: [{ id, name, latitude, longitude, count?, href }].
 */
export function placesMap(places, { title = 'Places', empty = 'No places yet.' } = {}) {
  const container = h('div', { class: 'map', role: 'region', 'aria-label': `Map: ${title}`, 'data-markers': places.length });
  const list = places.length
    ? h('ol', { class: 'map-list' }, places.map(p => h('li', {},
      h('a', { href: p.href }, p.name), p.count ? h('span', { class: 'muted' }, ` · ${p.count} check-in${p.count === 1 ? '' : 's'}`) : null)))
    : h('p', { class: 'muted' }, empty);
  const wrapper = h('section', { class: 'map-wrap', 'aria-label': title }, h('h2', {}, title), h('div', { class: 'map-grid' }, container, list));
  // Leaflet measures its container: build the map once the element is in the document.
  requestAnimationFrame(() => draw(container, places));
  return wrapper;
}

const live = new Set();

/** Removes the maps of the page being left (Leaflet keeps window listeners until a map is removed). */
export function disposeMaps() {
  for (const map of live) map.remove();
  live.clear();
}

async function draw(container, places) {
  if (!container.isConnected) return;
  const map = L.map(container, { worldCopyJump: true, attributionControl: true, minZoom: 1, maxZoom: 16 });
  live.add(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('Natural Earth');
  const markers = places.map(p => L.circleMarker([p.latitude, p.longitude], {
    radius: 8, color: '#7a1f00', weight: 2, fillColor: '#e4572e', fillOpacity: 0.9,
  }).bindPopup(() => h('a', { href: p.href }, p.name)).bindTooltip(p.name));
  // The 1:110m outlines give context down to about zoom 6: fitting stops there (users may zoom further).
  if (places.length) map.fitBounds(L.latLngBounds(places.map(p => [p.latitude, p.longitude])).pad(0.2), { maxZoom: 6 });
  else map.setView([20, 0], 1);
  let outlines = null;
  try {
    outlines = await basemap();
  } catch {
    // Without the outlines the markers still tell where the places are.
  }
  if (!live.has(map)) return; // the page was left while the outlines loaded
  if (outlines) {
    L.geoJSON(outlines, { interactive: false, style: { color: '#6b7f71', weight: 1, fillColor: '#dfe9d8', fillOpacity: 1 } }).addTo(map);
  }
  for (const marker of markers) marker.addTo(map);
  container.dataset.ready = 'true';
}

/** Distinct places of check-ins (those that show a place), with how often each was visited. */
export function placesOf(checkins) {
  const byId = new Map();
  for (const c of checkins) {
    if (!c.place) continue;
    const seen = byId.get(c.place.id);
    if (seen) seen.count++;
    else byId.set(c.place.id, { ...c.place, count: 1, href: `#/places/${encodeURIComponent(c.place.id)}` });
  }
  return [...byId.values()];
}
