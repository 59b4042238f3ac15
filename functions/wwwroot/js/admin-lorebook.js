// A lorebook editor (world info): the book's scan settings, its entries, and a form to add or change one.
// Used for a companion's own book (/api/agents/{id}/lorebook) and the user's book for all companions (/api/lorebook).
import { api } from './api.js';
import { h, toast, attempt } from './ui.js';

const splitKeys = (text) => text.split(',').map((k) => k.trim()).filter(Boolean);

/**
 * Builds the editor into <root>; prefix keeps its element ids apart from another editor's. Call load(path, title)
 * to show a book (title names it for the labels, e.g. "Mia's lorebook").
 */
export function lorebookEditor(root, prefix) {
  const id = (name) => `${prefix}-${name}`;
  let path = null;
  let title = '';
  let book = null;
  let editing = null; // the entry being changed, null when adding

  const field = (name, label, input) => h('div', {}, h('label', { for: id(name) }, label), input);
  const settings = h('form', { class: 'lore-settings' },
    h('div', { class: 'grid3' },
      field('scanDepth', 'Scan depth (latest messages searched)', h('input', { id: id('scanDepth'), type: 'number', min: 1, max: 100, required: true })),
      field('tokenBudget', 'Token budget', h('input', { id: id('tokenBudget'), type: 'number', min: 1, max: 8192, required: true })),
      h('div', { class: 'row end' }, h('input', { id: id('recursive'), type: 'checkbox', class: 'auto-width' }),
        h('label', { for: id('recursive'), class: 'flush' }, 'Entries can trigger entries'))),
    h('button', { type: 'submit', class: 'secondary mt-06' }, 'Save scan settings'));
  const list = h('ul', { class: 'list lore-entries' });
  const formTitle = h('h3', { id: id('form-title') }, 'Add an entry');
  const save = h('button', { type: 'submit', class: 'primary' }, 'Add entry');
  const cancel = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Cancel');
  const form = h('form', { class: 'lore-entry', 'aria-labelledby': id('form-title') }, formTitle,
    h('div', { class: 'grid2' },
      field('name', 'Entry name', h('input', { id: id('name'), maxlength: 200, placeholder: 'e.g. the harbour' })),
      field('order', 'Insertion order (lower comes first)', h('input', { id: id('order'), type: 'number', min: -100000, max: 100000, value: 100 }))),
    field('keys', 'Keys (comma-separated)', h('input', { id: id('keys'), placeholder: 'harbour, port', 'aria-describedby': id('keys-hint') })),
    h('p', { class: 'muted small mt-025', id: id('keys-hint') }, 'Whole words or phrases; any one of them brings the entry in.'),
    field('secondary', 'Secondary keys (comma-separated, optional)', h('input', { id: id('secondary'), 'aria-describedby': id('secondary-hint') })),
    h('p', { class: 'muted small mt-025', id: id('secondary-hint') }, 'When set, one of these must come up too.'),
    field('content', 'Content', h('textarea', { id: id('content'), rows: 3, required: true })),
    h('div', { class: 'row mt-06' },
      h('input', { id: id('constant'), type: 'checkbox', class: 'auto-width' }), h('label', { for: id('constant'), class: 'flush' }, 'Always on (no keys needed)'),
      h('input', { id: id('enabled'), type: 'checkbox', class: 'auto-width ml-1', checked: true }), h('label', { for: id('enabled'), class: 'flush' }, 'Enabled')),
    h('div', { class: 'row mt-06' }, save, cancel));
  root.replaceChildren(settings, h('h3', {}, 'Entries'), list, form);
  const $ = (name) => root.querySelector(`#${id(name)}`);

  function label(entry) {
    return entry.name || entry.keys.join(', ') || 'always-on entry';
  }

  function show() {
    $('scanDepth').value = book.scanDepth;
    $('tokenBudget').value = book.tokenBudget;
    $('recursive').checked = book.recursiveScanning;
    settings.setAttribute('aria-label', `${title}: scan settings`);
    list.setAttribute('aria-label', `${title}: entries`);
    const entries = [...book.entries].sort((a, b) => a.insertionOrder - b.insertionOrder);
    list.replaceChildren(...(entries.length ? entries.map((entry) => h('li', { class: 'lore-item', dataset: { entryId: entry.id } },
      h('div', { class: 'row' },
        h('strong', { class: 'grow' }, label(entry)),
        entry.constant ? h('span', { class: 'badge' }, 'always on') : '',
        entry.enabled ? '' : h('span', { class: 'badge' }, 'disabled'),
        h('span', { class: 'badge' }, `order ${entry.insertionOrder}`),
        h('button', { type: 'button', class: 'link small', 'aria-label': `Edit entry ${label(entry)}`, onclick: () => edit(entry) }, 'Edit'),
        h('button', { type: 'button', class: 'link small', 'aria-label': `Delete entry ${label(entry)}`, onclick: () => remove(entry) }, 'Delete')),
      h('span', { class: 'muted small' }, [entry.keys.length ? `keys: ${entry.keys.join(', ')}` : '', entry.secondaryKeys.length ? `with one of: ${entry.secondaryKeys.join(', ')}` : '']
        .filter(Boolean).join(' · ')),
      h('p', { class: 'lore-content' }, entry.content)))
      : [h('li', { class: 'muted' }, 'No entries yet.')]));
  }

  function reset() {
    editing = null;
    form.reset();
    $('order').value = 100;
    $('enabled').checked = true;
    formTitle.textContent = `Add an entry to ${title}`;
    save.textContent = 'Add entry';
    cancel.hidden = true;
  }

  function edit(entry) {
    editing = entry;
    $('name').value = entry.name;
    $('order').value = entry.insertionOrder;
    $('keys').value = entry.keys.join(', ');
    $('secondary').value = entry.secondaryKeys.join(', ');
    $('content').value = entry.content;
    $('constant').checked = entry.constant;
    $('enabled').checked = entry.enabled;
    formTitle.textContent = `Edit entry ${label(entry)}`;
    save.textContent = 'Save entry';
    cancel.hidden = false;
    $('content').focus();
  }

  async function load(bookPath, bookTitle) {
    path = bookPath;
    title = bookTitle;
    reset();
    const loaded = await attempt(() => api(path));
    if (!loaded || path !== bookPath) return;
    book = loaded;
    show();
  }

  async function refresh() {
    const loaded = await attempt(() => api(path));
    if (loaded) { book = loaded; show(); }
  }

  async function saveEntry(event) {
    event.preventDefault();
    const keys = splitKeys($('keys').value);
    const secondaryKeys = splitKeys($('secondary').value);
    const body = {
      // What the form does not show (priority, case, position, comment, extensions) is kept as it was.
      ...(editing ?? {}),
      name: $('name').value.trim(), keys, secondaryKeys, selective: secondaryKeys.length > 0, content: $('content').value.trim(),
      insertionOrder: Number($('order').value || 100), constant: $('constant').checked, enabled: $('enabled').checked,
    };
    delete body.id;
    if (!body.content) { toast('An entry needs content.'); $('content').focus(); return; }
    if (keys.length === 0 && !body.constant) { toast('An entry needs keys, or "Always on".'); $('keys').focus(); return; }
    const changing = editing;
    const saved = await attempt(() => changing
      ? api(`${path}/entries/${changing.id}`, { method: 'PUT', body })
      : api(`${path}/entries`, { method: 'POST', body }));
    if (!saved) return;
    toast(changing ? `Entry ${label(saved)} saved.` : `Entry ${label(saved)} added.`, 'info');
    reset();
    await refresh();
  }

  async function remove(entry) {
    if (await attempt(() => api(`${path}/entries/${entry.id}`, { method: 'DELETE' })) === undefined) return;
    toast(`Entry ${label(entry)} deleted.`, 'info');
    if (editing?.id === entry.id) reset();
    await refresh();
  }

  async function saveSettings(event) {
    event.preventDefault();
    const body = {
      name: book.name, description: book.description, extensions: book.extensions,
      scanDepth: Number($('scanDepth').value), tokenBudget: Number($('tokenBudget').value), recursiveScanning: $('recursive').checked,
    };
    const saved = await attempt(() => api(path, { method: 'PUT', body }));
    if (!saved) return;
    book = saved;
    show();
    toast('Scan settings saved.', 'info');
  }

  settings.addEventListener('submit', saveSettings);
  form.addEventListener('submit', saveEntry);
  cancel.addEventListener('click', () => { reset(); $('name').focus(); });
  return { load };
}
