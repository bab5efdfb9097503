import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { isProcessAlive } from './process-alive';
import { startTestRedis, type TestRedis } from './test-redis';

/** One inline command over a raw socket: the reply as text (replies here fit one chunk). */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('data', (reply) => {
      socket.destroy();
      resolve(reply.toString());
    });
    socket.write(`${command}\r\n`);
  });
}

describe('startTestRedis', () => {
  let redis: TestRedis | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('serves a real redis on a loopback port, without persistence', async () => {
    redis = await startTestRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(await redisCommand(redis.port, 'PING')).toBe('+PONG\r\n');
    expect(await redisCommand(redis.port, 'CONFIG GET bind')).toContain('127.0.0.1');
    expect(await redisCommand(redis.port, 'CONFIG GET save')).toMatch(/save\r\n\$0\r\n\r\n$/);
    expect(await redisCommand(redis.port, 'CONFIG GET appendonly')).toContain('no');
  });

  it('stops exactly its own process and removes its data directory', async () => {
    const first = await startTestRedis();
    redis = await startTestRedis();
    expect(redis.port).not.toBe(first.port);
    const dir = /dir\r\n\$\d+\r\n(.*)\r\n/.exec(await redisCommand(first.port, 'CONFIG GET dir'))![1];
    expect(dir).toContain('tessera-redis-');
    expect(existsSync(dir)).toBe(true);

    await first.stop();
    expect(isProcessAlive(first.pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await expect(first.stop()).resolves.toBeUndefined();
    // The other server is untouched.
    expect(await redisCommand(redis.port, 'PING')).toBe('+PONG\r\n');
  });

  it('says how to install redis-server when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(startTestRedis()).rejects.toMatchObject({ code: 'TESTING_SPAWN_FAILED', message: expect.stringContaining('apt-get install redis-server') });
    } finally {
      process.env.PATH = path;
    }
  });
});
