// `npm start` end to end: tools/start.mjs is spawned as a user would run it
// (build skipped: the test run builds first), with a temp data dir and free ports.
import { ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A loopback TCP port that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

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

interface StartedStack {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

const dataDir = mkdtempSync(join(tmpdir(), 'tessera-start-'));
const running: StartedStack[] = [];

function runStart(env: Record<string, string>): StartedStack {
  const proc = spawn(process.execPath, [START], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TESSERA_SKIP_BUILD: '1', TESSERA_DATA_DIR: dataDir, PORT: '0', TESSERA_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const started = { proc, output: () => output, exited };
  running.push(started);
  return started;
}

async function waitReady(stack: StartedStack, timeoutMs = 40_000): Promise<ReadyInfo> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: number | string | undefined;
  void stack.exited.then((code) => (exitedWith = code));
  for (;;) {
    const line = stack.output().split('\n').find((l) => l.startsWith(READY));
    if (line) return JSON.parse(line.slice(READY.length)) as ReadyInfo;
    if (exitedWith !== undefined || Date.now() > deadline) {
      throw new Error(`npm start ${exitedWith !== undefined ? `exited (${exitedWith})` : 'was not ready in time'}:\n${stack.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

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
    const line = stack.output().split('\n').find((l) => l.startsWith(READY));
    const pids = line ? Object.values((JSON.parse(line.slice(READY.length)) as ReadyInfo).pids) : [];
    if (stack.proc.exitCode === null && stack.proc.pid) process.kill(stack.proc.pid, 'SIGKILL');
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
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
    let view = job.body;
    for (const deadline = Date.now() + 60_000; !['completed', 'failed', 'cancelled'].includes(view.state) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 250));
      view = (await api(`${ready.url}/v1/quantizations/${job.body.id}`, created.body.key)).body;
    }
    expect(view.state).toBe('completed');

    for (const pid of Object.values(ready.pids)) expect(alive(pid)).toBe(true);
    stack.proc.kill('SIGINT');
    expect(await stack.exited).toBe(0);
    expect(stack.output()).toContain('[stack] stopped');
    expect(Object.values(ready.pids).filter(alive)).toEqual([]);
  });

  it('stops everything and exits 1 naming the child when one dies on its own', async () => {
    const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY });
    const ready = await waitReady(stack);
    process.kill(ready.pids.worker, 'SIGKILL');
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toContain(`worker (pid ${ready.pids.worker}) was killed by SIGKILL`);
    expect(Object.values(ready.pids).filter(alive)).toEqual([]);
  });

  it('exits 1 with the child\'s own reason when a child fails at boot, and stops the others', async () => {
    const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY, RATE_LIMIT_RPM: 'lots' });
    expect(await stack.exited).toBe(1);
    expect(stack.output()).toMatch(/npm start failed: gateway \(pid \d+\) exited with code 1; its last lines:\n.*RATE_LIMIT_RPM="lots" is invalid/);
    const pids = [...stack.output().matchAll(/\[stack\] \w+ started \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    expect(pids.filter(alive)).toEqual([]);
  });

  it('prints a generated admin key once when TESSERA_ADMIN_KEY is unset, and it works', async () => {
    const stack = runStart({});
    const ready = await waitReady(stack);
    const keys = stack.output().match(/tsk-[A-Za-z0-9_-]{16,}/g) ?? [];
    expect(keys).toHaveLength(1);
    expect((await api(`${ready.url}/v1/models`, keys[0])).status).toBe(200);
    expect((await api(`${ready.url}/v1/models`, ADMIN_KEY)).status).toBe(401);
    stack.proc.kill('SIGTERM');
    expect(await stack.exited).toBe(0);
    expect(Object.values(ready.pids).filter(alive)).toEqual([]);
  });

  it('uses REDIS_URL instead of starting Redis, and leaves that Redis running', async () => {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        redis.once('exit', () => reject(new Error(`redis-server exited: ${out}`)));
        redis.stdout?.on('data', (d: Buffer) => ((out += d.toString()), out.includes('Ready to accept connections') && resolve()));
      });
      const stack = runStart({ TESSERA_ADMIN_KEY: ADMIN_KEY, REDIS_URL: `redis://127.0.0.1:${port}` });
      const ready = await waitReady(stack);
      expect(Object.keys(ready.pids).sort()).toEqual(['gateway', 'quantizer', 'worker']);
      expect((await api(`${ready.url}/v1/models`, ADMIN_KEY)).status).toBe(200);
      stack.proc.kill('SIGINT');
      expect(await stack.exited).toBe(0);
      expect(Object.values(ready.pids).filter(alive)).toEqual([]);
      expect(alive(redis.pid!)).toBe(true);
    } finally {
      redis.kill('SIGKILL');
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT="eighty" is not a port'],
    [{ TESSERA_MODEL: '/nonexistent/model.gguf' }, 'TESSERA_MODEL: no file at /nonexistent/model.gguf'],
    [{ TESSERA_ADMIN_KEY: 'secret' }, 'TESSERA_ADMIN_KEY must look like "tsk-"'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL must start with redis://'],
  ])('refuses bad configuration %p with exit 2 before starting anything', async (env, message) => {
    const stack = runStart(env);
    expect(await stack.exited).toBe(2);
    expect(stack.output()).toContain(message);
  });
});
