#!/usr/bin/env node
// bench/gateway: what the gateway adds. Starts the local stack (tools/stack: Redis,
// one worker on the demo model, the gateway, the quantizer), then
//  1. added latency: the same chat request (max_tokens 1, same prompt), sent
//     through the gateway (streamed, to its first SSE event) and straight to the
//     worker's gRPC Generate (to its first token event), back to back in
//     rotating order; request i through the gateway minus request i direct is
//     one paired sample of the added time (both saw the same machine state).
//     The target is judged on the percentiles of those paired differences,
//     the median with its 95% confidence interval;
//  2. throughput: GET /v1/models (authenticated) from 64 concurrent keep-alive
//     clients.
// --baseline DIR adds a second gateway process built from DIR (same Redis, same
// worker) as a third path in the same rotation, and alternates the /v1/models
// load between the two (A B B A): an A/B of two builds in the same seconds.
// Client, gateways, worker and Redis share this machine's cores: the numbers
// include that, which is why only paired and same-minute comparisons count.
// Gateway CPU per request comes from /proc, less the CPU the gateway burns
// while idle (timers, heartbeats), measured for a second before.
// Prints a table and writes bench/out/gateway.json. Needs a build (node tools/build.mjs).
// usage: node bench/gateway/run.mjs [--requests 400] [--clients 64] [--seconds 4] [--warmup 40]
//          [--baseline DIR] [--root DIR] [--cpu-prof DIR] [--out FILE]
//   --baseline: also run DIR/apps/gateway/dist (e.g. a worktree at an older commit, built);
//   --root: run every app built under DIR instead of this checkout's;
//   --cpu-prof: the gateway writes a V8 CPU profile into DIR (see cpu-profile.cjs;
//               the profiler's own CPU then counts in the CPU per request).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readStackConfig } from '../../tools/stack/config.mjs';
import { createStack } from '../../tools/stack/stack.mjs';
import { startBaselineGateway } from './baseline-gateway.mjs';
import { directWorkerClient } from './direct-worker.mjs';
import { gatewayChatClient, loadGet } from './gateway-client.mjs';
import { processCpuMs } from './process-cpu.mjs';
import { medianInterval, summarize } from './stats.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '400' },
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '40' },
    baseline: { type: 'string' },
    root: { type: 'string' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
  },
});
const root = values.root ? resolve(values.root) : repoRoot;
const requests = Number(values.requests);
const clients = Number(values.clients);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const TARGET = { addedP50Ms: 2, addedP99Ms: 10 };
const MESSAGES = [{ role: 'user', content: 'Say hello in one word.' }];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Limits high enough that the bench measures the gateway, not its rate limiter.
const env = { TESSERA_THREADS: '1', ...process.env, PORT: '0', RATE_LIMIT_RPM: '100000000', RATE_LIMIT_TPM: '1000000000', QUEUE_MAX_CONCURRENT: '256' };
delete env.TESSERA_ADMIN_KEY;
// Another root shares this checkout's demo model cache rather than synthesizing its own.
env.TESSERA_DATA_DIR ??= join(repoRoot, '.tessera');
if (values['cpu-prof']) {
  env.TESSERA_BENCH_CPU_PROF_DIR = resolve(values['cpu-prof']);
  env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${join(repoRoot, 'bench', 'gateway', 'cpu-profile.cjs')}`.trim();
}
const config = readStackConfig(env, root);
const log = [];
const stack = createStack(config, { root, print: (line) => log.push(line) });
let ready;
try {
  console.error('[bench] starting the stack');
  ready = await stack.start();
} catch (err) {
  console.error(`${log.slice(-30).join('\n')}\n[bench] the stack did not start: ${err.message}`);
  process.exit(1);
}
void stack.failure.then((err) => {
  console.error(`[bench] ${err.message}`);
  process.exit(1);
});

let baseline;
if (values.baseline) {
  try {
    const childEnv = { ...env };
    delete childEnv.NODE_OPTIONS;
    delete childEnv.TESSERA_BENCH_CPU_PROF_DIR;
    baseline = await startBaselineGateway(resolve(values.baseline), ready, childEnv, config.adminKey);
  } catch (err) {
    console.error(`[bench] ${err.message}`);
    await stack.stop();
    process.exit(1);
  }
}

/** The paths one request can take; the first is the baseline of the pairs. */
const paths = [
  { name: 'direct gRPC', client: directWorkerClient(root, ready.workerAddress), send: (c) => c.generate(MESSAGES, 1) },
  { name: 'via gateway', url: ready.url, pid: ready.pids.gateway, client: gatewayChatClient(ready.url, config.adminKey, ready.model), send: (c) => c.chat(MESSAGES, 1) },
];
if (baseline) {
  paths.push({ name: 'via baseline', url: baseline.url, pid: baseline.pid, client: gatewayChatClient(baseline.url, config.adminKey, ready.model), send: (c) => c.chat(MESSAGES, 1) });
}
const gateways = paths.slice(1);

/** Every order of the paths, used in turn, so no path is always first or always after another. */
function orders(items) {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** CPU the gateway processes burn per millisecond while nothing is sent to them. */
async function idleCpuRates(ms) {
  const before = gateways.map((g) => processCpuMs(g.pid));
  const start = process.hrtime.bigint();
  await sleep(ms);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  return gateways.map((g, i) => (before[i] === undefined ? undefined : (processCpuMs(g.pid) - before[i]) / elapsed));
}

/** Runs `fn`, then gives each gateway's CPU per request above its idle rate. */
async function cpuPerRequest(idleRates, fn) {
  const before = gateways.map((g) => processCpuMs(g.pid));
  const start = process.hrtime.bigint();
  const counts = await fn();
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  return gateways.map((g, i) => {
    const after = processCpuMs(g.pid);
    if (before[i] === undefined || after === undefined || idleRates[i] === undefined) return undefined;
    return (after - before[i] - idleRates[i] * elapsed) / counts[i];
  });
}

let result;
try {
  console.error(`[bench] ${warmup} warm-up + ${requests} requests on each of ${paths.length} paths, max_tokens 1, rotating order`);
  for (let i = 0; i < warmup; i++) for (const p of paths) await p.send(p.client);
  const idleRates = await idleCpuRates(1000);
  const samples = paths.map(() => []);
  const rotation = orders(paths.map((_, i) => i));
  const chatCpu = await cpuPerRequest(idleRates, async () => {
    for (let i = 0; i < requests; i++) {
      for (const k of rotation[i % rotation.length]) samples[k].push(await paths[k].send(paths[k].client));
    }
    return gateways.map(() => requests);
  });

  console.error(`[bench] GET /v1/models: ${clients} clients, ${seconds} s per gateway`);
  // A B B A: drift over the phases falls equally on both builds.
  const phases = gateways.length === 1 ? [0] : [0, 1, 1, 0];
  // Untimed first: the route's code gets compiled before it is measured, on every gateway alike.
  for (const g of gateways) await loadGet(g.url, '/v1/models', config.adminKey, clients, Math.min(1, seconds / 4));
  const loads = gateways.map(() => []);
  const modelsCpu = await cpuPerRequest(idleRates, async () => {
    for (const g of phases) loads[g].push(await loadGet(gateways[g].url, '/v1/models', config.adminKey, clients, seconds / (phases.length / gateways.length)));
    return loads.map((runs) => runs.reduce((n, r) => n + r.requests + r.errors, 0));
  });

  const direct = samples[0];
  result = {
    ttft: Object.fromEntries(paths.map((p, k) => [p.name, summarize(samples[k].map((r) => r.ttftMs))])),
    total: Object.fromEntries(paths.map((p, k) => [p.name, summarize(samples[k].map((r) => r.totalMs))])),
    gateways: gateways.map((g, j) => {
      const mine = samples[j + 1];
      const paired = mine.map((r, i) => r.ttftMs - direct[i].ttftMs);
      const runs = loads[j];
      const latencies = runs.flatMap((r) => r.latencies);
      const secondsRun = runs.reduce((s, r) => s + r.seconds, 0);
      const served = runs.reduce((s, r) => s + r.requests, 0);
      return {
        name: g.name,
        pairedAddedTtft: { ...summarize(paired), p50Interval95: medianInterval(paired) },
        addedByPercentile: { p50: summarize(mine.map((r) => r.ttftMs)).p50 - summarize(direct.map((r) => r.ttftMs)).p50, p99: summarize(mine.map((r) => r.ttftMs)).p99 - summarize(direct.map((r) => r.ttftMs)).p99 },
        models: { clients, seconds: secondsRun, requests: served, errors: runs.reduce((s, r) => s + r.errors, 0), rps: served / secondsRun, latency: summarize(latencies) },
        cpuMsPerRequest: { chat: chatCpu[j], models: modelsCpu[j] },
        idleCpuMsPerSecond: idleRates[j] === undefined ? undefined : idleRates[j] * 1000,
      };
    }),
  };
  if (baseline) {
    const diff = samples[1].map((r, i) => r.ttftMs - samples[2][i].ttftMs);
    result.gatewayMinusBaselineTtft = { ...summarize(diff), p50Interval95: medianInterval(diff) };
  }
} finally {
  for (const p of paths) p.client.close();
  await baseline?.stop();
  await stack.stop();
}

const ms = (v) => (v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(2));
const ours = result.gateways[0];
const added = { p50: ours.pairedAddedTtft.p50, p99: ours.pairedAddedTtft.p99 };
const rows = [];
for (const p of paths) rows.push(['time to first token', p.name, ms(result.ttft[p.name].p50), ms(result.ttft[p.name].p99), '']);
for (const g of result.gateways) {
  const ci = g.pairedAddedTtft.p50Interval95;
  rows.push(['added (paired)', g.name, ms(g.pairedAddedTtft.p50), ms(g.pairedAddedTtft.p99), `median 95% CI ${ms(ci.low)}..${ms(ci.high)}`]);
  rows.push(['added (p(gw) - p(direct))', g.name, ms(g.addedByPercentile.p50), ms(g.addedByPercentile.p99), '']);
}
if (result.gatewayMinusBaselineTtft) {
  const d = result.gatewayMinusBaselineTtft;
  rows.push(['gateway - baseline (paired)', '', ms(d.p50), ms(d.p99), `median 95% CI ${ms(d.p50Interval95.low)}..${ms(d.p50Interval95.high)}`]);
}
rows.push(['target (added)', '', `< ${TARGET.addedP50Ms}`, `< ${TARGET.addedP99Ms}`, '']);
for (const p of paths) rows.push(['whole request', p.name, ms(result.total[p.name].p50), ms(result.total[p.name].p99), '']);
for (const g of result.gateways) {
  rows.push([`GET /v1/models, ${clients} clients`, g.name, ms(g.models.latency.p50), ms(g.models.latency.p99), `${g.models.rps.toFixed(0)} req/s, ${g.models.errors} errors`]);
}
for (const g of result.gateways) {
  rows.push(['gateway CPU ms per request', g.name, '', '', `chat ${ms(g.cpuMsPerRequest.chat)}, /v1/models ${ms(g.cpuMsPerRequest.models)} (idle ${ms(g.idleCpuMsPerSecond)} ms/s subtracted)`]);
}
const header = ['measure', 'path', 'p50 ms', 'p99 ms', ''];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log([header, ...rows].map((cells) => cells.map((c, i) => (i < 2 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n'));
const meets = added.p50 < TARGET.addedP50Ms && added.p99 < TARGET.addedP99Ms;
const load = loadavg();
console.log(
  `\nadded latency ${meets ? 'meets' : 'MISSES'} the target (paired p50 < ${TARGET.addedP50Ms} ms, p99 < ${TARGET.addedP99Ms} ms) over ${requests} requests per path.` +
    `\nModel ${ready.model}, worker ${env.TESSERA_THREADS} thread(s), ${availableParallelism()} cores shared by client, gateway(s), worker and Redis; load average ${load.map((l) => l.toFixed(2)).join(' ')}.`,
);
const outFile = values.out ? resolve(values.out) : join(repoRoot, 'bench', 'out', 'gateway.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify({ date: new Date().toISOString(), model: ready.model, workerThreads: Number(env.TESSERA_THREADS), requests, warmup, baseline: values.baseline ?? null, target: TARGET, added, meetsTarget: meets, loadavg: load, ...result }, null, 2) + '\n',
);
console.error(`wrote ${outFile}`);
process.exit(0);
