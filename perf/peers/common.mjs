// Shared by the peer runners: settings from the environment, polling until a count reaches zero, percentiles.
import pg from "pg";

export const settings = {
  connectionString: process.env.PEER_CONNECTION,
  jobs: Number(process.env.PEER_JOBS ?? 20000),
  concurrency: Number(process.env.PEER_CONCURRENCY ?? 32),
  mode: process.env.PEER_MODE ?? "throughput", // throughput | latency
  variant: process.env.PEER_VARIANT ?? "default",
  samples: Number(process.env.PEER_SAMPLES ?? 200),
};

export const pool = new pg.Pool({ connectionString: settings.connectionString, max: 4 });

// Handlers call executed(); the burn-down waits for all of them, then for the database to show every job finished.
let executedCount = 0;
let onAllExecuted;
export const allExecuted = new Promise((r) => (onAllExecuted = r));
export function executed() {
  if (++executedCount === settings.jobs) onAllExecuted();
}

export async function waitUntilZero(sql) {
  for (;;) {
    const { rows } = await pool.query(sql);
    if (Number(rows[0].count) === 0) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function report(result) {
  console.log("RESULT " + JSON.stringify(result));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
