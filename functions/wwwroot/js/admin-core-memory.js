// Core memory: each companion's block (what it always knows about the user, in every prompt it writes from) and the edits
// the model proposed for it, which change the block only when the user accepts them.
import { api } from './api.js';
import { h, toast, attempt } from './ui.js';

const $ = (id) => document.getElementById(id);

export function initCoreMemory() {
  let saved = '';

  const agent = () => $('core-agent').value || null;

  async function loadBlock() {
    if (!agent()) return;
    const block = await attempt(() => api(`/api/agents/${agent()}/core-memory`));
    if (!block) return;
    saved = block.text;
    $('core-text').value = block.text;
    count();
  }

  async function loadProposals() {
    const id = agent();
    if (!id) return;
    const query = new URLSearchParams({ kind: 'core', status: 'suggested', agentId: id, limit: '50' });
    let page;
    try {
      page = await api(`/api/memory?${query}`);
    } catch (error) {
      toast(error.message);
      return;
    }
    if (id !== agent()) return; // another companion was chosen meanwhile
    const rows = page.items.filter((item) => item.coreEdit).map(row);
    $('core-proposals').replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, 'No proposed edits.')]));
  }

  function describe(item) {
    return item.coreEdit.op === 'replace' ? `Replace “${item.coreEdit.replaces}” with “${item.text}”` : `Add “${item.text}”`;
  }

  function row(item) {
    const what = describe(item);
    return h('li', { class: 'card memory', dataset: { memoryId: item.id } },
      h('p', { class: 'flush' }, h('span', { class: 'badge' }, item.coreEdit.op === 'replace' ? 'change' : 'add'), ' ', what),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'primary', 'aria-label': `Accept: ${what}`, onclick: () => decide(item, 'accept') }, 'Accept'),
        h('button', { type: 'button', class: 'secondary', 'aria-label': `Reject: ${what}`, onclick: () => decide(item, 'reject') }, 'Reject')));
  }

  async function decide(item, action) {
    // A 409 (the line it replaces changed since, or the block would be too long) comes back as a toast with the reason.
    const done = await attempt(() => api(`/api/memory/${item.id}/${action}`, { method: 'POST' }));
    if (!done) return;
    toast(action === 'accept' ? 'Core memory updated.' : 'Edit rejected; it will not be proposed again.', 'info');
    if (action === 'accept') await loadBlock();
    await loadProposals();
  }

  function count() {
    $('core-count').textContent = `${$('core-text').value.length} / 2000`;
  }

  async function loadAgents() {
    const page = await attempt(() => api('/api/agents?limit=200'));
    const items = page?.items ?? [];
    $('core-agent').replaceChildren(...items.map((a) => h('option', { value: a.id }, a.name)));
    $('core-form').hidden = items.length === 0;
    if (items.length === 0) {
      $('core-proposals').replaceChildren(h('li', { class: 'muted' }, 'No companions yet.'));
      return;
    }
    await loadBlock();
    await loadProposals();
  }

  $('core-agent').addEventListener('change', async () => { await loadBlock(); await loadProposals(); });
  $('core-text').addEventListener('input', count);
  $('core-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = $('core-text').value;
    if (await attempt(() => api(`/api/agents/${agent()}/core-memory`, { method: 'PUT', body: { text } }))) {
      saved = text;
      toast('Core memory saved.', 'info');
    }
  });
  // Proposals arrive a moment after a chat turn (the suggestion job writes them): look again while the tab is open.
  setInterval(() => { if (!document.hidden && !$('panel-memory').hidden) loadProposals(); }, 4000);
  // The block is reloaded only when it has no unsaved typing.
  setInterval(() => { if (!document.hidden && !$('panel-memory').hidden && $('core-text').value === saved) loadBlock(); }, 15000);
  loadAgents();
}
