import { api, ApiError } from '../api.js';
import { field, h, say } from '../dom.js';

/**
 * Check in: a position (the browser's geolocation or typed), a nearby place (GET /places/nearby, or a new one with
 * POST /places), then shout, photos (POST /media each) and visibility (POST /checkins).
 */
export async function checkinView(params) {
  const me = await api('/accounts/me');
  const lat = h('input', { id: 'latitude', type: 'number', step: 'any', min: -90, max: 90, required: true, inputmode: 'decimal' });
  const lon = h('input', { id: 'longitude', type: 'number', step: 'any', min: -180, max: 180, required: true, inputmode: 'decimal' });
  const query = h('input', { id: 'query', type: 'search', maxlength: 100 });
  const places = h('fieldset', { class: 'places' }, h('legend', {}, 'Place'), h('p', { class: 'muted' }, 'Set your position, then find places near it.'));
  const newName = h('input', { id: 'new_place_name', maxlength: 100 });
  const newCategory = h('input', { id: 'new_place_category', maxlength: 50 });
  const shout = h('textarea', { id: 'shout', maxlength: 280, rows: 3 });
  const count = h('small', { id: 'shout-count', class: 'hint', 'aria-live': 'polite' }, '0 / 280');
  shout.setAttribute('aria-describedby', 'shout-count');
  shout.addEventListener('input', () => { count.textContent = `${shout.value.length} / 280`; });
  const photos = h('input', { id: 'photos', type: 'file', accept: 'image/jpeg,image/png,image/webp', multiple: true });
  const alt = h('input', { id: 'photo_alt', maxlength: 1500 });
  const visibility = h('select', { id: 'visibility' },
    h('option', { value: 'public' }, 'Public: everyone, and the fediverse'),
    h('option', { value: 'followers' }, 'Followers only'),
    h('option', { value: 'private' }, 'Only me'));
  visibility.value = me.settings?.default_visibility ?? 'public';
  const errors = h('div', { class: 'errors', role: 'alert', tabindex: -1 });
  const showErrors = (intro, e) => {
    const lines = e instanceof ApiError ? e.lines : [e.message];
    errors.replaceChildren(h('p', {}, intro), h('ul', {}, lines.map(l => h('li', {}, l))));
    errors.focus();
  };

  const position = () => ({ latitude: Number(lat.value), longitude: Number(lon.value) });
  const hasPosition = () => lat.value !== '' && lon.value !== '' && lat.checkValidity() && lon.checkValidity();
  let chosen = null;
  const choose = place => { chosen = place; };
  const renderPlaces = (found, selectId) => {
    const legend = h('legend', {}, 'Place');
    places.dataset.found = String(found.length);
    if (!found.length) {
      places.replaceChildren(legend, h('p', { class: 'muted' }, 'No places found within 1 km. Add one below.'));
      chosen = null;
      return;
    }
    places.replaceChildren(legend, ...found.map((p, i) => {
      const radio = h('input', { type: 'radio', name: 'place', id: `place-${i}`, value: p.id, onchange: () => choose(p) });
      if (p.id === selectId) { radio.checked = true; choose(p); }
      const distance = p.distance_m === undefined ? '' : ` · ${Math.round(p.distance_m)} m`;
      return h('div', { class: 'radio' }, radio, h('label', { for: radio.id }, p.name, h('span', { class: 'muted' }, `${p.category ? ` · ${p.category}` : ''}${distance}`)));
    }));
  };
  const find = async selectId => {
    if (!hasPosition()) { showErrors('Set a position first:', new Error('latitude and longitude are required')); return; }
    errors.replaceChildren();
    const { latitude, longitude } = position();
    const q = query.value.trim() ? `&query=${encodeURIComponent(query.value.trim())}` : '';
    try {
      renderPlaces(await api(`/places/nearby?latitude=${latitude}&longitude=${longitude}&radius_m=1000&limit=20${q}`), selectId);
    } catch (e) { showErrors('Could not search places:', e); }
  };
  const locate = h('button', {
    type: 'button',
    onclick: () => {
      if (!navigator.geolocation) { say('This browser cannot tell your position: type it instead.', 'error'); return; }
      say('Finding your position…');
      navigator.geolocation.getCurrentPosition(p => {
        lat.value = p.coords.latitude.toFixed(6);
        lon.value = p.coords.longitude.toFixed(6);
        accuracy = p.coords.accuracy;
        say(`Position found (±${Math.round(p.coords.accuracy)} m).`);
        find();
      }, e => say(`No position: ${e.message}. Type it instead.`, 'error'), { enableHighAccuracy: true, timeout: 15000 });
    },
  }, 'Use my location');
  let accuracy = null;
  lat.addEventListener('input', () => { accuracy = null; });
  lon.addEventListener('input', () => { accuracy = null; });
  const addPlace = h('button', {
    type: 'button',
    onclick: async () => {
      if (!hasPosition() || !newName.value.trim()) { showErrors('To add a place:', new Error('set a position and a name')); return; }
      errors.replaceChildren();
      try {
        const place = await api('/places', { method: 'POST', json: { name: newName.value.trim(), category: newCategory.value.trim() || undefined, ...position() } });
        newName.value = '';
        newCategory.value = '';
        say(`Added ${place.name}.`);
        await find(place.id);
      } catch (e) { showErrors('The place could not be added:', e); }
    },
  }, 'Add place');

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Check in');
  const form = h('form', {
    onsubmit: async event => {
      event.preventDefault();
      errors.replaceChildren();
      if (!chosen) { showErrors('Almost:', new Error('choose a place (find nearby places, or add one)')); return; }
      if (photos.files.length > 4) { showErrors('Almost:', new Error('at most 4 photos')); return; }
      submit.disabled = true;
      try {
        const mediaIds = [];
        for (const file of photos.files) {
          say(`Uploading ${file.name}…`);
          const form = new FormData();
          form.append('file', file);
          if (alt.value.trim()) form.append('description', alt.value.trim());
          mediaIds.push((await api('/media', { method: 'POST', form })).id);
        }
        const checkin = await api('/checkins', {
          method: 'POST',
          json: {
            place_id: chosen.id, ...position(), accuracy_m: accuracy ?? undefined,
            shout: shout.value.trim() || undefined, visibility: visibility.value, media_ids: mediaIds,
          },
        });
        say(`Checked in at ${checkin.place?.name ?? chosen.name}.`);
        location.hash = '#/';
      } catch (e) {
        say('');
        showErrors('The check-in did not go through:', e);
      } finally {
        submit.disabled = false;
      }
    },
  },
  errors,
  h('fieldset', {}, h('legend', {}, 'Where are you?'),
    h('div', { class: 'row' }, locate, h('span', { class: 'muted' }, 'or type a position:')),
    h('div', { class: 'row' }, field('Latitude', lat), field('Longitude', lon)),
    h('div', { class: 'row' }, field('Search by name (optional)', query), h('button', { type: 'button', onclick: () => find() }, 'Find places'))),
  places,
  h('details', {}, h('summary', {}, 'Not listed? Add a place here'),
    field('Place name', newName), field('Category (optional)', newCategory, 'e.g. café, park, museum'), addPlace),
  field('Shout (optional)', shout), count,
  field('Photos (up to 4: JPEG, PNG or WebP)', photos),
  field('Photo description (alt text)', alt, 'Describes the photos for people who cannot see them'),
  field('Who can see it', visibility),
  submit);

  // "Check in here" from a place page: its position and the place preselected.
  if (params.get('place')) {
    try {
      const place = await api(`/places/${encodeURIComponent(params.get('place'))}`);
      lat.value = String(place.latitude);
      lon.value = String(place.longitude);
      renderPlaces([place], place.id);
    } catch { /* unknown place: start from scratch */ }
  }
  return h('section', { class: 'narrow' }, h('h1', { tabindex: -1 }, 'Check in'), form);
}
