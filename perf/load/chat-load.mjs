// Drives chat turns at a Hearth host and prints one line: RESULT {json}.
// Each connection is one user talking to their own agent (LOAD_CLIENTS: [{ token, agentId }]), cycling a few messages.
// LOAD_RATE = 0: autocannon, every connection sending as fast as answers come (closed loop).
// LOAD_RATE > 0: paced users (autocannon's rate options send in bursts each second): user i sends a turn every
// connections/rate seconds, offset so that arrivals are evenly spread, waiting for each answer before the next.
import autocannon from 'autocannon';
import http from 'node:http';

const url = process.env.LOAD_URL;
const clients = JSON.parse(process.env.LOAD_CLIENTS);
const connections = Number(process.env.LOAD_CONNECTIONS ?? 32);
const duration = Number(process.env.LOAD_DURATION ?? 10);
const rate = Number(process.env.LOAD_RATE ?? 0);
const texts = ['Hi! How are you today?', 'What are you doing right now?', 'I had a long day at work.', 'Tell me something nice.',
  'Thanks for listening.', 'Do you like rainy days?'];

let next = 0;
const latencies = [];
const options = {
  url,
  connections,
  duration,
  pipelining: 1,
  timeout: 30,
  setupClient(client) {
    const c = clients[next++ % clients.length];
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${c.token}` };
    client.setRequests(texts.map(text => ({ method: 'POST', path: `/api/agents/${c.agentId}/chat`, headers, body: JSON.stringify({ text }) })));
  },
};
if (rate > 0) {
  await paced();
  process.exit(0);
}

async function paced() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const interval = connections / rate * 1000;
  const end = performance.now() + duration * 1000;
  let ok = 0, non2xx = 0, errors = 0;
  const send = (c, text) => new Promise(resolve => {
    const body = JSON.stringify({ text });
    const started = performance.now();
    const request = http.request({ host: target.hostname, port: target.port, method: 'POST', path: `/api/agents/${c.agentId}/chat`, agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${c.token}` } }, response => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode < 300) { ok++; latencies.push(performance.now() - started); } else non2xx++;
        resolve();
      });
    });
    request.on('error', () => { errors++; resolve(); });
    request.end(body);
  });
  const user = async i => {
    const c = clients[i % clients.length];
    let next = performance.now() + interval * i / connections;
    for (let n = 0; ; n++) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise(r => setTimeout(r, wait));
      if (performance.now() >= end) return;
      await send(c, texts[n % texts.length]);
      next += interval;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, (_, i) => user(i)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = p => latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p / 100 * latencies.length) - 1))];
  console.log('RESULT ' + JSON.stringify({ requests: ok + non2xx + errors, ok, non2xx, errors, timeouts: 0, seconds, perSecond: ok / seconds,
    p50: pct(50), p95: pct(95), p99: pct(99), mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length) }));
  agent.destroy();
}

const instance = autocannon(options, (err, result) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  latencies.sort((a, b) => a - b);
  const pct = p => latencies.length === 0 ? null : latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p / 100 * latencies.length) - 1))];
  const ok = result['2xx'];
  console.log('RESULT ' + JSON.stringify({
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
    perSecond: ok / result.duration,
    p50: pct(50), p95: pct(95), p99: pct(99),
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
  }));
});
instance.on('response', (client, statusCode, bytes, responseTime) => { if (statusCode < 300) latencies.push(responseTime); });
