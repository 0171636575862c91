// A tiny element builder. User content only ever becomes text nodes or attribute values (never HTML), so a shout
// or a place name cannot inject markup; the strict CSP is the second line of defence.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (key === 'for') el.htmlFor = value;
    else if (key === 'value') el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A labelled form field: the label names the input (for=id), hints and errors are tied to it with aria-describedby. */
export function field(label, input, hint) {
  const hintEl = hint ? h('small', { id: `${input.id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id }, label), input, hintEl);
}

export function when(iso) {
  const date = new Date(iso);
  return h('time', { datetime: iso }, date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }));
}

/** Announces a message in the polite live region (and shows it). */
export function say(text, kind = 'info') {
  const status = document.getElementById('status');
  status.textContent = text;
  status.dataset.kind = kind;
  status.dataset.at = String(Date.now());
}

/** Clears a message said more than a few seconds ago (one that belongs to an earlier page). */
export function clearOldStatus() {
  const status = document.getElementById('status');
  if (Date.now() - Number(status.dataset.at ?? 0) > 3000) status.textContent = '';
}
