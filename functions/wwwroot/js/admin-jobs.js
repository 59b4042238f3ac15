// Jobs and orchestrations: status, dead jobs with their errors, retry; terminate unfinished orchestrations.
import { api } from './api.js';
import { h, toast, formatTime, attempt } from './ui.js';

const $ = (id) => document.getElementById(id);

export function initJobs(me) {
  let jobCursor = null;
  let orchCursor = null;

  async function loadJobs(more = false) {
    if (!me.isAdmin) { $('job-rows').replaceChildren(h('tr', {}, h('td', { colspan: 6 }, 'Jobs are shown to admins only.'))); return; }
    const query = new URLSearchParams({ limit: '25' });
    if ($('job-state').value) query.set('state', $('job-state').value);
    if (more && jobCursor) query.set('cursor', jobCursor);
    const page = await attempt(() => api(`/api/admin/jobs?${query}`));
    if (!page) return;
    jobCursor = page.nextCursor;
    $('more-jobs').hidden = !jobCursor;
    const rows = page.items.map((job) => h('tr', { dataset: { jobId: job.id } },
      h('td', {}, job.queue), h('td', {}, job.state), h('td', {}, `${job.attempt}/${job.maxAttempts}`),
      h('td', {}, h('time', { datetime: job.createdAt }, formatTime(job.createdAt, me.timeZone))),
      h('td', { class: 'error' }, job.lastError ?? ''),
      h('td', {}, job.state === 'Dead' || job.state === 'Cancelled'
        ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Retry job ${job.queue} ${job.id}`, onclick: () => retry(job) }, 'Retry')
        : job.state === 'Ready' || job.state === 'Running'
          ? h('button', { type: 'button', class: 'secondary', 'aria-label': `Cancel job ${job.queue} ${job.id}`, onclick: () => cancel(job) }, 'Cancel') : '')));
    if (more) $('job-rows').append(...rows);
    else $('job-rows').replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No jobs.'))]));
  }

  async function retry(job) {
    if (await attempt(() => api(`/api/admin/jobs/${job.id}/retry`, { method: 'POST' })) !== undefined) { toast('Job queued again.', 'info'); loadJobs(); }
  }

  async function cancel(job) {
    if (await attempt(() => api(`/api/admin/jobs/${job.id}/cancel`, { method: 'POST' })) !== undefined) { toast('Job cancelled.', 'info'); loadJobs(); }
  }

  async function loadOrchestrations(more = false) {
    const query = new URLSearchParams({ limit: '25' });
    if ($('orch-status').value) query.set('status', $('orch-status').value);
    if (more && orchCursor) query.set('cursor', orchCursor);
    const page = await attempt(() => api(`/api/orchestrations?${query}`));
    if (!page) return;
    orchCursor = page.nextCursor;
    $('more-orchestrations').hidden = !orchCursor;
    const rows = page.items.map((o) => h('tr', {},
      h('td', {}, o.type), h('td', {}, o.status),
      h('td', { class: 'small' }, o.customStatus ? JSON.stringify(o.customStatus) : ''),
      h('td', {}, h('time', { datetime: o.updatedAt }, formatTime(o.updatedAt, me.timeZone))),
      h('td', { class: 'error' }, o.error ?? ''),
      h('td', {}, o.status === 'Running' || o.status === 'Pending'
        ? h('button', { type: 'button', class: 'danger', 'aria-label': `Terminate ${o.type} ${o.id}`, onclick: () => terminate(o) }, 'Terminate') : '')));
    if (more) $('orch-rows').append(...rows);
    else $('orch-rows').replaceChildren(...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No orchestrations.'))]));
  }

  async function terminate(o) {
    if (!confirm(`Terminate ${o.type} ${o.id}?`)) return;
    if (await attempt(() => api(`/api/orchestrations/${o.id}/terminate`, { method: 'POST', body: { reason: 'Terminated from the admin page' } })) !== undefined) loadOrchestrations();
  }

  $('job-state').addEventListener('change', () => loadJobs());
  $('refresh-jobs').addEventListener('click', () => loadJobs());
  $('more-jobs').addEventListener('click', () => loadJobs(true));
  $('orch-status').addEventListener('change', () => loadOrchestrations());
  $('refresh-orchestrations').addEventListener('click', () => loadOrchestrations());
  $('more-orchestrations').addEventListener('click', () => loadOrchestrations(true));
  loadJobs();
  loadOrchestrations();
}
