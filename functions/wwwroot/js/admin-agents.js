// Companions: create (or draft from hints and an appearance prompt, or import a character card), edit persona, identity,
// time zone, the weekly availability (a week schedule); scenarios and life events; the base portrait with its preview and
// regeneration; the companion's lorebook; export as a character card.
import { api, download } from './api.js';
import { h, toast, formatTime, attempt } from './ui.js';
import { mediaUrl, followPictureJob } from './media.js';
import { scheduleEditor, USUAL_WEEK } from './admin-schedule.js';
import { lorebookEditor } from './admin-lorebook.js';

const $ = (id) => document.getElementById(id);
const TEXT_FIELDS = ['name', 'timezone', 'occupation', 'homeCity', 'bio', 'personality', 'speakingStyle', 'boundaries', 'appearancePrompt'];

export function initAgents(me) {
  let agents = [];
  let current = null;
  let eventsCursor = null;
  const schedule = scheduleEditor({ list: $('schedule-blocks'), rows: $('week-rows'), add: $('add-block'), usual: $('usual-week') });
  const lorebook = lorebookEditor($('agent-lorebook-body'), 'agent-lore');

  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  $('zones').replaceChildren(...zones.map((z) => h('option', { value: z })));

  async function loadList(selectId) {
    const page = await attempt(() => api('/api/agents?limit=200'));
    if (!page) return;
    agents = page.items;
    $('admin-agent-list').replaceChildren(...agents.map((a) => h('li', {},
      h('button', { type: 'button', class: 'item', dataset: { agentId: a.id }, 'aria-current': a.id === selectId ? 'true' : null, onclick: () => edit(a.id) },
        h('strong', {}, a.name), h('span', { class: 'muted small' }, ` · ${a.timezone}`)))));
    if (agents.length === 0) $('admin-agent-list').append(h('li', { class: 'muted' }, 'None yet.'));
  }

  function fill(agent) {
    for (const field of TEXT_FIELDS) $(`f-${field}`).value = agent?.[field] ?? '';
    $('f-moodBaseline').value = agent?.mood?.baseline ?? '';
    schedule.set(agent?.availability ?? USUAL_WEEK);
  }

  function blank() {
    current = null;
    fill(null);
    $('f-timezone').value = me.timeZone && me.timeZone !== 'UTC' ? me.timeZone : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
    $('agent-form-title').textContent = 'New companion';
    $('save-agent').textContent = 'Create companion';
    $('delete-agent').hidden = true;
    $('open-chat').hidden = true;
    $('agent-extras').hidden = true;
    $('initiation-form').hidden = true;
    for (const b of document.querySelectorAll('#admin-agent-list .item')) b.removeAttribute('aria-current');
  }

  async function edit(id) {
    const agent = await attempt(() => api(`/api/agents/${id}`));
    if (!agent) return;
    current = agent;
    fill(agent);
    $('agent-form-title').textContent = `Edit ${agent.name}`;
    $('save-agent').textContent = 'Save changes';
    $('delete-agent').hidden = false;
    $('open-chat').hidden = false;
    $('open-chat').href = `/?agent=${encodeURIComponent(agent.id)}`;
    $('open-chat').textContent = `Chat with ${agent.name}`;
    $('agent-extras').hidden = false;
    for (const b of document.querySelectorAll('#admin-agent-list .item')) {
      if (b.dataset.agentId === id) b.setAttribute('aria-current', 'true'); else b.removeAttribute('aria-current');
    }
    showPortrait(agent);
    $('agent-lorebook-title').textContent = `${agent.name}'s lorebook`;
    lorebook.load(`/api/agents/${agent.id}/lorebook`, `${agent.name}'s lorebook`);
    loadScenarios();
    eventsCursor = null;
    loadEvents();
    loadInitiationSettings();
  }

  // Offline life (when the server has it): writing-first settings, a life slot on demand, ending a scenario.
  let life = true;            // false once the server says it has no offline life
  let lifeConfirmed = false;  // true once it answered

  async function loadInitiationSettings() {
    const form = $('initiation-form');
    form.hidden = true;
    $('life-tick').hidden = true;
    if (!life || !current) return;
    const agentId = current.id;
    let settings;
    try {
      settings = await api(`/api/agents/${agentId}/initiations/settings`);
    } catch (error) {
      if (error.status === 404 || error.status === 405) life = false;
      return;
    }
    if (current?.id !== agentId) return;
    if (!lifeConfirmed) { lifeConfirmed = true; loadScenarios(); }
    $('i-enabled').checked = settings.enabled;
    $('i-muted').checked = settings.muted;
    for (const key of ['dailyCap', 'weeklyCap', 'quietFrom', 'quietTo', 'minGapMinutes']) $(`i-${key}`).value = settings[key];
    form.hidden = false;
    $('life-tick').hidden = false;
  }

  async function saveInitiationSettings(event) {
    event.preventDefault();
    const body = { enabled: $('i-enabled').checked, muted: $('i-muted').checked, quietFrom: $('i-quietFrom').value, quietTo: $('i-quietTo').value };
    for (const key of ['dailyCap', 'weeklyCap', 'minGapMinutes']) body[key] = Number($(`i-${key}`).value);
    if (await attempt(() => api(`/api/agents/${current.id}/initiations/settings`, { method: 'PATCH', body }))) toast('Writing-first settings saved.', 'info');
  }

  async function tick() {
    const accepted = await attempt(() => api(`/api/agents/${current.id}/life/tick`, { method: 'POST' }));
    if (!accepted) return;
    toast('A life moment is running; new events show up here.', 'info');
    const agentId = current.id;
    for (let i = 0; i < 20 && current?.id === agentId; i++) {
      const run = await api(accepted.statusUrl).catch(() => null);
      if (!run || !['Pending', 'Running'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (current?.id === agentId) { eventsCursor = null; loadEvents(); loadScenarios(); }
  }

  async function endScenario(scenario) {
    if (await attempt(() => api(`/api/agents/${current.id}/scenarios/${scenario.id}`, { method: 'PATCH', body: { end: true } }))) loadScenarios();
  }

  function readForm() {
    const body = {};
    for (const field of TEXT_FIELDS) body[field] = $(`f-${field}`).value.trim();
    if (!current) for (const field of TEXT_FIELDS) if (body[field] === '') delete body[field];
    const baseline = $('f-moodBaseline').value;
    if (baseline !== '') body.moodBaseline = Number(baseline);
    body.availability = schedule.get();
    return body;
  }

  async function save(event) {
    event.preventDefault();
    let body;
    try { body = readForm(); } catch (error) { toast(error.message); $('schedule-blocks').querySelector('input')?.focus(); return; }
    if (!body.name) { toast('A companion needs a name.'); $('f-name').focus(); return; }
    const saved = await attempt(() => current
      ? api(`/api/agents/${current.id}`, { method: 'PATCH', body })
      : api('/api/agents', { method: 'POST', body }));
    if (!saved) return;
    toast(current ? `${saved.name} saved.` : `${saved.name} created.`, 'info');
    await loadList(saved.id);
    await edit(saved.id);
    if (saved.portraitJobId) followPortrait(saved.portraitJobId);
  }

  async function generate() {
    const body = { hints: $('f-hints').value.trim() || undefined, appearancePrompt: $('f-appearancePrompt').value.trim() || undefined,
      name: $('f-name').value.trim() || undefined, timezone: $('f-timezone').value.trim() || undefined };
    const drafted = await attempt(() => api('/api/agents/generate', { method: 'POST', body }));
    if (!drafted) return;
    const draft = drafted.draft;
    for (const field of TEXT_FIELDS) if (draft[field]) $(`f-${field}`).value = draft[field];
    toast(`Draft written by ${drafted.provider === 'offline' ? 'the offline model' : drafted.model}. Review it, then save.`, 'info');
    $('f-name').focus();
  }

  async function remove() {
    if (!current || !confirm(`Delete ${current.name} with all its messages?`)) return;
    if (await attempt(() => api(`/api/agents/${current.id}`, { method: 'DELETE' })) === undefined) return;
    toast(`${current.name} deleted.`, 'info');
    blank();
    loadList();
  }

  function showPortrait(agent) {
    const img = $('portrait-preview');
    img.removeAttribute('src');
    img.alt = 'No portrait yet';
    $('portrait-status').textContent = agent.baseImageMediaId ? '' : 'No base portrait yet.';
    if (agent.baseImageMediaId) mediaUrl(agent.baseImageMediaId).then((url) => { img.src = url; img.alt = `Base portrait of ${agent.name}`; }).catch(() => {});
  }

  async function followPortrait(jobId) {
    const agentId = current?.id;
    await followPictureJob(jobId, (job) => {
      if (current?.id !== agentId) return;
      $('portrait-status').textContent = job.status === 'failed' ? `Portrait failed: ${job.reason ?? 'no reason given'}` : `Portrait: ${job.status}${job.placeholder ? ' (placeholder painter)' : ''}`;
      if (job.status === 'succeeded' && job.images?.length) {
        $('portrait-preview').src = job.images[0].url;
        $('portrait-preview').alt = `Base portrait of ${current.name}`;
      }
    }).catch((error) => toast(error.message));
  }

  async function regenerate() {
    if (!current) return;
    const accepted = await attempt(() => api(`/api/agents/${current.id}/portrait`, { method: 'POST' }));
    if (accepted) followPortrait(accepted.id);
  }

  async function loadScenarios() {
    const page = await attempt(() => api(`/api/agents/${current.id}/scenarios`));
    if (!page) return;
    const items = page.items ?? page;
    $('scenario-list').replaceChildren(...(items.length ? items.map((s) => h('li', {},
      h('strong', {}, s.title), s.active ? h('span', { class: 'badge' }, 'active') : '',
      s.active && lifeConfirmed ? h('button', { type: 'button', class: 'link small ml-05', 'aria-label': `End scenario ${s.title} now`, onclick: () => endScenario(s) }, 'End now') : '', h('br'),
      h('span', { class: 'muted small' }, [s.description, s.startsAt && `from ${formatTime(s.startsAt, me.timeZone)}`, s.endsAt && `until ${formatTime(s.endsAt, me.timeZone)}`].filter(Boolean).join(' · '))))
      : [h('li', { class: 'muted' }, 'No scenarios.')]));
  }

  async function addScenario(event) {
    event.preventDefault();
    const local = (v) => (v ? new Date(v).toISOString() : undefined);
    const body = { title: $('s-title').value.trim(), description: $('s-description').value.trim(), startsAt: local($('s-startsAt').value), endsAt: local($('s-endsAt').value) };
    if (!body.title) { toast('A scenario needs a title.'); $('s-title').focus(); return; }
    if (await attempt(() => api(`/api/agents/${current.id}/scenarios`, { method: 'POST', body })) === undefined) return;
    event.target.reset();
    loadScenarios();
  }

  async function loadEvents(more = false) {
    const query = new URLSearchParams({ limit: '20' });
    if (more && eventsCursor) query.set('before', eventsCursor);
    const page = await attempt(() => api(`/api/agents/${current.id}/events?${query}`));
    if (!page) return;
    eventsCursor = page.nextCursor;
    $('more-events').hidden = !eventsCursor;
    const rows = page.items.map((e) => h('li', {}, h('time', { datetime: e.occurredAt, class: 'muted small' }, formatTime(e.occurredAt, me.timeZone)), ' ',
      h('span', { class: 'badge' }, e.kind), ' ', e.text));
    if (more) $('event-list').append(...rows);
    else $('event-list').replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, 'No life events yet.')]));
  }

  // Character cards: dropped on the import card (or chosen with its file picker) → a new companion; exported as PNG or JSON.
  async function importCard(file) {
    if (!file) return;
    const status = $('card-import-status');
    const json = file.type === 'application/json' || /\.json$/i.test(file.name);
    const png = file.type === 'image/png' || /\.png$/i.test(file.name);
    if (!json && !png) { toast('A character card is a PNG with the card inside, or a JSON file.'); return; }
    status.textContent = `Importing ${file.name}…`;
    const zone = me.timeZone && me.timeZone !== 'UTC' ? me.timeZone : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC');
    let agent;
    try {
      agent = await api(`/api/agents/import?timezone=${encodeURIComponent(zone)}`, { method: 'POST', raw: file, contentType: json ? 'application/json' : 'image/png' });
    } catch (error) {
      status.textContent = `${file.name} was not imported.`;
      toast(error.message);
      return;
    } finally {
      $('card-file').value = '';
    }
    status.textContent = `${agent.name} imported from ${file.name}.`;
    toast(`${agent.name} imported. Their first message waits in the chat.`, 'info');
    await loadList(agent.id);
    await edit(agent.id);
  }

  async function exportCard(format) {
    if (!current) return;
    const file = await attempt(() => download(`/api/agents/${current.id}/card?format=${format}`, format === 'png' ? 'image/png' : 'application/json'));
    if (!file) return;
    const url = URL.createObjectURL(file.blob);
    const link = h('a', { href: url, download: file.name, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  const zone = $('card-import');
  zone.addEventListener('dragover', (event) => { event.preventDefault(); event.dataTransfer.dropEffect = 'copy'; zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => { event.preventDefault(); zone.classList.remove('dragging'); importCard(event.dataTransfer?.files?.[0]); });
  zone.addEventListener('submit', (event) => event.preventDefault());
  $('card-file').addEventListener('change', () => importCard($('card-file').files[0]));
  $('export-png').addEventListener('click', () => exportCard('png'));
  $('export-json').addEventListener('click', () => exportCard('json'));

  $('agent-form').addEventListener('submit', save);
  $('new-agent').addEventListener('click', () => { blank(); $('f-name').focus(); });
  $('generate-agent').addEventListener('click', generate);
  $('delete-agent').addEventListener('click', remove);
  $('regenerate-portrait').addEventListener('click', regenerate);
  $('scenario-form').addEventListener('submit', addScenario);
  $('more-events').addEventListener('click', () => loadEvents(true));
  $('initiation-form').addEventListener('submit', saveInitiationSettings);
  $('life-tick').addEventListener('click', tick);
  blank();
  loadList();
}
