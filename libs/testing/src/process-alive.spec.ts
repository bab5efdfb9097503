import { spawn } from 'node:child_process';
import { isProcessAlive } from './process-alive';

describe('isProcessAlive', () => {
  it('is true for this process and false once a child has exited', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    expect(isProcessAlive(child.pid!)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect(isProcessAlive(child.pid!)).toBe(false);
  });
});
