// The free port can be taken between freePort() and redis binding it; the
// starter must then try another port instead of failing the test.
import { createServer, type Server } from 'node:net';
import { freePort } from './free-port';
import { startTestRedis } from './test-redis';

jest.mock('./free-port', () => {
  const actual = jest.requireActual('./free-port');
  return { freePort: jest.fn(actual.freePort) };
});

describe('startTestRedis when its port is taken first', () => {
  let squatter: Server;
  afterEach(() => new Promise((resolve) => squatter.close(resolve)));

  it('retries on a new port', async () => {
    const actual = jest.requireActual('./free-port') as { freePort: () => Promise<number> };
    const taken = await actual.freePort();
    squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(taken, '127.0.0.1', resolve));
    jest.mocked(freePort).mockResolvedValueOnce(taken);

    const redis = await startTestRedis();
    try {
      expect(redis.port).not.toBe(taken);
      expect(jest.mocked(freePort)).toHaveBeenCalledTimes(2);
    } finally {
      await redis.stop();
    }
  });
});
