// pg-boss: enqueue PEER_JOBS no-op jobs with insert() in batches, then time the burn-down with PEER_CONCURRENCY jobs
// in flight; or measure pickup latency with LISTEN/NOTIFY on. Variant "batch" runs one worker fetching PEER_CONCURRENCY
// jobs at a time; variant "teams" runs 4 workers fetching PEER_CONCURRENCY/4 each. Both use pg-boss's burst mode
// (fetch again at once while fetches come back full): without it a worker fetches once per polling interval, and its
// other burst trigger (burstWhenReadyExceeds) follows a cached ready count that lags a burn-down (measured: 77 jobs/s).
import { PgBoss } from "pg-boss";
import { settings, pool, waitUntilZero, percentile, report, sleep, executed, allExecuted } from "./common.mjs";

const boss = new PgBoss({ connectionString: settings.connectionString, useListenNotify: settings.mode === "latency", supervise: true });
boss.on("error", (e) => console.error(e));
await boss.start();
const queue = settings.mode === "throughput" ? "noop" : "ping";
await boss.createQueue(queue, settings.mode === "latency" ? { notify: true } : {});
const fetch = settings.variant === "teams"
  ? { batchSize: Math.max(2, Math.floor(settings.concurrency / 4)), localConcurrency: 4, burstWhenBatchFull: true }
  : { batchSize: settings.concurrency, localConcurrency: 1, burstWhenBatchFull: true };

if (settings.mode === "throughput") {
  for (let i = 0; i < settings.jobs; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(settings.jobs, i + 1000); j++) batch.push({ data: { i: j } });
    await boss.insert(queue, batch);
  }
  const started = performance.now();
  await boss.work(queue, { ...fetch, pollingIntervalSeconds: 0.5 }, async (jobs) => { for (const _ of jobs) executed(); });
  await allExecuted;
  await waitUntilZero(`select count(*) from pgboss.job where name = '${queue}' and state < 'completed'`);
  const seconds = (performance.now() - started) / 1000;
  report({ system: "pg-boss", variant: settings.variant, jobs: settings.jobs, seconds, perSecond: settings.jobs / seconds });
} else {
  const latencies = [];
  let resolveOne;
  await boss.work(queue, { ...fetch, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    for (const job of jobs) latencies.push(Date.now() - job.data.sentAt);
    resolveOne();
  });
  await sleep(500);
  for (let i = 0; i < settings.samples; i++) {
    const done = new Promise((r) => (resolveOne = r));
    await boss.send(queue, { sentAt: Date.now() });
    await done;
    await sleep(5 + Math.random() * 15);
  }
  latencies.sort((a, b) => a - b);
  report({ system: "pg-boss", variant: settings.variant, samples: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95) });
}
await boss.stop({ graceful: false, wait: true });
await pool.end();
