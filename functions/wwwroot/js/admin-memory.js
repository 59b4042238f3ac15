// Memory review: suggestions Hearth noticed in chats (accept, reject, edit, delete); accepted and rejected memories.
import { api } from './api.js';
import { h, toast, formatTime, attempt } from './ui.js';

const $ = (id) => document.getElementById(id);
const KINDS = ['fact', 'preference', 'project', 'tool', 'person', 'date', 'decision', 'action', 'self'];

export function initMemory(me) {
  let cursor = null;
  let agents = new Map();
  let unavailable = false;

  async function load(more = false) {
    if (unavailable) return;
    const query = new URLSearchParams({ limit: '50' });
    if ($('memory-status').value) query.set('status', $('memory-status').value);
    if (more && cursor) query.set('cursor', cursor);
    let page;
    try {
      page = await api(`/api/memory?${query}`);
    } catch (error) {
      if (error.status === 404 || error.status === 405) {
        unavailable = true;
        $('memory-list').replaceChildren(h('li', { class: 'muted' }, 'This server has no memory feature.'));
      } else toast(error.message);
      return;
    }
    cursor = page.nextCursor;
    $('more-memory').hidden = !cursor;
    const focused = document.activeElement?.closest?.('#memory-list li')?.dataset.memoryId;
    const rows = page.items.map(row);
    if (more) $('memory-list').append(...rows);
    else $('memory-list').replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, empty())]));
    if (focused) $('memory-list').querySelector(`[data-memory-id="${focused}"] button`)?.focus();
  }

  function empty() {
    return { suggested: 'No suggestions waiting.', accepted: 'Nothing accepted yet.', rejected: 'Nothing rejected.' }[$('memory-status').value] ?? 'No memories.';
  }

  function row(memory) {
    const agent = memory.agentId ? agents.get(memory.agentId) : null;
    const source = [agent ? `with ${agent}` : null, memory.source?.at ? formatTime(memory.source.at, me.timeZone) : null, memory.origin].filter(Boolean).join(' · ');
    const item = h('li', { class: 'card memory', dataset: { memoryId: memory.id } },
      h('p', { class: 'flush' }, h('span', { class: 'badge' }, memory.kind), ' ', h('span', { class: 'memory-text' }, memory.text),
        memory.status !== 'suggested' ? h('span', { class: 'badge' }, memory.status) : ''),
      h('p', { class: 'muted small my-025' }, source));
    const actions = h('div', { class: 'row' });
    if (memory.status !== 'accepted') actions.append(h('button', { type: 'button', class: 'primary', 'aria-label': `Accept: ${memory.text}`, onclick: () => act(memory, 'accept') }, 'Accept'));
    if (memory.status !== 'rejected') actions.append(h('button', { type: 'button', class: 'secondary', 'aria-label': `Reject: ${memory.text}`, onclick: () => act(memory, 'reject') }, memory.status === 'accepted' ? 'Forget' : 'Reject'));
    actions.append(
      h('button', { type: 'button', class: 'secondary', 'aria-label': `Edit: ${memory.text}`, onclick: () => edit(item, memory) }, 'Edit'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Delete: ${memory.text}`, onclick: () => remove(memory) }, 'Delete'));
    item.append(actions);
    return item;
  }

  async function act(memory, action) {
    const done = await attempt(() => api(`/api/memory/${memory.id}/${action}`, { method: 'POST' }));
    if (!done) return;
    toast(action === 'accept' ? `Remembered: ${done.text}` : `Rejected: ${done.text}`, 'info');
    load();
  }

  function edit(item, memory) {
    const text = h('textarea', { id: `edit-${memory.id}`, rows: 2 }, memory.text);
    const kind = h('select', { id: `kind-${memory.id}` }, ...KINDS.map((k) => h('option', { value: k, selected: k === memory.kind }, k)));
    const form = h('form', { class: 'stack', 'aria-label': `Edit memory ${memory.text}` },
      h('label', { for: `edit-${memory.id}` }, 'Memory text'), text,
      h('label', { for: `kind-${memory.id}` }, 'Kind'), kind,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'),
        h('button', { type: 'button', class: 'secondary', onclick: () => load() }, 'Cancel')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {};
      if (text.value.trim() !== memory.text) body.text = text.value.trim();
      if (kind.value !== memory.kind) body.kind = kind.value;
      if (Object.keys(body).length === 0) { load(); return; }
      if (await attempt(() => api(`/api/memory/${memory.id}`, { method: 'PATCH', body }))) { toast('Memory corrected.', 'info'); load(); }
    });
    item.replaceChildren(form);
    text.focus();
  }

  async function remove(memory) {
    if (!confirm(`Delete "${memory.text}"?`)) return;
    if (await attempt(() => api(`/api/memory/${memory.id}`, { method: 'DELETE' })) === undefined) return;
    toast('Memory deleted.', 'info');
    load();
  }

  $('memory-status').addEventListener('change', () => load());
  $('refresh-memory').addEventListener('click', () => load());
  $('more-memory').addEventListener('click', () => load(true));
  // New suggestions arrive a moment after a chat turn (a background job finds them): look again while the list is open,
  // unless someone is editing a memory.
  setInterval(() => {
    if (!document.hidden && !$('panel-memory').hidden && !$('memory-list').querySelector('form')) load();
  }, 4000);
  api('/api/agents?limit=200').then((page) => { agents = new Map(page.items.map((a) => [a.id, a.name])); load(); }).catch(() => load());
}
