// graphile-worker: enqueue PEER_JOBS no-op jobs in batches, then time the burn-down at PEER_CONCURRENCY;
// or measure pickup latency of single jobs on an idle worker. Variant "batched" enables its local queue
// and batched completion (its documented high-throughput settings).
import { run, makeWorkerUtils } from "graphile-worker";
import { settings, pool, waitUntilZero, percentile, report, sleep, executed, allExecuted } from "./common.mjs";

const utils = await makeWorkerUtils({ connectionString: settings.connectionString });
await utils.migrate();
const preset = settings.variant === "batched"
  ? { worker: { localQueue: { size: settings.concurrency + 1 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } }
  : {};

if (settings.mode === "throughput") {
  for (let i = 0; i < settings.jobs; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(settings.jobs, i + 1000); j++) batch.push({ identifier: "noop", payload: { i: j } });
    await utils.addJobs(batch);
  }
  const started = performance.now();
  const runner = await run({
    connectionString: settings.connectionString, concurrency: settings.concurrency, noHandleSignals: true,
    pollInterval: 1000, taskList: { noop: async () => { executed(); } }, preset, logger: quietLogger(),
  });
  await allExecuted;
  await waitUntilZero("select count(*) from graphile_worker.jobs");
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  report({ system: "graphile-worker", variant: settings.variant, jobs: settings.jobs, seconds, perSecond: settings.jobs / seconds });
} else {
  const latencies = [];
  let resolveOne;
  const runner = await run({
    connectionString: settings.connectionString, concurrency: settings.concurrency, noHandleSignals: true,
    pollInterval: 1000, preset, logger: quietLogger(),
    taskList: { ping: async (payload) => { latencies.push(Date.now() - payload.sentAt); resolveOne(); } },
  });
  await sleep(500);
  for (let i = 0; i < settings.samples; i++) {
    const done = new Promise((r) => (resolveOne = r));
    await utils.addJob("ping", { sentAt: Date.now() });
    await done;
    await sleep(5 + Math.random() * 15);
  }
  await runner.stop();
  latencies.sort((a, b) => a - b);
  report({ system: "graphile-worker", variant: settings.variant, samples: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95) });
}
await utils.release();
await pool.end();

function quietLogger() {
  // graphile-worker logs every job at info; keep benchmarks quiet.
  return new (class {
    scope() { return this; }
    debug() {} info() {} warn(m) { console.error(m); } error(m) { console.error(m); }
  })();
}
