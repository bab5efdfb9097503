import { createServer } from 'node:net';
import { TestingError } from './testing-error';

/**
 * A loopback (127.0.0.1) TCP port that was free a moment ago: the OS picks it,
 * then we release it. Another process may take it before the caller binds it,
 * so callers that start a server on it should retry on "address in use"
 * (startTestRedis does).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new TestingError('TESTING_NO_PORT', 'the OS assigned no TCP port on 127.0.0.1; check the loopback interface')),
      );
    });
  });
}
