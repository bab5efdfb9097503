#!/usr/bin/env node
// bench/gateway: what the gateway adds. Starts the local stack (tools/stack: Redis,
// one worker on the demo model, the gateway, the quantizer), then
//  1. added latency: the same chat request (max_tokens 1, same prompt), sent
//     alternately through the gateway (streamed, to its first SSE event) and
//     straight to the worker's gRPC Generate (to its first token event);
//     added = gateway percentile - direct percentile, p50 and p99 (judged against
//     the target); also the percentiles of the per-pair differences;
//  2. throughput: GET /v1/models (authenticated) from 64 concurrent keep-alive
//     clients for 5 s.
// Client, gateway and worker share this machine's cores: the numbers include that.
// Prints a table and writes bench/out/gateway.json. Needs a build (npm run build).
// usage: node bench/gateway/run.mjs [--requests 200] [--clients 64] [--seconds 5] [--warmup 20]
//          [--root DIR] [--cpu-prof DIR] [--out FILE]
//   --root: run the apps built under DIR (apps/<name>/dist) instead of this checkout's,
//           e.g. a copy of an older gateway build, to compare two builds in the same minutes;
//   --cpu-prof: the gateway writes a V8 CPU profile into DIR (see cpu-profile.cjs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readStackConfig } from '../../tools/stack/config.mjs';
import { createStack } from '../../tools/stack/stack.mjs';
import { directWorkerClient } from './direct-worker.mjs';
import { gatewayChatClient, loadGet } from './gateway-client.mjs';
import { processCpuMs } from './process-cpu.mjs';
import { summarize } from './stats.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '200' },
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '20' },
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

const gateway = gatewayChatClient(ready.url, config.adminKey, ready.model);
const direct = directWorkerClient(root, ready.workerAddress);
let result;
try {
  console.error(`[bench] ${warmup} warm-up + ${requests} requests each way, max_tokens 1, alternating`);
  for (let i = 0; i < warmup; i++) {
    await gateway.chat(MESSAGES, 1);
    await direct.generate(MESSAGES, 1);
  }
  const viaGateway = [];
  const viaWorker = [];
  const gatewayCpu = () => processCpuMs(ready.pids.gateway);
  const cpuBeforeChat = gatewayCpu();
  for (let i = 0; i < requests; i++) {
    // Alternating order cancels drift (other load on the machine, caches) between the two paths.
    if (i % 2 === 0) {
      viaGateway.push(await gateway.chat(MESSAGES, 1));
      viaWorker.push(await direct.generate(MESSAGES, 1));
    } else {
      viaWorker.push(await direct.generate(MESSAGES, 1));
      viaGateway.push(await gateway.chat(MESSAGES, 1));
    }
  }
  const cpuAfterChat = gatewayCpu();
  console.error(`[bench] GET /v1/models: ${clients} clients for ${seconds} s`);
  const load = await loadGet(ready.url, '/v1/models', config.adminKey, clients, seconds);
  const cpuAfterModels = gatewayCpu();
  // Gateway CPU per request: the chat phase also ran the direct requests, which cost the gateway nothing.
  const perRequest = (from, to, n) => (from === undefined || to === undefined ? undefined : (to - from) / n);
  result = {
    // Request i through the gateway ran next to request i direct: their difference sees the same machine state.
    pairedAddedTtft: summarize(viaGateway.map((r, i) => r.ttftMs - viaWorker[i].ttftMs)),
    ttft: { gateway: summarize(viaGateway.map((r) => r.ttftMs)), direct: summarize(viaWorker.map((r) => r.ttftMs)) },
    total: { gateway: summarize(viaGateway.map((r) => r.totalMs)), direct: summarize(viaWorker.map((r) => r.totalMs)) },
    models: { clients, seconds: load.seconds, requests: load.requests, errors: load.errors, rps: load.rps, latency: summarize(load.latencies) },
    gatewayCpuMsPerRequest: { chat: perRequest(cpuBeforeChat, cpuAfterChat, requests), models: perRequest(cpuAfterChat, cpuAfterModels, load.requests + load.errors) },
  };
} finally {
  gateway.close();
  direct.close();
  await stack.stop();
}

const added = {
  p50: result.ttft.gateway.p50 - result.ttft.direct.p50,
  p99: result.ttft.gateway.p99 - result.ttft.direct.p99,
};
const ms = (v) => v.toFixed(2);
const rows = [
  ['time to first token', 'via gateway', ms(result.ttft.gateway.p50), ms(result.ttft.gateway.p99)],
  ['', 'direct gRPC', ms(result.ttft.direct.p50), ms(result.ttft.direct.p99)],
  ['', 'added', ms(added.p50), ms(added.p99)],
  ['', 'added, paired', ms(result.pairedAddedTtft.p50), ms(result.pairedAddedTtft.p99)],
  ['', 'target', `< ${TARGET.addedP50Ms}`, `< ${TARGET.addedP99Ms}`],
  ['whole request', 'via gateway', ms(result.total.gateway.p50), ms(result.total.gateway.p99)],
  ['', 'direct gRPC', ms(result.total.direct.p50), ms(result.total.direct.p99)],
  ['GET /v1/models', `${clients} clients`, ms(result.models.latency.p50), ms(result.models.latency.p99)],
];
const header = ['measure', 'path', 'p50 ms', 'p99 ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
console.log([header, ...rows].map((cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n'));
const cpuText = (v) => (v === undefined ? 'n/a' : v.toFixed(3));
const meets = added.p50 < TARGET.addedP50Ms && added.p99 < TARGET.addedP99Ms;
const load = loadavg();
console.log(
  `\nadded latency ${meets ? 'meets' : 'MISSES'} the target (p50 < ${TARGET.addedP50Ms} ms, p99 < ${TARGET.addedP99Ms} ms) over ${requests} requests each way.` +
    `\nGET /v1/models: ${result.models.rps.toFixed(0)} requests/s (${result.models.requests} in ${result.models.seconds.toFixed(1)} s, ${result.models.errors} errors).` +
    `\nGateway CPU per request: ${cpuText(result.gatewayCpuMsPerRequest.chat)} ms per streamed chat, ${cpuText(result.gatewayCpuMsPerRequest.models)} ms per GET /v1/models.` +
    `\nModel ${ready.model}, worker ${env.TESSERA_THREADS} thread(s), ${availableParallelism()} cores shared by client, gateway, worker and Redis; load average ${load.map((l) => l.toFixed(2)).join(' ')}.`,
);
const outFile = values.out ? resolve(values.out) : join(repoRoot, 'bench', 'out', 'gateway.json');
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  JSON.stringify({ date: new Date().toISOString(), model: ready.model, workerThreads: Number(env.TESSERA_THREADS), requests, warmup, target: TARGET, added, meetsTarget: meets, loadavg: load, ...result }, null, 2) + '\n',
);
console.error(`wrote ${outFile}`);
process.exit(0);
