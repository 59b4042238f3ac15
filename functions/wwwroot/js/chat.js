// The chat page: companions on the left, the conversation (newest at the bottom), reply details in a drawer.
// The latest reply can be written again and its alternatives swiped through; any text message can be edited in place or
// deleted (with its exchange); the drawer shows which model answered, the memories and lore it used and the exact messages
// sent to the model. Group chats (two or more companions, each line labelled with who spoke) open in the same place.
// Model text only ever reaches the page as text nodes (h() and textContent), never as markup.
import { api, streamTurn, streamRegeneration } from './api.js';
import { h, toast, formatTime, newId, attempt } from './ui.js';
import { signIn } from './session.js';
import { mediaUrl, followPictureJob } from './media.js';

const PAGE = 20;
const ROLE_LABELS = { system: 'System', user: 'User', assistant: 'Companion' };
const $ = (id) => document.getElementById(id);

const state = {
  me: null,
  agents: [],
  agent: null,        // the open companion
  group: null,        // or the open group chat (then agent is null)
  groups: [],         // the user's group chats
  cursor: null,       // nextCursor of the oldest page shown
  shown: new Set(),   // message ids on screen
  pictureCards: new Map(), // imageJobId → card element
  details: new Map(), // reply id → { provider, model, memoriesUsed, loreUsed }
  messages: new Map(), // text message id → the message as the API showed it (text kept current through edits and swipes)
  alternatives: new Map(), // reply id → its alternatives, once asked for
  detailsFor: null,   // the reply the drawer shows
  sending: false,
  life: true,         // the offline-life feature answers (unread counts, initiated messages, mute)
  unread: new Map(),  // agent id → unread initiated messages
  initiated: new Set(), // message ids the companion wrote first
};

const me = await signIn();
state.me = me;
$('app').hidden = false;
wire();
await loadNotifications();
await loadAgents();

function wire() {
  $('composer').addEventListener('submit', (event) => { event.preventDefault(); send(); });
  $('composer-text').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
  });
  $('composer-text').addEventListener('input', autosize);
  $('load-earlier').addEventListener('click', loadEarlier);
  $('details-toggle').addEventListener('click', () => toggleDetails());
  $('details-close').addEventListener('click', () => toggleDetails(false));
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape' && !$('details').hidden) toggleDetails(false); });
  // Messages the companion starts on its own (and pictures delivered later) show up without a reload.
  setInterval(() => { if (!document.hidden) { refreshNewest(); loadNotifications(); } }, 10000);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) { refreshNewest(); loadNotifications(); } });
  $('mute').addEventListener('click', toggleMute);
  $('new-group').addEventListener('click', () => showGroupForm($('group-form').hidden));
  $('group-cancel').addEventListener('click', () => showGroupForm(false));
  $('group-form').addEventListener('submit', (event) => { event.preventDefault(); createGroup(); });
  $('delete-group').addEventListener('click', deleteGroup);
}

function autosize() {
  const box = $('composer-text');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight, 200)}px`;
}

async function loadAgents() {
  const page = await attempt(() => api('/api/agents?limit=100'));
  if (!page) return;
  state.agents = page.items;
  const list = $('agent-list');
  list.replaceChildren(...state.agents.map(agentButton));
  $('no-agents').hidden = state.agents.length > 0;
  const groups = await loadGroups();
  const query = new URLSearchParams(location.search);
  const wantedGroup = query.get('group') ?? (query.get('agent') ? null : sessionStorage.getItem('hearth.group'));
  const wanted = query.get('agent') ?? sessionStorage.getItem('hearth.agent');
  const first = state.agents.find((a) => a.id === wanted) ?? state.agents[0];
  showUnread();
  if (wantedGroup && groups.some((g) => g.id === wantedGroup)) await openGroup(wantedGroup);
  else if (first) await openAgent(first.id);
}

/** Unread initiated messages per companion (offline life); quietly off when the server has no such feature. */
async function loadNotifications() {
  if (!state.life) return;
  let page;
  try {
    page = await api('/api/notifications?limit=100');
  } catch (error) {
    if (error.status === 404 || error.status === 405) state.life = false;
    return;
  }
  state.unread.clear();
  for (const n of page.items) {
    state.initiated.add(n.messageId);
    if (!n.readAt) state.unread.set(n.agentId, (state.unread.get(n.agentId) ?? 0) + 1);
  }
  // The open conversation is being read: what arrives in it is read at once.
  if (state.agent && state.unread.get(state.agent.id)) markRead(state.agent.id);
  showUnread();
  for (const id of state.initiated) {
    const item = document.querySelector(`li.message[data-id="${id}"]:not(.initiated)`);
    if (item) { item.classList.add('initiated'); item.querySelector('.meta')?.prepend(firstBadge()); }
  }
}

function showUnread() {
  let total = 0;
  for (const button of document.querySelectorAll('.agent[data-agent-id]')) {
    const count = state.unread.get(button.dataset.agentId) ?? 0;
    total += count;
    const badge = button.querySelector('.unread');
    badge.hidden = count === 0;
    badge.textContent = String(count);
    badge.setAttribute('aria-label', `${count} unread`);
  }
  document.title = total > 0 ? `(${total}) Hearth` : 'Hearth';
}

async function markRead(agentId) {
  state.unread.delete(agentId);
  showUnread();
  await api('/api/notifications/read', { method: 'POST', body: { agentId } }).catch(() => {});
}

async function loadMute() {
  const mute = $('mute');
  mute.hidden = true;
  if (!state.life || !state.agent) return;
  const agentId = state.agent.id;
  const settings = await api(`/api/agents/${agentId}/initiations/settings`).catch(() => null);
  if (!settings || state.agent?.id !== agentId) return;
  showMute(settings.muted);
}

function showMute(muted) {
  const mute = $('mute');
  mute.hidden = false;
  mute.setAttribute('aria-pressed', String(muted));
  mute.textContent = muted ? 'Muted' : 'Mute';
  mute.title = muted ? `${state.agent.name} will not write first until you unmute` : `Stop ${state.agent.name} from writing first`;
}

async function toggleMute() {
  const agentId = state.agent.id;
  const muted = $('mute').getAttribute('aria-pressed') === 'true';
  const settings = await attempt(() => api(`/api/agents/${agentId}/mute`, { method: muted ? 'DELETE' : 'POST' }));
  if (settings && state.agent?.id === agentId) {
    showMute(settings.muted);
    toast(settings.muted ? `${state.agent.name} is muted: no messages first.` : `${state.agent.name} may write first again.`, 'info');
  }
}

function agentButton(agent) {
  const img = h('img', { class: 'thumb', alt: '', width: 40, height: 40 });
  const initial = h('span', { class: 'thumb thumb-initial', 'aria-hidden': 'true' }, agent.name.slice(0, 1).toUpperCase());
  if (agent.baseImageMediaId) {
    mediaUrl(agent.baseImageMediaId).then((url) => { img.src = url; initial.replaceWith(img); }).catch(() => {});
  }
  const button = h('button', { type: 'button', class: 'agent', dataset: { agentId: agent.id }, onclick: () => openAgent(agent.id) },
    initial, h('span', { class: 'agent-text' }, h('span', { class: 'agent-name' }, agent.name), h('span', { class: 'agent-sub muted' }, agent.occupation || agent.homeCity || '')),
    h('span', { class: 'unread', hidden: true }));
  return h('li', {}, button);
}

async function openAgent(id) {
  const agent = state.agents.find((a) => a.id === id);
  if (!agent) return;
  state.agent = agent;
  state.group = null;
  sessionStorage.setItem('hearth.agent', id);
  sessionStorage.removeItem('hearth.group');
  markCurrent(id);
  $('agent-name').textContent = agent.name;
  $('messages').setAttribute('aria-label', `Messages with ${agent.name}`);
  $('delete-group').hidden = true;
  $('composer-text').placeholder = `Message ${agent.name}…`;
  const portrait = $('agent-portrait');
  portrait.hidden = true;
  if (agent.baseImageMediaId) {
    mediaUrl(agent.baseImageMediaId).then((url) => { portrait.src = url; portrait.alt = `Portrait of ${agent.name}`; portrait.hidden = false; }).catch(() => {});
  }
  clearConversation();
  await Promise.all([loadState(), loadPage(), loadMute()]);
  if (state.unread.get(id)) markRead(id);
  scrollToBottom();
}

/** Marks the companion or group whose conversation is open in the list on the left. */
function markCurrent(id) {
  for (const button of document.querySelectorAll('.agent')) {
    if ((button.dataset.agentId ?? button.dataset.groupId) === id) button.setAttribute('aria-current', 'true'); else button.removeAttribute('aria-current');
  }
}

function clearConversation() {
  $('composer').hidden = false;
  $('details-toggle').hidden = false;
  state.shown.clear();
  state.pictureCards.clear();
  state.messages.clear();
  state.alternatives.clear();
  state.details.clear();
  $('messages').replaceChildren();
  state.cursor = null;
}

/** The open conversation's key, to notice that the reader moved on while an answer was on its way. */
function openKey() {
  return state.group ? `group:${state.group.id}` : state.agent ? `agent:${state.agent.id}` : null;
}

/** Where the open conversation's messages are edited, deleted and written again (a 1:1 chat's or a group's). */
function messagesPath() {
  return state.group ? `/api/groups/${state.group.id}/messages` : `/api/agents/${state.agent.id}/messages`;
}

/** Who wrote a message, as the page names them. */
function speakerOf(message) {
  return message.role === 'user' ? 'You' : (message.agentName ?? state.agent?.name ?? 'The companion');
}

async function loadState() {
  const agentId = state.agent.id;
  const s = await attempt(() => api(`/api/agents/${agentId}/state`));
  if (!s || state.agent?.id !== agentId) return;
  showFeelings(s.mood, s.affinity);
  const local = new Intl.DateTimeFormat(undefined, { timeZone: s.timezone, timeStyle: 'short' }).format(new Date());
  $('agent-status').textContent = [`${labelOf(s.availability)}`, `${local} in ${s.timezone.split('/').pop().replace(/_/g, ' ')}`, s.weather].filter(Boolean).join(' · ');
}

function labelOf(availability) {
  return { Asleep: 'Asleep', Working: 'Working', Free: 'Free' }[availability] ?? String(availability ?? '');
}

function showFeelings(mood, affinity) {
  $('feelings').hidden = false;
  const moodValue = Number(mood.value);
  $('mood').textContent = `Mood: ${mood.label} (${moodValue >= 0 ? '+' : ''}${moodValue.toFixed(2)})`;
  $('mood').dataset.tone = moodValue > 0.15 ? 'good' : moodValue < -0.15 ? 'low' : 'calm';
  $('affinity').textContent = `Affinity: ${Math.round(affinity.value)}/100 · ${affinity.band}`;
}

async function loadPage() {
  const key = openKey();
  const base = state.group ? `/api/groups/${state.group.id}` : `/api/agents/${state.agent.id}`;
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (state.cursor) query.set('before', state.cursor);
  const page = await attempt(() => api(`${base}/messages?${query}`));
  if (!page || openKey() !== key) return;
  state.cursor = page.nextCursor;
  $('load-earlier').hidden = !page.nextCursor;
  const list = $('messages');
  // Newest first from the API; earlier pages go on top, keeping what the reader looks at in place.
  const fresh = page.items.filter((m) => !state.shown.has(m.id)).reverse();
  const nodes = fresh.map(renderMessage).filter(Boolean);
  list.prepend(...nodes);
  showEmpty();
  updateSwipes();
}

function showEmpty() {
  const empty = $('empty-conversation');
  empty.hidden = $('messages').children.length > 0;
  empty.textContent = `No messages yet. Say hello to ${state.agent?.name ?? state.group?.name ?? 'them'}!`;
}

async function loadEarlier() {
  const scroller = $('messages-scroll');
  const before = scroller.scrollHeight - scroller.scrollTop;
  const firstBefore = $('messages').firstElementChild;
  await loadPage();
  scroller.scrollTop = scroller.scrollHeight - before;
  // Keyboard users land on the first message that was loaded rather than at the top of the page.
  const firstNew = $('messages').firstElementChild;
  if (firstNew && firstNew !== firstBefore) firstNew.focus({ preventScroll: true });
  if ($('load-earlier').hidden) firstNew?.focus({ preventScroll: true });
}

async function refreshNewest() {
  if (!state.agent || state.sending) return;
  const agentId = state.agent.id;
  const page = await api(`/api/agents/${agentId}/messages?limit=${PAGE}`).catch(() => null);
  if (!page || state.agent?.id !== agentId || state.sending) return;
  const fresh = page.items.filter((m) => !state.shown.has(m.id)).reverse();
  if (fresh.length === 0) return;
  const nearBottom = isNearBottom();
  $('messages').append(...fresh.map(renderMessage).filter(Boolean));
  showEmpty();
  updateSwipes();
  if (nearBottom) scrollToBottom();
}

/** One message as a list item; null when it is already shown (a picture shown on the reply that asked for it). */
function renderMessage(message) {
  state.shown.add(message.id);
  if (message.kind === 'picture' && message.attachment?.imageJobId && state.pictureCards.has(message.attachment.imageJobId)) {
    showDelivered(state.pictureCards.get(message.attachment.imageJobId), message.attachment.mediaId);
    return null;
  }
  const mine = message.role === 'user';
  const item = h('li', { class: `message ${mine ? 'mine' : 'theirs'}${state.initiated.has(message.id) ? ' initiated' : ''}`, dataset: { id: message.id }, tabindex: '-1' });
  const who = speakerOf(message);
  const bubble = h('div', { class: 'bubble' });
  // In a group every line says who spoke, for everyone to see.
  if (!mine && message.agentName) bubble.append(h('p', { class: 'speaker' }, message.agentName));
  if (message.kind === 'picture' && message.attachment) {
    const card = pictureCard(message.attachment.imageJobId);
    if (message.text) bubble.append(h('p', {}, message.text));
    bubble.append(card);
    showDelivered(card, message.attachment.mediaId);
  } else {
    bubble.append(h('p', { class: 'text' }, message.text));
    state.messages.set(message.id, { ...message });
  }
  item.append(h('span', { class: 'visually-hidden' }, `${who}: `), bubble, meta(message));
  if (!mine && message.imageJobId) attachPictureJob(bubble, message.imageJobId);
  if (!mine && message.provider) state.details.set(message.id, { provider: message.provider, model: message.model, memoriesUsed: null, speaker: message.agentName });
  return item;
}

/** "edited", with when in its title: the text shown is not what was first written. */
function editedBadge(editedAt) {
  return h('span', { class: 'badge edited', title: editedAt ? `Edited ${formatTime(editedAt, state.me.timeZone)}` : 'Edited' }, 'edited');
}

/** Shows or hides the edited badge of a message as the server says it is now. */
function markEdited(id, editedAt) {
  const message = state.messages.get(id);
  if (message) Object.assign(message, { edited: Boolean(editedAt), editedAt: editedAt ?? null });
  const meta = itemOf(id)?.querySelector('.meta');
  if (!meta) return;
  meta.querySelector('.badge.edited')?.remove();
  if (editedAt) meta.querySelector('time')?.after(editedBadge(editedAt));
}

function firstBadge() {
  return h('span', { class: 'badge first' }, `${state.agent?.name ?? 'They'} wrote first`);
}

function meta(message) {
  const time = h('time', { datetime: message.createdAt }, formatTime(message.createdAt, state.me.timeZone));
  const parts = state.initiated.has(message.id) ? [firstBadge(), time] : [time];
  if (message.edited) parts.push(editedBadge(message.editedAt));
  const name = speakerOf(message);
  if (message.role !== 'user' && message.provider) {
    if (message.provider === 'offline') parts.push(h('span', { class: 'badge' }, 'offline model'));
    parts.push(h('button', { type: 'button', class: 'link small', onclick: () => showDetails(message.id), 'aria-label': `Details of this reply from ${name}` }, 'Details'));
  }
  if (message.kind !== 'picture') {
    const label = message.role === 'user' ? 'Edit your message' : `Edit this reply from ${name}`;
    parts.push(h('button', { type: 'button', class: 'link small edit-button', onclick: () => startEdit(message.id), 'aria-label': label }, 'Edit'));
  }
  parts.push(h('button', { type: 'button', class: 'link small delete-button', onclick: () => deleteMessage(message.id),
    'aria-label': message.role === 'user' ? 'Delete your message' : `Delete this message from ${name}` }, 'Delete'));
  return h('div', { class: 'meta' }, ...parts);
}

function pictureCard(jobId) {
  const card = h('figure', { class: 'picture', dataset: { jobId: jobId ?? '' } },
    h('div', { class: 'picture-status', role: 'status' }, 'Picture: queued'));
  if (jobId) state.pictureCards.set(jobId, card);
  return card;
}

function attachPictureJob(bubble, jobId) {
  if (state.pictureCards.has(jobId)) return;
  const card = pictureCard(jobId);
  bubble.append(card);
  followPictureJob(jobId, (job) => showJob(card, job)).catch((error) => toast(error.message));
}

function showJob(card, job) {
  const status = card.querySelector('.picture-status');
  card.dataset.status = job.status;
  if (job.status === 'failed') {
    status.textContent = `Picture failed: ${job.reason ?? 'no reason given'}`;
    card.classList.add('failed');
  } else if (job.status === 'succeeded' && job.images?.length) {
    const image = job.images[0];
    show(card, image.url, job.placeholder);
  } else {
    status.textContent = `Picture: ${job.status}${job.status === 'queued' || job.status === 'submitted' || job.status === 'running' ? '…' : ''}`;
  }
}

function showDelivered(card, mediaId) {
  if (!mediaId || card.querySelector('img')) return;
  mediaUrl(mediaId).then((url) => show(card, url, false)).catch((error) => {
    card.querySelector('.picture-status').textContent = error.message;
  });
}

function show(card, url, placeholder) {
  if (card.querySelector('img')) return;
  card.dataset.status = 'succeeded';
  const name = state.agent?.name ?? 'the companion';
  const img = h('img', { src: url, alt: `Picture from ${name}${placeholder ? ' (placeholder image)' : ''}`, loading: 'lazy' });
  card.querySelector('.picture-status').replaceWith(img);
  if (placeholder) card.append(h('figcaption', { class: 'muted small' }, 'Placeholder picture (no image model configured)'));
  if (isNearBottom(400)) scrollToBottom();
}

async function send() {
  const box = $('composer-text');
  const text = box.value.trim();
  if (state.group) { if (text && !state.sending) await sendToGroup(text); return; }
  if (!text || state.sending || !state.agent) return;
  state.sending = true;
  $('send').disabled = true;
  const agent = state.agent;
  const clientMessageId = newId();
  const mine = sendStarted(box, text, `${agent.name} is typing…`);

  let reply = null;
  let written = '';
  try {
    const answer = await sendWithRetry(agent.id, { text, clientMessageId }, (delta) => {
      written += (written ? ' ' : '') + delta;
      reply ??= h('li', { class: 'message theirs streaming' }, h('span', { class: 'visually-hidden' }, `${agent.name}: `), h('div', { class: 'bubble' }, h('p', { class: 'text' })));
      if (!reply.isConnected) $('messages').append(reply);
      reply.querySelector('.text').textContent = written;
      if (isNearBottom(300)) scrollToBottom();
    }, () => { written = ''; if (reply) reply.querySelector('.text').textContent = ''; });
    if (state.agent?.id !== agent.id) return;
    reply?.remove();
    mine.remove();
    const user = { id: answer.userMessage.id, role: 'user', kind: 'text', text: answer.userMessage.text, createdAt: answer.userMessage.createdAt };
    const agentMessage = { id: answer.reply.id, role: 'agent', kind: 'text', text: answer.reply.text, createdAt: answer.reply.createdAt, imageJobId: answer.imageJobId,
      provider: answer.provider, model: answer.model, replyTo: answer.userMessage.id };
    const nodes = [user, agentMessage].filter((m) => !state.shown.has(m.id)).map(renderMessage).filter(Boolean);
    $('messages').append(...nodes);
    state.details.set(answer.reply.id, { provider: answer.provider, model: answer.model, memoriesUsed: answer.memoriesUsed, loreUsed: answer.loreUsed, usage: answer.usage, mood: answer.mood, affinity: answer.affinity });
    updateSwipes();
    showFeelings(answer.mood, answer.affinity);
    if (answer.picture && answer.picture.outcome !== 'started') toast(pictureRefusal(answer.picture.outcome, agent.name), 'info');
    if (!$('details').hidden) showDetails(answer.reply.id);
  } catch (error) {
    reply?.remove();
    notSent(mine, box, text, error);
  } finally {
    sendEnded(box);
  }
}

/** The user's message shown as sending, the box emptied and the typing line up; returns the message's element. */
function sendStarted(box, text, typing) {
  const mine = h('li', { class: 'message mine pending', tabindex: '-1' },
    h('span', { class: 'visually-hidden' }, 'You: '), h('div', { class: 'bubble' }, h('p', { class: 'text' }, text)),
    h('div', { class: 'meta' }, h('span', { class: 'muted' }, 'sending…')));
  $('messages').append(mine);
  $('empty-conversation').hidden = true;
  box.value = '';
  autosize();
  $('typing-text').textContent = typing;
  $('typing').hidden = false;
  scrollToBottom();
  return mine;
}

/** A message that did not go: marked, with a way to put its text back in the box and try again. */
function notSent(mine, box, text, error) {
  mine.classList.add('failed');
  mine.querySelector('.meta').replaceChildren(h('span', {}, 'Not sent. '), h('button', { type: 'button', class: 'link small', onclick: () => { mine.remove(); box.value = text; box.focus(); } }, 'Edit and retry'));
  toast(error.message);
}

/** After a send, answered or not: the box is ready for the next message. */
function sendEnded(box) {
  $('typing').hidden = true;
  state.sending = false;
  $('send').disabled = false;
  box.focus();
  scrollToBottom();
}

/** Streams the turn; a stream that breaks is retried once with the same client message id (the turn is idempotent). */
async function sendWithRetry(agentId, body, onDelta, onReset) {
  try {
    return await streamTurn(agentId, body, { onDelta, onReset });
  } catch (error) {
    if (error.status && error.status < 500) throw error;
    onReset();
    return api(`/api/agents/${agentId}/chat`, { method: 'POST', body });
  }
}

function pictureRefusal(outcome, name) {
  return {
    affinity: `${name} doesn't know you well enough yet to send pictures.`,
    'daily-cap': `${name} has sent all the pictures for today.`,
    asleep: `${name} is asleep; no picture now.`,
    unavailable: 'Pictures are not available on this server.',
  }[outcome] ?? `No picture: ${outcome}.`;
}

function toggleDetails(open) {
  const drawer = $('details');
  const show = open ?? drawer.hidden;
  drawer.hidden = !show;
  $('details-toggle').setAttribute('aria-expanded', String(show));
  if (show) $('details-close').focus(); else $('details-toggle').focus();
}

async function showDetails(replyId) {
  const info = state.details.get(replyId);
  const body = $('details-body');
  state.detailsFor = replyId;
  if (!info) { body.replaceChildren(h('p', { class: 'muted' }, 'No details for this message.')); toggleDetails(true); return; }
  const key = openKey();
  const promptPath = state.group ? `/api/groups/${state.group.id}/messages/${replyId}/prompt` : `/api/agents/${state.agent.id}/messages/${replyId}/prompt`;
  const promptSection = h('section', { 'aria-labelledby': 'prompt-title' }, h('h3', { id: 'prompt-title' }, 'Prompt sent to the model'),
    h('p', { class: 'muted small', role: 'status' }, 'Loading the prompt…'));
  body.replaceChildren(...detailsParts(info), promptSection);
  toggleDetails(true);
  let prompt;
  try {
    prompt = await api(promptPath);
  } catch (error) {
    if (state.detailsFor !== replyId) return;
    promptSection.lastChild.textContent = error.status === 404 ? 'The prompt of this reply was not kept.' : error.message;
    return;
  }
  if (state.detailsFor !== replyId || openKey() !== key || $('details').hidden) return;
  // The stored prompt knows the memories and lore of any reply, also of those written before this visit.
  const known = { ...info, memoriesUsed: prompt.memoriesUsed ?? info.memoriesUsed, loreUsed: prompt.loreUsed ?? info.loreUsed };
  const count = prompt.messages.length;
  promptSection.replaceChildren(promptSection.firstChild,
    h('p', { class: 'muted small' }, `${count} message${count === 1 ? '' : 's'}, exactly as sent${prompt.model ? ` to ${prompt.model}` : ''}, system prompt first.`),
    h('ol', { class: 'prompt', 'aria-label': 'Prompt sent to the model' }, ...prompt.messages.map((m) => h('li', { class: `prompt-message prompt-${m.role}` },
      h('span', { class: 'badge' }, ROLE_LABELS[m.role] ?? m.role),
      h('pre', { class: 'prompt-text', tabindex: '0' }, m.content)))));
  body.replaceChildren(...detailsParts(known), promptSection);
}

function detailsParts(info) {
  const model = info.provider === 'offline'
    ? h('p', {}, h('strong', {}, 'Offline model'), ' answered (no language model is configured, or none was reachable).')
    : h('p', {}, 'Answered by ', h('strong', {}, info.model ?? 'unknown model'), ` via ${info.provider}.`);
  const memories = !info.memoriesUsed
    ? h('p', { class: 'muted' }, 'Which memories this earlier reply used is only known for replies sent in this visit.')
    : info.memoriesUsed.length === 0
      ? h('p', { class: 'muted' }, 'No memories were used.')
      : h('ul', { class: 'memories', 'aria-label': 'Memories used' }, ...info.memoriesUsed.map((m) => h('li', {},
        h('span', { class: 'badge' }, `${m.kind} · ${m.tier}`), ' ', m.snippet)));
  const parts = [h('h3', {}, 'Model'), model, h('h3', {}, 'Memories used'), memories];
  if (info.loreUsed) {
    parts.push(h('h3', {}, 'Lore used'), info.loreUsed.length === 0
      ? h('p', { class: 'muted' }, 'No lorebook entries were used.')
      : h('ul', { class: 'memories', 'aria-label': 'Lore used' }, ...info.loreUsed.map((l) => h('li', {},
        h('span', { class: 'badge' }, l.scope === 'user' ? 'your lorebook' : `${info.speaker ?? state.agent?.name ?? 'companion'}'s lorebook`), ' ',
        l.name || l.keys.join(', '), l.name && l.keys.length ? h('span', { class: 'muted small' }, ` (${l.keys.join(', ')})`) : ''))));
  }
  if (info.usage) parts.push(h('p', { class: 'muted small' }, `Tokens: ${info.usage.inputTokens} in, ${info.usage.outputTokens} out.`));
  if (info.mood) parts.push(h('p', { class: 'muted small' }, `Mood ${signed(info.mood.delta)}, affinity ${signed(info.affinity.delta)} this turn.`));
  if (info.mood && info.speaker) parts.push(h('p', { class: 'small' }, `${info.speaker}'s mood toward you: ${info.mood.label}; affinity ${Math.round(info.affinity.value)}/100 (${info.affinity.band}).`));
  return parts;
}

// A function declaration, not a const: the page's top-level await runs code that calls it before a const below it exists.
function itemOf(id) {
  return $('messages').querySelector(`li.message[data-id="${CSS.escape(id)}"]`);
}

// Editing: the text turns into a box in place; Save sends it, Cancel or Escape puts the old text back.
function startEdit(id) {
  const item = itemOf(id);
  const message = state.messages.get(id);
  if (!item || !message || item.querySelector('form.edit') || state.sending) return;
  const key = openKey();
  const path = messagesPath();
  const text = item.querySelector('.text');
  const editButton = item.querySelector('.edit-button');
  const mine = message.role === 'user';
  const box = h('textarea', { class: 'edit-text', rows: 3, maxlength: 8000, 'aria-label': 'Message text' });
  box.value = message.text;
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const form = h('form', { class: 'edit', 'aria-label': mine ? 'Edit your message' : `Edit this reply from ${speakerOf(message)}` },
    box, h('div', { class: 'row mt-025' }, save, h('button', { type: 'button', class: 'secondary', onclick: () => close() }, 'Cancel')));
  const close = () => { form.remove(); text.hidden = false; editButton.hidden = false; editButton.focus(); };
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); close(); }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = box.value.trim();
    if (!value) { toast('A message cannot be empty.'); box.focus(); return; }
    if (value === message.text) { close(); return; }
    save.disabled = true;
    const saved = await attempt(() => api(`${path}/${id}`, { method: 'PATCH', body: { text: value } }));
    save.disabled = false;
    if (!saved || openKey() !== key) return;
    message.text = saved.text;
    text.textContent = saved.text;
    state.alternatives.delete(id);
    close();
    markEdited(id, saved.editedAt);
    toast('Message edited.', 'info');
    if (message.role !== 'user') updateSwipes(true);
  });
  text.hidden = true;
  editButton.hidden = true;
  text.after(form);
  box.focus();
}

// Swipes: only the latest reply (no message of the user after it) can be written again or swapped for an alternative.
function latestReplyId() {
  const items = $('messages').querySelectorAll('li.message[data-id]');
  for (let i = items.length - 1; i >= 0; i--) {
    const message = state.messages.get(items[i].dataset.id);
    if (!message) continue;
    if (message.role === 'user') return null;
    if (message.replyTo && message.provider) return message.id;
  }
  return null;
}

async function updateSwipes(reload = false) {
  const latest = latestReplyId();
  for (const bar of $('messages').querySelectorAll('.swipes')) if (bar.closest('li.message')?.dataset.id !== latest) bar.remove();
  if (!latest) return;
  // Regenerate is there at once; the arrows follow when the server has said how many alternatives there are.
  renderSwipes(latest);
  const key = openKey();
  if (reload || !state.alternatives.has(latest)) {
    const alternatives = await api(`${messagesPath()}/${latest}/alternatives`).catch(() => null);
    if (!alternatives || openKey() !== key) return;
    state.alternatives.set(latest, alternatives);
  }
  if (latestReplyId() === latest) renderSwipes(latest);
}

function renderSwipes(replyId) {
  const item = itemOf(replyId);
  if (!item) return;
  const alternatives = state.alternatives.get(replyId) ?? { items: [null], selected: 0 };
  const count = alternatives.items.length;
  const selected = alternatives.selected;
  const name = state.agent?.name ?? state.messages.get(replyId)?.agentName ?? 'them';
  const bar = h('div', { class: 'swipes', role: 'group', 'aria-label': `Other replies from ${name}` },
    count > 1 ? h('button', { type: 'button', class: 'secondary swipe', 'aria-label': 'Previous reply', disabled: selected === 0 || state.sending, onclick: () => choose(replyId, selected - 1, -1) }, '‹') : '',
    count > 1 ? h('span', { class: 'swipe-count small' }, `${selected + 1} of ${count}`) : '',
    count > 1 ? h('button', { type: 'button', class: 'secondary swipe', 'aria-label': 'Next reply', disabled: selected >= count - 1 || state.sending, onclick: () => choose(replyId, selected + 1, 1) }, '›') : '',
    h('button', { type: 'button', class: 'link small', disabled: state.sending || count >= 20, onclick: () => regenerate(replyId) }, 'Regenerate'));
  const old = item.querySelector('.swipes');
  if (old) old.replaceWith(bar); else item.append(bar);
  return bar;
}

/** Shows the chosen alternative as the reply, with what it was written from and the feelings it leaves. */
function showAlternatives(alternatives) {
  const id = alternatives.replyId;
  state.alternatives.set(id, alternatives);
  const message = state.messages.get(id);
  if (message) Object.assign(message, { text: alternatives.text, provider: alternatives.provider, model: alternatives.model });
  const item = itemOf(id);
  if (item) item.querySelector('.text').textContent = alternatives.text;
  markEdited(id, alternatives.items.find((a) => a.index === alternatives.selected)?.editedAt ?? null);
  const previous = state.details.get(id) ?? {};
  state.details.set(id, { ...previous, provider: alternatives.provider, model: alternatives.model, memoriesUsed: alternatives.memoriesUsed, loreUsed: alternatives.loreUsed,
    usage: undefined, mood: alternatives.mood ?? undefined, affinity: alternatives.affinity ?? undefined });
  if (alternatives.mood && alternatives.affinity) showFeelings(alternatives.mood, alternatives.affinity);
  renderSwipes(id);
  if (!$('details').hidden && state.detailsFor === id) showDetails(id);
}

async function choose(replyId, index, direction) {
  const key = openKey();
  for (const button of itemOf(replyId)?.querySelectorAll('.swipes button') ?? []) button.disabled = true;
  const alternatives = await attempt(() => api(`${messagesPath()}/${replyId}/selected`, { method: 'PUT', body: { index } }));
  if (openKey() !== key) return;
  if (alternatives) showAlternatives(alternatives); else renderSwipes(replyId);
  // The bar is drawn anew, so a screen reader hears the change from one live region that stays.
  if (alternatives) $('announce').textContent = `Reply ${alternatives.selected + 1} of ${alternatives.items.length}: ${alternatives.text}`;
  // Keyboard users stay on the arrow they pressed (or the other one at either end).
  const buttons = [...(itemOf(replyId)?.querySelectorAll('.swipes .swipe') ?? [])];
  const wanted = buttons.find((b) => b.getAttribute('aria-label') === (direction < 0 ? 'Previous reply' : 'Next reply') && !b.disabled) ?? buttons.find((b) => !b.disabled);
  wanted?.focus();
}

async function regenerate(replyId) {
  if (state.sending) return;
  if (state.group) { await regenerateGroupLine(replyId); return; }
  const agent = state.agent;
  const item = itemOf(replyId);
  if (!item) return;
  const text = item.querySelector('.text');
  const before = text.textContent;
  state.sending = true;
  $('send').disabled = true;
  renderSwipes(replyId);
  item.classList.add('streaming');
  $('typing-text').textContent = `${agent.name} is writing another reply…`;
  $('typing').hidden = false;
  let written = '';
  try {
    const alternatives = await streamRegeneration(agent.id, replyId, {
      onDelta: (delta) => { written += (written ? ' ' : '') + delta; text.textContent = written; },
      onReset: () => { written = ''; text.textContent = ''; },
    });
    if (state.agent?.id !== agent.id) return;
    state.sending = false;
    showAlternatives(alternatives);
  } catch (error) {
    text.textContent = before;
    toast(error.message);
  } finally {
    item.classList.remove('streaming');
    $('typing').hidden = true;
    state.sending = false;
    $('send').disabled = false;
    if (state.agent?.id === agent.id) renderSwipes(replyId);
  }
}

// A group's last line is written again in one call (group turns are not streamed).
async function regenerateGroupLine(replyId) {
  const key = openKey();
  const name = state.messages.get(replyId)?.agentName ?? 'Someone';
  state.sending = true;
  $('send').disabled = true;
  renderSwipes(replyId);
  $('typing-text').textContent = `${name} is writing another reply…`;
  $('typing').hidden = false;
  try {
    const alternatives = await attempt(() => api(`${messagesPath()}/${replyId}/regenerate`, { method: 'POST' }));
    state.sending = false;
    if (alternatives && openKey() === key) showAlternatives(alternatives);
  } finally {
    $('typing').hidden = true;
    state.sending = false;
    $('send').disabled = false;
    if (openKey() === key) renderSwipes(replyId);
  }
}

// Deleting: a message and, when it is half of an exchange, the other half (the server decides and says which went);
// the companion's mood and affinity are what the server answers once the turn's reaction is taken back.
async function deleteMessage(id) {
  const item = itemOf(id);
  if (!item || state.sending || (!state.agent && !state.group)) return;
  const key = openKey();
  const message = state.messages.get(id);
  const mine = item.classList.contains('mine');
  const replies = mine ? [...state.messages.values()].filter((m) => m.replyTo === id) : [];
  let question;
  if (state.group) {
    // In a group a companion's line goes alone; the user's line takes the replies to it along.
    const names = [...new Set(replies.map((m) => m.agentName))].join(' and ');
    question = !mine ? `Delete this message from ${speakerOf(message ?? { role: 'agent' })}? How it changed their mood is taken back.`
      : replies.length > 0 ? `Delete your message and the replies to it from ${names}? They forget it, and how it changed their mood is taken back.`
        : 'Delete your message?';
  } else {
    const agent = state.agent;
    const pair = mine ? replies.length > 0 : Boolean(message?.replyTo);
    question = pair
      ? `Delete this exchange — your message and ${agent.name}'s reply? ${agent.name} forgets it, and how it changed ${agent.name}'s mood is taken back.`
      : mine ? 'Delete your message?' : `Delete this message from ${agent.name}?`;
  }
  if (!confirm(question)) return;
  const result = await attempt(() => api(`${messagesPath()}/${id}`, { method: 'DELETE' }));
  if (!result || openKey() !== key) return;
  for (const gone of result.deleted) {
    itemOf(gone)?.remove();
    state.messages.delete(gone);
    state.details.delete(gone);
    state.alternatives.delete(gone);
    if (state.detailsFor === gone && !$('details').hidden) toggleDetails(false);
  }
  if (result.mood && result.affinity) showFeelings(result.mood, result.affinity);
  showEmpty();
  updateSwipes();
  const said = result.deleted.length > 1 ? (state.group ? 'Message and replies deleted.' : 'Exchange deleted.') : 'Message deleted.';
  $('announce').textContent = said;
  toast(said, 'info');
  $('composer-text').focus();
}

// Group chats: two or more companions in one conversation; each line is labelled with who spoke.
async function loadGroups() {
  let page;
  try {
    page = await api('/api/groups?limit=100');
  } catch (error) {
    if (error.status !== 404 && error.status !== 405) toast(error.message);
    return [];
  }
  $('group-list').replaceChildren(...page.items.map(groupButton));
  state.groups = page.items;
  return page.items;
}

function groupButton(group) {
  const members = group.members.map((m) => m.name).join(', ');
  const button = h('button', { type: 'button', class: 'agent', dataset: { groupId: group.id }, onclick: () => openGroup(group.id) },
    h('span', { class: 'thumb thumb-initial thumb-group', 'aria-hidden': 'true' }, String(group.members.length)),
    h('span', { class: 'agent-text' }, h('span', { class: 'agent-name' }, group.name), h('span', { class: 'agent-sub muted' }, members)));
  return h('li', {}, button);
}

function showGroupForm(open) {
  const form = $('group-form');
  form.hidden = !open;
  $('new-group').setAttribute('aria-expanded', String(open));
  if (!open) { $('new-group').focus(); return; }
  $('group-name').value = '';
  // They take turns in the order they were ticked.
  let ticks = 0;
  const tick = (event) => { event.target.dataset.order = String(event.target.checked ? ++ticks : 0); };
  $('group-members').replaceChildren(...state.agents.map((a) => h('li', {}, h('label', { class: 'day' },
    h('input', { type: 'checkbox', name: 'member', value: a.id, class: 'auto-width', onchange: tick }), a.name))));
  $('group-name').focus();
}

async function createGroup() {
  const agentIds = [...$('group-members').querySelectorAll('input[name="member"]:checked')]
    .sort((a, b) => Number(a.dataset.order) - Number(b.dataset.order)).map((box) => box.value);
  if (agentIds.length < 2) { toast('Choose two or more companions for a group.'); return; }
  const name = $('group-name').value.trim();
  const group = await attempt(() => api('/api/groups', { method: 'POST', body: { name: name || null, agentIds } }));
  if (!group) return;
  showGroupForm(false);
  await loadGroups();
  await openGroup(group.id);
  $('composer-text').focus();
}

async function openGroup(id) {
  const group = (state.groups ?? []).find((g) => g.id === id);
  if (!group) return;
  state.group = group;
  state.agent = null;
  sessionStorage.setItem('hearth.group', id);
  markCurrent(id);
  const names = group.members.map((m) => m.name);
  $('agent-name').textContent = group.name;
  $('agent-status').textContent = `Group chat with ${names.slice(0, -1).join(', ')} and ${names.at(-1)}. Name someone to ask them; otherwise they take turns.`;
  $('messages').setAttribute('aria-label', `Messages in ${group.name}`);
  $('agent-portrait').hidden = true;
  $('feelings').hidden = true;
  $('mute').hidden = true;
  $('delete-group').hidden = false;
  $('composer-text').placeholder = `Message ${group.name}…`;
  clearConversation();
  await loadPage();
  scrollToBottom();
}

async function sendToGroup(text) {
  const group = state.group;
  const key = openKey();
  const box = $('composer-text');
  state.sending = true;
  $('send').disabled = true;
  const body = { text, clientMessageId: newId() };
  const mine = sendStarted(box, text, `${group.name}: someone is typing…`);
  try {
    let answer;
    try {
      answer = await api(`/api/groups/${group.id}/chat`, { method: 'POST', body });
    } catch (error) {
      // The turn is idempotent on its client message id: ask once more when the answer was lost on the way.
      if (error.status && error.status < 500) throw error;
      answer = await api(`/api/groups/${group.id}/chat`, { method: 'POST', body });
    }
    if (openKey() !== key) return;
    mine.remove();
    const user = { ...answer.userMessage, kind: 'text' };
    const replies = answer.replies.map((r) => ({ id: r.id, role: 'agent', kind: 'text', agentId: r.agentId, agentName: r.agentName, text: r.text,
      createdAt: r.createdAt, provider: r.provider, model: r.model, replyTo: user.id }));
    $('messages').append(...[user, ...replies].filter((m) => !state.shown.has(m.id)).map(renderMessage).filter(Boolean));
    updateSwipes();
    for (const r of answer.replies) {
      state.details.set(r.id, { provider: r.provider, model: r.model, memoriesUsed: null, mood: r.mood, affinity: r.affinity, speaker: r.agentName });
    }
    $('announce').textContent = answer.replies.map((r) => `${r.agentName}: ${r.text}`).join(' ');
  } catch (error) {
    notSent(mine, box, text, error);
  } finally {
    sendEnded(box);
  }
}

async function deleteGroup() {
  const group = state.group;
  if (!group || !confirm(`Delete the group chat "${group.name}" and everything said in it? The companions stay.`)) return;
  const deleted = await attempt(() => api(`/api/groups/${group.id}`, { method: 'DELETE' }).then(() => true));
  if (!deleted) return;
  sessionStorage.removeItem('hearth.group');
  state.group = null;
  await loadGroups();
  toast(`Group "${group.name}" deleted.`, 'info');
  if (state.agents[0]) await openAgent(state.agents[0].id);
  else { clearConversation(); $('delete-group').hidden = true; $('composer').hidden = true; $('agent-name').textContent = 'Choose a companion'; }
}

function signed(n) {
  return `${n >= 0 ? '+' : ''}${Number(n).toFixed(2)}`;
}

function isNearBottom(margin = 120) {
  const s = $('messages-scroll');
  return s.scrollHeight - s.scrollTop - s.clientHeight < margin;
}

function scrollToBottom() {
  const s = $('messages-scroll');
  s.scrollTop = s.scrollHeight;
}
