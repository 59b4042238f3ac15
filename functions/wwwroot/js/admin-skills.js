// The skills library: files by folder a page at a time (filtered by kind, path and problems), a file's outline, a
// section's content (with its subsections and the next one), ranked search, and bulk ingest runs with live progress
// and their problems.
import { api } from './api.js';
import { h, toast, formatTime, attempt } from './ui.js';

const $ = (id) => document.getElementById(id);

const PageSize = 50;

const statusText = (status) => (status === 'completed_with_problems' ? 'completed with problems' : status);

export function initSkills(me) {
  // Paging: the cursors of the pages before this one, so Previous works without counting.
  const pages = [];
  let pageCursor = null;
  let nextCursor = null;
  let currentSection = null;
  let unavailable = false;
  const following = new Set();

  function fileQuery() {
    const query = new URLSearchParams({ limit: String(PageSize) });
    const type = $('skill-file-type').value;
    const path = $('skill-file-path').value.trim();
    if (type) query.set('type', type);
    if (path) query.set('q', path);
    if ($('skill-file-problems').checked) query.set('problems', 'true');
    if (pageCursor) query.set('cursor', pageCursor);
    return query;
  }

  function filtered() {
    return Boolean($('skill-file-type').value || $('skill-file-path').value.trim() || $('skill-file-problems').checked);
  }

  function badges(file) {
    if (file.binary) return [h('span', { class: 'badge', title: 'Stored exactly; not searchable as text' }, 'binary')];
    if (!file.searchable) return [h('span', { class: 'badge error', title: file.indexError ?? 'Not indexed yet' }, 'not searchable')];
    return [];
  }

  let loading = 0;

  async function loadFiles() {
    // Filters change faster than answers come: only the answer to the latest request is shown.
    const request = ++loading;
    let page;
    try {
      page = await api(`/api/skills/files?${fileQuery()}`);
      if (request !== loading) return;
    } catch (error) {
      if (request !== loading) return;
      if (error.status === 404 || error.status === 405) {
        unavailable = true;
        $('skill-files').replaceChildren(h('li', { class: 'muted' }, 'This server has no skills library.'));
      } else toast(error.message);
      return;
    }
    nextCursor = page.nextCursor;
    $('more-files').hidden = !nextCursor;
    $('prev-files').hidden = pages.length === 0;
    const items = page.items;
    const first = pages.length * PageSize + 1;
    $('skill-files-page').textContent = items.length ? `Files ${first}–${first + items.length - 1}${nextCursor ? ' (more on the next page)' : ''}` : '';
    if (items.length === 0) {
      $('skill-files').replaceChildren(h('li', { class: 'muted' }, filtered() ? 'No files match.' : 'The library is empty: ingest an archive below.'));
      return;
    }
    // Group the page by folder: the tree a person expects, without a request per folder.
    const folders = new Map();
    for (const file of items) {
      const slash = file.path.lastIndexOf('/');
      const folder = slash < 0 ? '' : file.path.slice(0, slash);
      if (!folders.has(folder)) folders.set(folder, []);
      folders.get(folder).push(file);
    }
    const nodes = [...folders.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([folder, files]) => h('li', {},
      h('details', { open: true }, h('summary', {}, `${folder || '(top level)'} (${files.length})`),
        h('ul', {}, ...files.map((file) => h('li', {},
          h('button', { type: 'button', class: 'link', onclick: () => openFile(file) }, file.path.slice(folder ? folder.length + 1 : 0)),
          h('span', { class: 'muted small' }, ` · ${file.type} · v${file.version} · ${file.sections} sections `),
          ...badges(file)))))));
    $('skill-files').replaceChildren(...nodes);
  }

  function firstPage() {
    pages.length = 0;
    pageCursor = null;
    loadFiles();
  }

  let typing = null;
  $('skill-file-filter').addEventListener('submit', (event) => { event.preventDefault(); firstPage(); });
  $('skill-file-type').addEventListener('change', firstPage);
  $('skill-file-problems').addEventListener('change', firstPage);
  $('skill-file-path').addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(firstPage, 250); });
  $('prev-files').addEventListener('click', () => { pageCursor = pages.pop() ?? null; loadFiles(); });
  $('more-files').addEventListener('click', () => { pages.push(pageCursor); pageCursor = nextCursor; loadFiles(); });

  async function openFile(file) {
    const tree = await attempt(() => api(`/api/skills/files/${file.id}/tree`));
    if (!tree) return;
    $('skill-outline-card').hidden = false;
    $('skill-outline-title').textContent = `Outline of ${tree.file.path} (v${tree.version})`;
    const render = (nodes) => nodes.map((node) => h('li', {},
      h('button', { type: 'button', class: 'link', onclick: () => openSection(node.id) }, node.title || node.key),
      h('span', { class: 'muted small' }, ` · ${node.kind} · ${node.size} B`),
      node.children?.length ? h('ul', {}, ...render(node.children)) : null));
    $('skill-outline').replaceChildren(...render(tree.sections));
  }

  async function openSection(id) {
    const section = await attempt(() => api(`/api/skills/sections/${id}`));
    if (!section) return;
    show(section);
  }

  function show(section) {
    currentSection = section;
    const view = $('skill-section');
    view.hidden = false;
    $('skill-section-path').textContent = `${section.path} · lines ${section.startLine}-${section.endLine}`;
    $('skill-section-title').textContent = section.title || section.key;
    $('skill-section-meta').textContent = `${section.kind} · ${section.size} bytes${section.subtreeSize > section.size ? ` (${section.subtreeSize} with subsections)` : ''} · version ${section.version}${section.isValidUtf8 ? '' : ' · not valid UTF-8'}`;
    $('skill-section-content').textContent = section.content;
    $('skill-section-children').replaceChildren(...section.children.map((c) => h('li', {},
      h('button', { type: 'button', class: 'link', onclick: () => openSection(c.id) }, c.title), h('span', { class: 'muted small' }, ` · ${c.kind} · ${c.subtreeSize} B`))));
    $('skill-next').disabled = false;
    $('skill-section-title').setAttribute('tabindex', '-1');
    $('skill-section-title').focus();
  }

  async function next() {
    if (!currentSection) return;
    try {
      const following = await api(`/api/skills/sections/${currentSection.id}/next`);
      if (!following) { toast('That was the last section of the file.', 'info'); $('skill-next').disabled = true; return; }
      show(following.section ?? following);
    } catch (error) { toast(error.message); }
  }

  async function search(event) {
    event.preventDefault();
    const q = $('skill-query').value.trim();
    if (!q) return;
    const result = await attempt(() => api(`/api/skills/search?${new URLSearchParams({ q, mode: $('skill-mode').value, limit: '20' })}`));
    if (!result) return;
    $('skill-results').replaceChildren(...(result.items.length ? result.items.map((item) => h('li', { class: 'card' },
      h('button', { type: 'button', class: 'link', onclick: () => openSection(item.sectionId) }, item.title || item.key),
      h('span', { class: 'muted small' }, ` · ${item.path}:${item.startLine} · score ${item.score.toFixed(3)}`),
      h('p', { class: 'small mt-025' }, item.snippet)))
      : [h('li', { class: 'muted' }, `Nothing matches "${q}".`)]));
  }

  function contentTypeOf(name) {
    const lower = name.toLowerCase();
    if (lower.endsWith('.zip')) return 'application/zip';
    if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.gz')) return 'application/gzip';
    if (lower.endsWith('.tar')) return 'application/x-tar';
    return null;
  }

  async function ingest(event) {
    event.preventDefault();
    const file = $('skill-archive').files[0];
    if (!file) return;
    const contentType = contentTypeOf(file.name);
    if (!contentType) { toast('Choose a .tar, .tar.gz or .zip archive.'); return; }
    const accepted = await attempt(async () => api('/api/skills/ingest', { method: 'POST', raw: await file.arrayBuffer(), contentType }));
    if (!accepted) return;
    event.target.reset();
    toast(`Ingesting ${accepted.files} files…`, 'info');
    await loadRuns();
    follow(accepted.id);
  }

  function runItem(run) {
    const finished = run.status !== 'running';
    const problems = run.problems ?? [];
    const binary = run.report?.binary?.length ?? 0;
    return h('li', { class: 'card', dataset: { runId: run.id } },
      h('div', { class: 'row' },
        h('strong', {}, `Run ${formatTime(run.createdAt, me.timeZone)}`),
        h('span', { class: run.status === 'completed_with_problems' || run.status === 'failed' ? 'badge error' : 'badge' }, statusText(run.status)),
        h('span', { class: 'muted small' }, run.phase ?? '')),
      h('progress', { class: 'progress', max: String(Math.max(run.total, 1)), value: String(run.done + run.failed), 'aria-label': `Files done: ${run.done + run.failed} of ${run.total}` }),
      h('p', { class: 'small my-025' },
        `${run.done + run.failed}/${run.total} files · ${run.created} new, ${run.updated} updated, ${run.unchanged} unchanged, ${run.failed} failed · ${run.sections} sections`),
      run.failures?.length ? h('ul', { class: 'small' }, ...run.failures.map((f) => h('li', { class: 'error' }, `${f.path}: ${f.error} (${f.attempts} attempts)`))) : null,
      problems.length ? h('ul', { class: 'small', 'aria-label': 'Problems' }, ...problems.slice(0, 20).map((p) => h('li', { class: 'error' },
        `${p.path}: ${p.problem === 'not_stored' ? 'not stored' : 'not searchable'} — ${p.reason}`)),
        problems.length > 20 ? h('li', { class: 'muted' }, `… and ${problems.length - 20} more`) : null) : null,
      run.error ? h('p', { class: 'error small' }, run.error) : null,
      finished && run.report ? h('p', { class: 'muted small' },
        `Finished in ${Number(run.report.seconds ?? 0).toFixed(1)} s.${binary ? ` ${binary} binary file${binary === 1 ? '' : 's'} stored and flagged.` : ''}`) : null);
  }

  async function loadRuns() {
    if (unavailable) return;
    const runs = await api('/api/skills/runs?limit=10').catch(() => null);
    if (!runs) return;
    $('skill-runs').replaceChildren(...(runs.length ? runs.map(runItem) : [h('li', { class: 'muted' }, 'No ingest runs yet.')]));
    for (const run of runs) if (run.status === 'running') follow(run.id);
  }

  async function follow(id) {
    if (following.has(id)) return;
    following.add(id);
    try {
      for (let delay = 500; ; delay = Math.min(delay * 1.5, 4000)) {
        const run = await api(`/api/skills/runs/${id}`);
        const existing = $('skill-runs').querySelector(`[data-run-id="${id}"]`);
        const item = runItem(run);
        if (existing) existing.replaceWith(item); else $('skill-runs').prepend(item);
        if (run.status !== 'running') {
          if (run.status === 'completed') toast('Ingest finished.', 'info');
          else if (run.status === 'completed_with_problems') toast(`Ingest finished with problems: ${run.problems.length} file${run.problems.length === 1 ? '' : 's'} not searchable or not stored.`);
          firstPage();
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    } catch (error) {
      toast(error.message);
    } finally {
      following.delete(id);
    }
  }

  $('skill-search').addEventListener('submit', search);
  $('skill-ingest').addEventListener('submit', ingest);
  $('skill-next').addEventListener('click', next);
  loadFiles().then(loadRuns);
}
