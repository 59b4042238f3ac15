// Pictures: media the owner may read with the bearer token (portraits, delivered pictures) become object URLs.
import { token, api } from './api.js';

const cache = new Map();

/** An object URL for /media/{id}, fetched with the bearer token (an <img> cannot send one). */
export function mediaUrl(mediaId) {
  if (!cache.has(mediaId)) {
    cache.set(mediaId, fetch(`/media/${encodeURIComponent(mediaId)}`, { headers: { Authorization: `Bearer ${token.get()}` } })
      .then((r) => { if (!r.ok) throw new Error(`The picture could not be loaded (${r.status}).`); return r.blob(); })
      .then((blob) => URL.createObjectURL(blob))
      .catch((error) => { cache.delete(mediaId); throw error; }));
  }
  return cache.get(mediaId);
}

export const finished = (status) => status === 'succeeded' || status === 'failed';

/** Polls a picture job until it finishes, calling onUpdate(job) on every change of status. */
export async function followPictureJob(jobId, onUpdate, { interval = 1000, signal } = {}) {
  let last;
  for (let delay = interval; !signal?.aborted; delay = Math.min(delay * 1.3, 5000)) {
    const job = await api(`/api/images/${encodeURIComponent(jobId)}`);
    if (job.status !== last) { last = job.status; onUpdate(job); }
    if (finished(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return undefined;
}
