// Small DOM helpers shared by the chat and the admin pages.

/** Creates an element: h('button', { class: 'x', onclick }, 'text', child...). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'class') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Shows a toast; errors are announced assertively and stay until dismissed or 8 s. */
export function toast(message, kind = 'error') {
  const region = document.getElementById('toasts');
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', {}, message),
    h('button', { type: 'button', class: 'icon', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'));
  region.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}

/** Formats an ISO time in the given IANA zone: time today, else date and time. */
export function formatTime(iso, timeZone) {
  const date = new Date(iso);
  const zone = timeZone || undefined;
  const sameDay = new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short' }).format(date)
    === new Intl.DateTimeFormat('en-CA', { timeZone: zone, dateStyle: 'short' }).format(new Date());
  return new Intl.DateTimeFormat(undefined, sameDay ? { timeZone: zone, timeStyle: 'short' } : { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function newId() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

/** Runs an async action, showing its failure as a toast; answers undefined on failure. */
export async function attempt(action) {
  try { return await action(); } catch (error) { toast(error.message ?? String(error)); return undefined; }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
