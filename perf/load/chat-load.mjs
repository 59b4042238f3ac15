// Drives chat turns at a Hearth host with autocannon and prints one line: RESULT {json}.
// Each connection is one user talking to their own agent (LOAD_CLIENTS: [{ token, agentId }]), cycling a few messages.
// LOAD_RATE > 0 fixes the overall request rate (open loop); otherwise every connection sends as fast as answers come.
import autocannon from 'autocannon';

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
if (rate > 0) options.overallRate = rate;

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
