import { lineStartingWith, spawnWatched } from './watched-process';

/** Runs a small Node script as the child under test. */
const node = (script: string) => spawnWatched(process.execPath, ['-e', script], { name: 'the script' });

describe('spawnWatched', () => {
  it('keeps stdout and stderr and resolves a wait once the awaited text arrives', async () => {
    const p = node(`console.error('warming up'); setTimeout(() => console.log('READY {"port":7}'), 50); setInterval(() => {}, 1000);`);
    const payload = await p.waitForOutput(lineStartingWith('READY '), { timeoutMs: 10_000 });
    expect(JSON.parse(payload)).toEqual({ port: 7 });
    expect(p.output()).toContain('warming up');
    expect(p.running).toBe(true);
    expect(await p.stop()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(p.running).toBe(false);
  });

  it('stops with the signal asked for, by PID, and reports the exit', async () => {
    const p = node(`process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); console.log('up'); setInterval(() => {}, 1000);`);
    await p.waitForOutput((out) => out.includes('up') || undefined);
    expect(await p.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(p.output()).toContain('bye');
    // Killing a process that has exited is a no-op, not an ESRCH error.
    expect(() => p.kill('SIGKILL')).not.toThrow();
  });

  it('fails a wait when the process exits first, with its output', async () => {
    const p = node(`console.log('config is bad'); process.exit(3);`);
    await expect(p.waitForOutput(lineStartingWith('READY '), { what: 'its ready line' })).rejects.toMatchObject({
      code: 'TESTING_PROCESS_EXITED',
      message: expect.stringMatching(/^the script exited \(code 3, signal null\) before printing its ready line:\nconfig is bad/),
    });
    expect(await p.exited).toEqual({ code: 3, signal: null });
  });

  it('still sees output that arrives after the exit, until the pipes close', async () => {
    // The script exits at once; a grandchild holding its stdout prints two lines later.
    const p = node(`require('node:child_process').spawn('sh', ['-c', 'sleep 0.1; echo loading; sleep 0.2; echo READY late'], { stdio: ['ignore', 'inherit', 'inherit'] }); process.exit(0);`);
    await expect(p.waitForOutput(lineStartingWith('READY '))).resolves.toBe('late');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });

  it('fails a wait after its timeout, with the output so far', async () => {
    const p = node(`console.log('still loading'); setInterval(() => {}, 1000);`);
    // Node can take longer than the short timeout below to boot on a busy machine.
    await p.waitForOutput((out) => out.includes('still loading') || undefined);
    await expect(p.waitForOutput(lineStartingWith('READY '), { timeoutMs: 300, what: 'its ready line' })).rejects.toMatchObject({
      code: 'TESTING_OUTPUT_TIMEOUT',
      message: expect.stringContaining('did not print its ready line within 300 ms:\nstill loading'),
    });
    await p.stop();
  });

  it('says so when the command cannot be run at all', async () => {
    const p = spawnWatched('tessera-no-such-command', [], { name: 'the missing tool' });
    await expect(p.waitForOutput(() => undefined)).rejects.toMatchObject({ code: 'TESTING_SPAWN_FAILED', message: expect.stringContaining('cannot run the missing tool') });
    await expect(p.exited).resolves.toEqual({ code: null, signal: null });
  });

  it('turns an error thrown by the finder into a rejection', async () => {
    const p = node(`console.log('READY {not json'); setInterval(() => {}, 1000);`);
    await expect(p.waitForOutput((out) => (out.includes('READY') ? JSON.parse(out.slice(6)) : undefined))).rejects.toThrow(SyntaxError);
    await p.stop();
  });
});

describe('lineStartingWith', () => {
  it('returns the rest of the first complete line with the prefix', () => {
    expect(lineStartingWith('READY ')('boot\nREADY {"a":1}\nREADY {"a":2}\n')).toBe('{"a":1}');
  });

  it('ignores a line still being written', () => {
    expect(lineStartingWith('READY ')('boot\nREADY {"a":')).toBeUndefined();
  });
});
