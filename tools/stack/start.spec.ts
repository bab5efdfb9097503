// `npm start` end to end: tools/start.mjs is spawned as a user would run it
// (build skipped: the test run builds first), with a temp data dir and free ports.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive, lineStartingWith, spawnWatched, startTestRedis, waitFor, type WatchedProcess } from '@tessera/testing';

const ROOT = join(__dirname, '..', '..');
const START = join(ROOT, 'tools', 'start.mjs');
const ADMIN_KEY = 'tsk-start-spec-admin-key-0123456789';
const READY = 'TESSERA_STACK_READY ';

interface ReadyInfo {
  url: string;
  model: string;
  models: string[];
  pids: Record<string, number>;
  pid: number;
}

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-start-'));
const running: WatchedProcess[] = [];

function runStart(env: Record<string, string>): WatchedProcess {
  const stack = spawnWatched(process.execPath, [START], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TESSERA_SKIP_BUILD: '1', TESSERA_DATA_DIR: dataDir, PORT: '0', TESSERA_THREADS: '1', ...env },
    name: 'npm start',
  });
  running.push(stack);
  return stack;
}

/** The ready line's payload, if the stack printed it. */
const readyInfo = (output: string): ReadyInfo | undefined => {
  const json = lineStartingWith(READY)(output);
  return json === undefined ? undefined : (JSON.parse(json) as ReadyInfo);
};

const waitReady = (stack: WatchedProcess): Promise<ReadyInfo> => stack.waitForOutput(readyInfo, { timeoutMs: 40_000, what: READY.trim() });

async function api(url: string, key: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(() => {
  for (const app of ['gateway', 'worker', 'quantizer']) {
    const main = join(ROOT, 'apps', app, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run node tools/build.mjs first`);
  }
});

afterAll(async () => {
  // A failed test must not leave a stack behind: SIGKILL whatever is left, by PID.
  for (const stack of running) {
    const pids = Object.values(readyInfo(stack.output())?.pids ?? {});
    stack.kill('SIGKILL');
    for (const pid of pids) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start (tools/start.mjs)', () => {
  it('serves the demo model through the gateway, then SIGINT stops every child', async () => {
    const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY });
    const ready = await waitReady(stack);
    expect(Object.keys(ready.pids).sort()).toEqual(['gateway', 'quantizer', 'redis', 'worker']);
    expect(ready.model).toBe('demo-tiny');
    expect(stack.output()).toContain(`curl -s ${ready.url}/v1/admin/keys`);
    expect(stack.output()).not.toContain(ADMIN_KEY); // a key from the environment is never echoed

    const models = await api(`${ready.url}/v1/models`, ADMIN_KEY);
    expect(models.status).toBe(200);
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual(['demo-tiny']);

    // The banner's recipe: a team, a member key for it, a chat with that key.
    expect((await api(`${ready.url}/v1/admin/teams`, ADMIN_KEY, { name: 'demo' })).status).toBe(201);
    const created = await api(`${ready.url}/v1/admin/keys`, ADMIN_KEY, { team: 'demo', name: 'spec' });
    expect(created.status).toBe(201);
    const chat = await api(`${ready.url}/v1/chat/completions`, created.body.key, {
      model: 'demo-tiny',
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 4,
      temperature: 0,
    });
    expect(chat.status).toBe(200);
    expect(chat.body.choices[0].finish_reason).toBe('length');
    expect(chat.body.usage.completion_tokens).toBe(4);

    // The quantizer of the stack: a GGUF placed in the import directory,
    // submitted through the gateway, quantized by the quantizer process.
    copyFileSync(join(dataDir, 'models', 'demo-tiny.gguf'), join(dataDir, 'import', 'demo.gguf'));
    const job = await api(`${ready.url}/v1/quantizations`, created.body.key, { source: 'file:demo.gguf', presets: ['Q8_0'], evaluate: false });
    expect(job.status).toBe(201);
    const view = await waitFor(
      async () => {
        const { body } = await api(`${ready.url}/v1/quantizations/${job.body.id}`, created.body.key);
        return ['completed', 'failed', 'cancelled'].includes(body.state) ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: `quantization ${job.body.id} to finish` },
    );
    expect(view.state).toBe('completed');

    for (const pid of Object.values(ready.pids)) expect(isProcessAlive(pid)).toBe(true);
    stack.kill('SIGINT');
    expect(await stack.exited).toEqual({ code: 0, signal: null });
    expect(stack.output()).toContain('[stack] stopped');
    expect(Object.values(ready.pids).filter(isProcessAlive)).toEqual([]);
  });

  it('stops everything and exits 1 naming the child when one dies on its own', async () => {
    const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY });
    const ready = await waitReady(stack);
    process.kill(ready.pids.worker, 'SIGKILL');
    expect(await stack.exited).toEqual({ code: 1, signal: null });
    expect(stack.output()).toContain(`worker (pid ${ready.pids.worker}) was killed by SIGKILL`);
    expect(Object.values(ready.pids).filter(isProcessAlive)).toEqual([]);
  });

  it('exits 1 with the child\'s own reason when a child fails at boot, and stops the others', async () => {
    const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT_RPM: 'lots' });
    expect(await stack.exited).toEqual({ code: 1, signal: null });
    expect(stack.output()).toMatch(/npm start failed: gateway \(pid \d+\) exited with code 1; its last lines:\n.*RATE_LIMIT_RPM="lots" is invalid/);
    const pids = [...stack.output().matchAll(/\[stack\] \w+ started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    expect(pids.filter(isProcessAlive)).toEqual([]);
  });

  it('prints a generated admin key once when TESSERA_ADMIN_KEY is unset, and it works', async () => {
    const stack = runStart({});
    const ready = await waitReady(stack);
    const keys = stack.output().match(/tsk-[A-Za-z0-9_-]{16,}/g) ?? [];
    expect(keys).toHaveLength(1);
    expect((await api(`${ready.url}/v1/models`, keys[0]!)).status).toBe(200);
    expect((await api(`${ready.url}/v1/models`, ADMIN_KEY)).status).toBe(401);
    stack.kill('SIGTERM');
    expect(await stack.exited).toEqual({ code: 0, signal: null });
    expect(Object.values(ready.pids).filter(isProcessAlive)).toEqual([]);
  });

  it('uses REDIS_URL instead of starting Redis, and leaves that Redis running', async () => {
    const redis = await startTestRedis();
    try {
      const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY, REDIS_URL: redis.url });
      const ready = await waitReady(stack);
      expect(Object.keys(ready.pids).sort()).toEqual(['gateway', 'quantizer', 'worker']);
      expect((await api(`${ready.url}/v1/models`, ADMIN_KEY)).status).toBe(200);
      stack.kill('SIGINT');
      expect(await stack.exited).toEqual({ code: 0, signal: null });
      expect(Object.values(ready.pids).filter(isProcessAlive)).toEqual([]);
      expect(isProcessAlive(redis.pid)).toBe(true);
    } finally {
      await redis.stop();
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty" is not a port'],
    [{ TESSERA_MODEL: '/nonexistent/model.gguf' }, 'TESSERA_MODEL: no file at /nonexistent/model.gguf'],
    [{ TESSERA_ADMIN_KEY: 'secret' }, 'TESSERA_ADMIN_KEY must look like "tsk-"'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis://'],
  ])('refuses bad configuration %p with exit 2 before starting anything', async (env, message) => {
    const stack = runStart(env);
    expect(await stack.exited).toEqual({ code: 2, signal: null });
    expect(stack.output()).toContain(message);
  });
});
